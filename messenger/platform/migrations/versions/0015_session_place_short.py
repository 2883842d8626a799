"""a session's short place for SMS ("Sociaal Huis Gent"), so a long address does not make
an SMS two parts; SMS fall back to the full place without one

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-03 08:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("lac_sessions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("place_short", sa.String(length=40), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("lac_sessions", schema=None) as batch_op:
        batch_op.drop_column("place_short")
