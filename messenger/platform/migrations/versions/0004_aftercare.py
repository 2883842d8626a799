"""aftercare: case events, contact attempts, tasks, inbox

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-25 01:59:22.875405
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("organisations", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("message_retention_days", sa.Integer(), server_default="90", nullable=False)
        )

    op.create_table(
        "case_events",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("organisation_id", sa.String(length=36), nullable=False),
        sa.Column("case_id", sa.String(length=36), nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("source", sa.String(length=20), nullable=False),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.Column("reported_by", sa.String(length=200), nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"], name=op.f("case_events_case_id_fkey")),
        sa.ForeignKeyConstraint(
            ["organisation_id"], ["organisations.id"], name=op.f("case_events_organisation_id_fkey")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("case_events_pkey")),
    )
    with op.batch_alter_table("case_events", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_case_events_case_id"), ["case_id"], unique=False)

    op.create_table(
        "contact_attempts",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("organisation_id", sa.String(length=36), nullable=False),
        sa.Column("client_id", sa.String(length=36), nullable=False),
        sa.Column("case_id", sa.String(length=36), nullable=True),
        sa.Column("method", sa.String(length=30), nullable=False),
        sa.Column("outcome", sa.String(length=20), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("attempted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("recorded_by", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("contact_attempts_case_id_fkey")
        ),
        sa.ForeignKeyConstraint(
            ["client_id"], ["clients.id"], name=op.f("contact_attempts_client_id_fkey")
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("contact_attempts_organisation_id_fkey"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("contact_attempts_pkey")),
    )
    with op.batch_alter_table("contact_attempts", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_contact_attempts_client_id"), ["client_id"], unique=False
        )
        batch_op.create_index(
            "ix_contact_attempts_org_at", ["organisation_id", "attempted_at"], unique=False
        )

    op.create_table(
        "tasks",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("organisation_id", sa.String(length=36), nullable=False),
        sa.Column("client_id", sa.String(length=36), nullable=True),
        sa.Column("case_id", sa.String(length=36), nullable=True),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("received_message_id", sa.String(length=36), nullable=True),
        sa.Column("assigned_to", sa.String(length=200), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closed_by", sa.String(length=200), nullable=True),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"], name=op.f("tasks_case_id_fkey")),
        sa.ForeignKeyConstraint(["client_id"], ["clients.id"], name=op.f("tasks_client_id_fkey")),
        sa.ForeignKeyConstraint(
            ["organisation_id"], ["organisations.id"], name=op.f("tasks_organisation_id_fkey")
        ),
        sa.ForeignKeyConstraint(
            ["received_message_id"],
            ["received_messages.id"],
            name=op.f("tasks_received_message_id_fkey"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("tasks_pkey")),
    )
    with op.batch_alter_table("tasks", schema=None) as batch_op:
        batch_op.create_index("ix_tasks_org_open", ["organisation_id", "closed_at"], unique=False)

    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("appointment_confirmed_at", sa.DateTime(timezone=True), nullable=True)
        )

    with op.batch_alter_table("received_messages", schema=None) as batch_op:
        batch_op.add_column(sa.Column("client_id", sa.String(length=36), nullable=True))
        batch_op.add_column(sa.Column("case_id", sa.String(length=36), nullable=True))
        batch_op.add_column(sa.Column("handled_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("handled_by", sa.String(length=200), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("received_messages_case_id_fkey"), "cases", ["case_id"], ["id"]
        )
        batch_op.create_foreign_key(
            batch_op.f("received_messages_client_id_fkey"), "clients", ["client_id"], ["id"]
        )


def downgrade() -> None:
    with op.batch_alter_table("organisations", schema=None) as batch_op:
        batch_op.drop_column("message_retention_days")

    with op.batch_alter_table("received_messages", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("received_messages_client_id_fkey"), type_="foreignkey")
        batch_op.drop_constraint(batch_op.f("received_messages_case_id_fkey"), type_="foreignkey")
        batch_op.drop_column("handled_by")
        batch_op.drop_column("handled_at")
        batch_op.drop_column("case_id")
        batch_op.drop_column("client_id")

    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.drop_column("appointment_confirmed_at")

    with op.batch_alter_table("tasks", schema=None) as batch_op:
        batch_op.drop_index("ix_tasks_org_open")

    op.drop_table("tasks")
    with op.batch_alter_table("contact_attempts", schema=None) as batch_op:
        batch_op.drop_index("ix_contact_attempts_org_at")
        batch_op.drop_index(batch_op.f("ix_contact_attempts_client_id"))

    op.drop_table("contact_attempts")
    with op.batch_alter_table("case_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_case_events_case_id"))

    op.drop_table("case_events")
