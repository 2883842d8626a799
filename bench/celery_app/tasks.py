"""The Celery app and its one task, configured from the environment by
bench/celery_pipeline.py:

    BENCH_CELERY_BROKER   redis://… (the broker; no result backend)
    BENCH_CELERY_DB       the SQLite file with the `messages` table
    BENCH_CELERY_SMTP     host:port of the SMTP sink
    BENCH_CELERY_MARKS    a file each worker process appends "pid time" to at its first task
    BENCH_CELERY_CONNECTION  `process` (the default): one SMTP connection per worker process,
                          opened at its first send and opened again if the server dropped it;
                          `task`: a new connection for every task

    celery -A celery_app.tasks worker --pool=prefork      # concurrency: the number of cores

The task is what a team writes from the Celery and smtplib docs: read the row, build a
multipart text + HTML message, send it with smtplib, mark the row `sent`. Each worker process
keeps one SQLite connection and, unless told `task`, one SMTP connection, both opened after
the fork. (A new SMTP connection per task, as Django's send_mail and `with smtplib.SMTP(...)`
do, costs two socket.getfqdn() calls: smtplib's for EHLO, and aiosmtpd's for its greeting,
which blocks the sink's event loop; where DNS is slow the sink, not the pipeline, sets the
rate then.)
"""

from __future__ import annotations

import html
import os
import smtplib
import sqlite3
import time
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from typing import Any

from celery import Celery
from celery.signals import task_prerun

app = Celery("celery_app", broker=os.environ.get("BENCH_CELERY_BROKER", "redis://127.0.0.1:6379/0"))
app.conf.update(
    result_backend=None,
    task_ignore_result=True,
    task_serializer="json",
    accept_content=["json"],
    broker_connection_retry_on_startup=True,
)

SENDER = "OCMW Gent <noreply@pipeline.invalid>"
_connection: sqlite3.Connection | None = None
_smtp: smtplib.SMTP | None = None
_marked = False


def database() -> sqlite3.Connection:
    """This worker process's connection (made on first use, so after the fork)."""
    global _connection
    if _connection is None:
        _connection = sqlite3.connect(os.environ["BENCH_CELERY_DB"], timeout=30)
        _connection.execute("PRAGMA synchronous=NORMAL")  # as Messenger's (WAL is set on the file)
    return _connection


def smtp_connection() -> smtplib.SMTP:
    host, _, port = os.environ["BENCH_CELERY_SMTP"].rpartition(":")
    return smtplib.SMTP(host, int(port), timeout=30)


def send(message: EmailMessage) -> None:
    """Over this process's connection, or a new one for each message when told `task`."""
    global _smtp
    if os.environ.get("BENCH_CELERY_CONNECTION") == "task":
        with smtp_connection() as smtp:
            smtp.send_message(message)
        return
    if _smtp is not None:
        try:
            _smtp.send_message(message)
            return
        except smtplib.SMTPServerDisconnected:
            _smtp = None
    _smtp = smtp_connection()
    _smtp.send_message(message)


def build(recipient: str, subject: str, body: str) -> EmailMessage:
    """Text + an HTML alternative made from the same paragraphs."""
    paragraphs = "\n".join(
        f"<p>{html.escape(p).replace(chr(10), '<br>')}</p>" for p in body.split("\n\n")
    )
    message = EmailMessage()
    message["From"] = SENDER
    message["To"] = recipient
    message["Subject"] = subject
    message["Message-ID"] = make_msgid(domain="pipeline.invalid")
    message["Date"] = formatdate(localtime=True)
    message.set_content(body)
    message.add_alternative(
        f'<!DOCTYPE html>\n<html lang="nl"><head><meta charset="utf-8"></head>\n'
        f"<body>\n{paragraphs}\n</body></html>\n",
        subtype="html",
    )
    return message


@task_prerun.connect  # type: ignore[untyped-decorator]  # celery is not in .venv
def mark_first_task(**_: Any) -> None:
    """When this worker process starts its first task: the drain is timed from the first."""
    global _marked
    if _marked:
        return
    _marked = True
    marks = os.environ.get("BENCH_CELERY_MARKS")
    if marks:
        with open(marks, "a") as file:
            file.write(f"{os.getpid()} {time.time()}\n")


@app.task(name="send_email", ignore_result=True)  # type: ignore[untyped-decorator]
def send_email(message_id: int) -> None:
    db = database()
    row = db.execute(
        "SELECT recipient, subject, body FROM messages WHERE id = ?", (message_id,)
    ).fetchone()
    if row is None:
        return
    recipient, subject, body = row
    message = build(recipient, subject, body)
    send(message)
    db.execute("UPDATE messages SET status = 'sent' WHERE id = ?", (message_id,))
    db.commit()
