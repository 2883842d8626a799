"""a letter template version keeps the return address it was saved with (Notify's
letter_contact_block per version)

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-02 19:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("template_versions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("letter_contact_block", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("template_versions", schema=None) as batch_op:
        batch_op.drop_column("letter_contact_block")
