"""clients by organisation and email: a case list finds its known clients by email too, and
without an index each look-up read every client of the organisation

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-03 12:00:00
"""

from __future__ import annotations

from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("clients", schema=None) as batch_op:
        batch_op.create_index("ix_clients_org_email", ["organisation_id", "email"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("clients", schema=None) as batch_op:
        batch_op.drop_index("ix_clients_org_email")
