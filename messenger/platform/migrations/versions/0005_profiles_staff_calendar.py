"""organisation profile and calendar, staff members, case worker, client INSZ hash, expected skips

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02 09:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

_PROFILE = ("walk_in_address", "opening_hours", "website", "signature")
# JSON columns have no server default (not every database allows one): fill existing rows,
# then make them NOT NULL.
_JSON_DEFAULTS = {
    "open_weekdays": [0, 1, 2, 3, 4, 5],
    "working_weekdays": [0, 1, 2, 3, 4],
    "closed_days": [],
}


def upgrade() -> None:
    op.create_table(
        "staff_members",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("organisation_id", sa.String(length=36), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("phone", sa.String(length=40), nullable=True),
        sa.Column("email", sa.String(length=320), nullable=True),
        sa.Column("team", sa.String(length=200), nullable=True),
        sa.Column("active", sa.Boolean(), server_default=sa.true(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("staff_members_organisation_id_fkey"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("staff_members_pkey")),
    )
    with op.batch_alter_table("staff_members", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_staff_members_organisation_id"), ["organisation_id"], unique=False
        )
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.add_column(sa.Column("worker_id", sa.String(length=36), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("cases_worker_id_fkey"), "staff_members", ["worker_id"], ["id"]
        )
    with op.batch_alter_table("reminders", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("expected_skip", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
    with op.batch_alter_table("clients", schema=None) as batch_op:
        batch_op.add_column(sa.Column("national_number_hash", sa.String(length=64), nullable=True))
        batch_op.create_index(
            batch_op.f("ix_clients_national_number_hash"), ["national_number_hash"], unique=False
        )
    with op.batch_alter_table("organisations", schema=None) as batch_op:
        for name in _PROFILE:
            batch_op.add_column(sa.Column(name, sa.String(length=300), nullable=True))
        batch_op.add_column(
            sa.Column("quiet_start", sa.String(length=5), server_default="09:00", nullable=False)
        )
        batch_op.add_column(
            sa.Column("quiet_end", sa.String(length=5), server_default="20:00", nullable=False)
        )
        batch_op.add_column(
            sa.Column("flemish_holiday", sa.Boolean(), server_default=sa.true(), nullable=False)
        )
        for name in _JSON_DEFAULTS:
            batch_op.add_column(sa.Column(name, sa.JSON(), nullable=True))
    organisations = sa.table("organisations", *(sa.column(n, sa.JSON()) for n in _JSON_DEFAULTS))
    op.execute(organisations.update().values(**_JSON_DEFAULTS))
    with op.batch_alter_table("organisations", schema=None) as batch_op:
        for name in _JSON_DEFAULTS:
            batch_op.alter_column(name, existing_type=sa.JSON(), nullable=False)


def downgrade() -> None:
    with op.batch_alter_table("organisations", schema=None) as batch_op:
        for name in (*_JSON_DEFAULTS, "flemish_holiday", "quiet_end", "quiet_start", *_PROFILE):
            batch_op.drop_column(name)
    with op.batch_alter_table("reminders", schema=None) as batch_op:
        batch_op.drop_column("expected_skip")
    with op.batch_alter_table("clients", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_clients_national_number_hash"))
        batch_op.drop_column("national_number_hash")
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("cases_worker_id_fkey"), type_="foreignkey")
        batch_op.drop_column("worker_id")
    with op.batch_alter_table("staff_members", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_staff_members_organisation_id"))
    op.drop_table("staff_members")
