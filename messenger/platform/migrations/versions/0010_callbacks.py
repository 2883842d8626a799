"""callbacks: an organisation's callback addresses, the outbox of deliveries to them and
their failed attempts

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-03 10:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "callbacks",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("organisation_id", sa.String(length=36), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("url", sa.String(length=255), nullable=False),
        sa.Column("bearer_token_encrypted", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by", sa.String(length=200), nullable=False),
        sa.Column("last_success_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_failure_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_failure", sa.String(length=200), nullable=True),
        sa.ForeignKeyConstraint(
            ["organisation_id"], ["organisations.id"], name=op.f("callbacks_organisation_id_fkey")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("callbacks_pkey")),
        sa.UniqueConstraint("organisation_id", "kind", name=op.f("callbacks_organisation_id_key")),
    )
    with op.batch_alter_table("callbacks", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_callbacks_organisation_id"), ["organisation_id"], unique=False
        )

    op.create_table(
        "callback_deliveries",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("organisation_id", sa.String(length=36), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("subject_id", sa.String(length=36), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_status_code", sa.Integer(), nullable=True),
        sa.Column("last_error", sa.String(length=200), nullable=True),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("callback_deliveries_organisation_id_fkey"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("callback_deliveries_pkey")),
    )
    with op.batch_alter_table("callback_deliveries", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_callback_deliveries_organisation_id"), ["organisation_id"], unique=False
        )
        batch_op.create_index(
            "ix_callback_deliveries_status_due", ["status", "due_at"], unique=False
        )
        batch_op.create_index("ix_callback_deliveries_subject", ["subject_id", "id"], unique=False)

    op.create_table(
        "callback_failures",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("delivery_id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.String(length=36), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("attempted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status_code", sa.Integer(), nullable=True),
        sa.Column("error", sa.String(length=200), nullable=False),
        sa.Column("outcome", sa.String(length=10), nullable=False),
        sa.ForeignKeyConstraint(
            ["delivery_id"],
            ["callback_deliveries.id"],
            name=op.f("callback_failures_delivery_id_fkey"),
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("callback_failures_organisation_id_fkey"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("callback_failures_pkey")),
    )
    with op.batch_alter_table("callback_failures", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_callback_failures_delivery_id"), ["delivery_id"], unique=False
        )
        batch_op.create_index(
            "ix_callback_failures_org_at", ["organisation_id", "attempted_at"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("callback_failures", schema=None) as batch_op:
        batch_op.drop_index("ix_callback_failures_org_at")
        batch_op.drop_index(batch_op.f("ix_callback_failures_delivery_id"))
    op.drop_table("callback_failures")
    with op.batch_alter_table("callback_deliveries", schema=None) as batch_op:
        batch_op.drop_index("ix_callback_deliveries_subject")
        batch_op.drop_index("ix_callback_deliveries_status_due")
        batch_op.drop_index(batch_op.f("ix_callback_deliveries_organisation_id"))
    op.drop_table("callback_deliveries")
    with op.batch_alter_table("callbacks", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_callbacks_organisation_id"))
    op.drop_table("callbacks")
