"""Queue one `send_email` task per message id, as the web side of such a pipeline does:

    python -m celery_app.enqueue FIRST LAST      # ids FIRST..LAST inclusive

Prints the number queued when done.
"""

from __future__ import annotations

import sys

from celery_app.tasks import send_email


def main(first: int, last: int) -> int:
    count = 0
    for message_id in range(first, last + 1):
        send_email.delay(message_id)
        count += 1
    return count


if __name__ == "__main__":
    print(main(int(sys.argv[1]), int(sys.argv[2])), flush=True)
