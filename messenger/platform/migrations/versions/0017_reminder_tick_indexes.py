"""the scheduler tick costs what is due: reminders know when the fallback cron is done with them,
and the tick's look-ups by case and by fallback are indexed

Without these, the fallback cron read every reminder once for each sent one (is there a
fallback of it?), went over every sent reminder ever, and a failed SMS on the plan's last
channel stayed a candidate for good, so 200 of them stopped all later fallbacks; a due step
read every reply, contact attempt and task of every client (conditions.py).

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-03 13:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None

# Statuses after which a message can neither fail nor stall (messages/statuses.py).
_ARRIVED = ("delivered", "cancelled", "returned-letter")


def upgrade() -> None:
    with op.batch_alter_table("reminders", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("fallback_done", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
        batch_op.create_index(
            "ix_reminders_status_fallback_done",
            ["status", "fallback_done", "updated_at"],
            unique=False,
        )
        batch_op.create_index("ix_reminders_fallback_of", ["fallback_of"], unique=False)
    with op.batch_alter_table("contact_attempts", schema=None) as batch_op:
        batch_op.create_index("ix_contact_attempts_case_id", ["case_id"], unique=False)
    with op.batch_alter_table("tasks", schema=None) as batch_op:
        batch_op.create_index("ix_tasks_case_id", ["case_id"], unique=False)
    with op.batch_alter_table("received_messages", schema=None) as batch_op:
        batch_op.create_index("ix_received_messages_case_id", ["case_id"], unique=False)
    # What the cron would find out on its first run anyway: sent reminders that have their
    # fallback, or whose message arrived.
    arrived = ", ".join(f"'{status}'" for status in _ARRIVED)
    op.execute(
        "UPDATE reminders SET fallback_done = true WHERE status = 'sent' AND ("
        " EXISTS (SELECT 1 FROM reminders AS fallback WHERE fallback.fallback_of = reminders.id)"
        " OR EXISTS (SELECT 1 FROM messages WHERE messages.id = reminders.message_id"
        f" AND messages.status IN ({arrived})))"
    )


def downgrade() -> None:
    with op.batch_alter_table("received_messages", schema=None) as batch_op:
        batch_op.drop_index("ix_received_messages_case_id")
    with op.batch_alter_table("tasks", schema=None) as batch_op:
        batch_op.drop_index("ix_tasks_case_id")
    with op.batch_alter_table("contact_attempts", schema=None) as batch_op:
        batch_op.drop_index("ix_contact_attempts_case_id")
    with op.batch_alter_table("reminders", schema=None) as batch_op:
        batch_op.drop_index("ix_reminders_fallback_of")
        batch_op.drop_index("ix_reminders_status_fallback_done")
        batch_op.drop_column("fallback_done")
