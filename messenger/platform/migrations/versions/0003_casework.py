"""clients, consent, partners, sessions, cases and reminders

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25 01:15:33.926948
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "clients",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("organisation_id", sa.String(length=36), nullable=False),
        sa.Column("first_name", sa.String(length=100), nullable=False),
        sa.Column("last_name", sa.String(length=100), nullable=False),
        sa.Column("language", sa.String(length=5), nullable=False),
        sa.Column("phone_number", sa.String(length=20), nullable=True),
        sa.Column("email", sa.String(length=320), nullable=True),
        sa.Column("address_lines", sa.JSON(), nullable=False),
        sa.Column("no_sms", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("no_letters_at_home", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("shared_phone", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["organisation_id"], ["organisations.id"], name=op.f("clients_organisation_id_fkey")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("clients_pkey")),
    )
    with op.batch_alter_table("clients", schema=None) as batch_op:
        batch_op.create_index(
            "ix_clients_org_phone", ["organisation_id", "phone_number"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_clients_organisation_id"), ["organisation_id"], unique=False
        )

    op.create_table(
        "lac_sessions",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("organisation_id", sa.String(length=36), nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("place", sa.String(length=300), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("lac_sessions_organisation_id_fkey"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("lac_sessions_pkey")),
    )
    with op.batch_alter_table("lac_sessions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_lac_sessions_organisation_id"), ["organisation_id"], unique=False
        )

    op.create_table(
        "partners",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("organisation_id", sa.String(length=36), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("phone", sa.String(length=40), nullable=False),
        sa.Column("address", sa.String(length=300), nullable=False),
        sa.Column("opening_hours", sa.String(length=300), nullable=False),
        sa.Column("notice_email", sa.String(length=320), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["organisation_id"], ["organisations.id"], name=op.f("partners_organisation_id_fkey")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("partners_pkey")),
    )
    with op.batch_alter_table("partners", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_partners_organisation_id"), ["organisation_id"], unique=False
        )

    op.create_table(
        "reminder_plans",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("organisation_id", sa.String(length=36), nullable=False),
        sa.Column("steps", sa.JSON(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("reminder_plans_organisation_id_fkey"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("reminder_plans_pkey")),
        sa.UniqueConstraint("organisation_id", name=op.f("reminder_plans_organisation_id_key")),
    )
    op.create_table(
        "cases",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("organisation_id", sa.String(length=36), nullable=False),
        sa.Column("client_id", sa.String(length=36), nullable=False),
        sa.Column("session_id", sa.String(length=36), nullable=True),
        sa.Column("reason", sa.String(length=20), nullable=False),
        sa.Column("water_company", sa.String(length=40), nullable=False),
        sa.Column("reference", sa.String(length=100), nullable=True),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("partner_id", sa.String(length=36), nullable=True),
        sa.Column("worker_name", sa.String(length=200), nullable=True),
        sa.Column("worker_phone", sa.String(length=40), nullable=True),
        sa.Column("worker_email", sa.String(length=320), nullable=True),
        sa.Column("appointment_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["client_id"], ["clients.id"], name=op.f("cases_client_id_fkey")),
        sa.ForeignKeyConstraint(
            ["organisation_id"], ["organisations.id"], name=op.f("cases_organisation_id_fkey")
        ),
        sa.ForeignKeyConstraint(
            ["partner_id"], ["partners.id"], name=op.f("cases_partner_id_fkey")
        ),
        sa.ForeignKeyConstraint(
            ["session_id"], ["lac_sessions.id"], name=op.f("cases_session_id_fkey")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("cases_pkey")),
    )
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_cases_client_id"), ["client_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_cases_organisation_id"), ["organisation_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_cases_session_id"), ["session_id"], unique=False)

    op.create_table(
        "consent_records",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("organisation_id", sa.String(length=36), nullable=False),
        sa.Column("client_id", sa.String(length=36), nullable=False),
        sa.Column("purpose", sa.String(length=20), nullable=False),
        sa.Column("partner_id", sa.String(length=36), nullable=True),
        sa.Column("fields", sa.JSON(), nullable=False),
        sa.Column("given", sa.Boolean(), nullable=False),
        sa.Column("method", sa.String(length=20), nullable=False),
        sa.Column("recorded_by", sa.String(length=200), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["client_id"], ["clients.id"], name=op.f("consent_records_client_id_fkey")
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("consent_records_organisation_id_fkey"),
        ),
        sa.ForeignKeyConstraint(
            ["partner_id"], ["partners.id"], name=op.f("consent_records_partner_id_fkey")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("consent_records_pkey")),
    )
    with op.batch_alter_table("consent_records", schema=None) as batch_op:
        batch_op.create_index(
            "ix_consent_client_purpose", ["client_id", "purpose", "id"], unique=False
        )

    op.create_table(
        "partner_notices",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("organisation_id", sa.String(length=36), nullable=False),
        sa.Column("partner_id", sa.String(length=36), nullable=False),
        sa.Column("client_id", sa.String(length=36), nullable=False),
        sa.Column("consent_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("shared", sa.JSON(), nullable=False),
        sa.Column("message_id", sa.String(length=36), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("acknowledged_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("acknowledged_by", sa.String(length=200), nullable=True),
        sa.ForeignKeyConstraint(
            ["client_id"], ["clients.id"], name=op.f("partner_notices_client_id_fkey")
        ),
        sa.ForeignKeyConstraint(
            ["consent_id"], ["consent_records.id"], name=op.f("partner_notices_consent_id_fkey")
        ),
        sa.ForeignKeyConstraint(
            ["message_id"], ["messages.id"], name=op.f("partner_notices_message_id_fkey")
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("partner_notices_organisation_id_fkey"),
        ),
        sa.ForeignKeyConstraint(
            ["partner_id"], ["partners.id"], name=op.f("partner_notices_partner_id_fkey")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("partner_notices_pkey")),
    )
    with op.batch_alter_table("partner_notices", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_partner_notices_partner_id"), ["partner_id"], unique=False
        )

    op.create_table(
        "reminders",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("organisation_id", sa.String(length=36), nullable=False),
        sa.Column("case_id", sa.String(length=36), nullable=False),
        sa.Column("step", sa.String(length=60), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("channels", sa.JSON(), nullable=False),
        sa.Column("channel", sa.String(length=10), nullable=True),
        sa.Column("message_id", sa.String(length=36), nullable=True),
        sa.Column("fallback_of", sa.String(length=36), nullable=True),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"], name=op.f("reminders_case_id_fkey")),
        sa.ForeignKeyConstraint(
            ["fallback_of"], ["reminders.id"], name=op.f("reminders_fallback_of_fkey")
        ),
        sa.ForeignKeyConstraint(
            ["message_id"], ["messages.id"], name=op.f("reminders_message_id_fkey")
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"], ["organisations.id"], name=op.f("reminders_organisation_id_fkey")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("reminders_pkey")),
    )
    with op.batch_alter_table("reminders", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_reminders_case_id"), ["case_id"], unique=False)
        batch_op.create_index("ix_reminders_status_due", ["status", "due_at"], unique=False)

    with op.batch_alter_table("api_keys", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("role", sa.String(length=20), server_default="admin", nullable=False)
        )
        batch_op.add_column(sa.Column("partner_id", sa.String(length=36), nullable=True))
        batch_op.add_column(sa.Column("water_company", sa.String(length=40), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("api_keys_partner_id_fkey"), "partners", ["partner_id"], ["id"]
        )

    with op.batch_alter_table("messages", schema=None) as batch_op:
        batch_op.add_column(sa.Column("client_id", sa.String(length=36), nullable=True))
        batch_op.add_column(sa.Column("case_id", sa.String(length=36), nullable=True))
        batch_op.add_column(sa.Column("partner_id", sa.String(length=36), nullable=True))
        batch_op.add_column(sa.Column("body_without_partner", sa.Text(), nullable=True))
        batch_op.create_index(batch_op.f("ix_messages_case_id"), ["case_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_messages_client_id"), ["client_id"], unique=False)
        batch_op.create_foreign_key(
            batch_op.f("messages_partner_id_fkey"), "partners", ["partner_id"], ["id"]
        )
        batch_op.create_foreign_key(
            batch_op.f("messages_case_id_fkey"), "cases", ["case_id"], ["id"]
        )
        batch_op.create_foreign_key(
            batch_op.f("messages_client_id_fkey"), "clients", ["client_id"], ["id"]
        )

    with op.batch_alter_table("organisations", schema=None) as batch_op:
        batch_op.add_column(sa.Column("contact_name", sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column("contact_phone", sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column("contact_email", sa.String(length=320), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("organisations", schema=None) as batch_op:
        batch_op.drop_column("contact_email")
        batch_op.drop_column("contact_phone")
        batch_op.drop_column("contact_name")

    with op.batch_alter_table("messages", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("messages_client_id_fkey"), type_="foreignkey")
        batch_op.drop_constraint(batch_op.f("messages_case_id_fkey"), type_="foreignkey")
        batch_op.drop_constraint(batch_op.f("messages_partner_id_fkey"), type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_messages_client_id"))
        batch_op.drop_index(batch_op.f("ix_messages_case_id"))
        batch_op.drop_column("body_without_partner")
        batch_op.drop_column("partner_id")
        batch_op.drop_column("case_id")
        batch_op.drop_column("client_id")

    with op.batch_alter_table("api_keys", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("api_keys_partner_id_fkey"), type_="foreignkey")
        batch_op.drop_column("water_company")
        batch_op.drop_column("partner_id")
        batch_op.drop_column("role")

    with op.batch_alter_table("reminders", schema=None) as batch_op:
        batch_op.drop_index("ix_reminders_status_due")
        batch_op.drop_index(batch_op.f("ix_reminders_case_id"))

    op.drop_table("reminders")
    with op.batch_alter_table("partner_notices", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_partner_notices_partner_id"))

    op.drop_table("partner_notices")
    with op.batch_alter_table("consent_records", schema=None) as batch_op:
        batch_op.drop_index("ix_consent_client_purpose")

    op.drop_table("consent_records")
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_cases_session_id"))
        batch_op.drop_index(batch_op.f("ix_cases_organisation_id"))
        batch_op.drop_index(batch_op.f("ix_cases_client_id"))

    op.drop_table("cases")
    op.drop_table("reminder_plans")
    with op.batch_alter_table("partners", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_partners_organisation_id"))

    op.drop_table("partners")
    with op.batch_alter_table("lac_sessions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_lac_sessions_organisation_id"))

    op.drop_table("lac_sessions")
    with op.batch_alter_table("clients", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_clients_organisation_id"))
        batch_op.drop_index("ix_clients_org_phone")

    op.drop_table("clients")
