"""template variants, overrides and transliteration

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25 00:58:25.358423
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("messages", schema=None) as batch_op:
        batch_op.add_column(sa.Column("requested_language", sa.String(length=5), nullable=True))
        batch_op.add_column(sa.Column("variant", sa.String(length=40), nullable=True))

    with op.batch_alter_table("organisations", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("sms_transliterate", sa.Boolean(), server_default=sa.false(), nullable=False)
        )

    # Existing versions get "no variants, no checks"; new rows get theirs from the model.
    with op.batch_alter_table("template_versions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("variants", sa.JSON(), server_default="{}", nullable=False))
        batch_op.add_column(sa.Column("checks", sa.JSON(), server_default="[]", nullable=False))
    with op.batch_alter_table("template_versions", schema=None) as batch_op:
        batch_op.alter_column("variants", server_default=None)
        batch_op.alter_column("checks", server_default=None)

    with op.batch_alter_table("templates", schema=None) as batch_op:
        batch_op.add_column(sa.Column("overrides_id", sa.String(length=36), nullable=True))
        batch_op.create_index(
            batch_op.f("ix_templates_overrides_id"), ["overrides_id"], unique=False
        )
        batch_op.create_foreign_key(
            batch_op.f("templates_overrides_id_fkey"), "templates", ["overrides_id"], ["id"]
        )


def downgrade() -> None:
    with op.batch_alter_table("templates", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("templates_overrides_id_fkey"), type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_templates_overrides_id"))
        batch_op.drop_column("overrides_id")

    with op.batch_alter_table("template_versions", schema=None) as batch_op:
        batch_op.drop_column("checks")
        batch_op.drop_column("variants")

    with op.batch_alter_table("organisations", schema=None) as batch_op:
        batch_op.drop_column("sms_transliterate")

    with op.batch_alter_table("messages", schema=None) as batch_op:
        batch_op.drop_column("variant")
        batch_op.drop_column("requested_language")
