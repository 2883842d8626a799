"""senders: SMS senders and email reply-to addresses per organisation; a message keeps the
sender it was given, and an email its unsubscribe address; letters made elsewhere (PDF)

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02 16:00:00
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    senders = op.create_table(
        "senders",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column(
            "organisation_id", sa.String(36), sa.ForeignKey("organisations.id"), nullable=False
        ),
        sa.Column("kind", sa.String(10), nullable=False),
        sa.Column("value", sa.String(320), nullable=False),
        sa.Column("is_default", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("kind", "value", name="uq_senders_kind_value"),
    )
    op.create_index("ix_senders_organisation_id", "senders", ["organisation_id"])
    # An organisation's one SMS number becomes its default SMS sender.
    rows = op.get_bind().execute(
        sa.text("SELECT id, sms_sender FROM organisations WHERE sms_sender IS NOT NULL")
    )
    now = datetime.now(UTC)
    op.bulk_insert(
        senders,
        [
            {"id": str(uuid.uuid4()), "organisation_id": organisation_id, "kind": "sms",
             "value": number, "is_default": True, "created_at": now}
            for organisation_id, number in rows
        ],
    )  # fmt: skip
    with op.batch_alter_table("organisations", schema=None) as batch_op:
        batch_op.drop_constraint("organisations_sms_sender_key", type_="unique")
        batch_op.drop_column("sms_sender")
    with op.batch_alter_table("messages", schema=None) as batch_op:
        batch_op.add_column(sa.Column("from_number", sa.String(20), nullable=True))
        batch_op.add_column(sa.Column("reply_to", sa.String(320), nullable=True))
        batch_op.add_column(sa.Column("unsubscribe_url", sa.String(2000), nullable=True))

    op.create_table(
        "letter_files",
        sa.Column("message_id", sa.String(36), sa.ForeignKey("messages.id"), primary_key=True),
        sa.Column("pdf", sa.LargeBinary(), nullable=False),
        sa.Column("pages", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("letter_files")
    with op.batch_alter_table("messages", schema=None) as batch_op:
        batch_op.drop_column("unsubscribe_url")
        batch_op.drop_column("reply_to")
        batch_op.drop_column("from_number")
    with op.batch_alter_table("organisations", schema=None) as batch_op:
        batch_op.add_column(sa.Column("sms_sender", sa.String(20), nullable=True))
        batch_op.create_unique_constraint("organisations_sms_sender_key", ["sms_sender"])
    op.execute(
        "UPDATE organisations SET sms_sender = (SELECT value FROM senders WHERE "
        "senders.organisation_id = organisations.id AND kind = 'sms' AND is_default)"
    )
    op.drop_index("ix_senders_organisation_id", table_name="senders")
    op.drop_table("senders")
