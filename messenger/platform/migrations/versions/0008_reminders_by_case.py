"""reminders by case: one index for a case's steps in time order

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02 12:40:00
"""

from __future__ import annotations

from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("reminders", schema=None) as batch_op:
        batch_op.create_index(
            "ix_reminders_case_status_due", ["case_id", "status", "due_at"], unique=False
        )
        batch_op.drop_index("ix_reminders_case_id")


def downgrade() -> None:
    with op.batch_alter_table("reminders", schema=None) as batch_op:
        batch_op.create_index("ix_reminders_case_id", ["case_id"], unique=False)
        batch_op.drop_index("ix_reminders_case_status_due")
