"""potholes: a citizen_report_count column (from the layers' context JSON); work orders: a `merged` status

The count of Open311 reports becomes a column the potholes repository writes, so the layers' `context`
holds only what the layers computed. A folded duplicate's work order is closed as `merged` instead of being
deleted, so the one-active-order index leaves `merged` out as it does the other closed statuses.

Revision ID: 0103_citizen_merged
Revises: 0102_event_photo
Create Date: 2026-12-02 10:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0103_citizen_merged"
down_revision: str | None = "0102_event_photo"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OLD_ACTIVE = "status NOT IN ('verified', 'rejected')"
NEW_ACTIVE = "status NOT IN ('verified', 'rejected', 'merged')"


def _replace_active_index(where: str) -> None:
    with op.batch_alter_table("work_order") as batch:
        batch.drop_index("uq_work_order_open_pothole")
        batch.create_index(
            "uq_work_order_open_pothole",
            ["pothole_id"],
            unique=True,
            sqlite_where=sa.text(where),
            postgresql_where=sa.text(where),
        )


def upgrade() -> None:
    # a plain ADD COLUMN (no batch copy of the table: on SQLite that would drop a table others refer to)
    op.add_column(
        "pothole", sa.Column("citizen_report_count", sa.Integer(), nullable=False, server_default="0")
    )
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "UPDATE pothole SET citizen_report_count = (context->>'citizen_reports')::integer, "
            "context = context - 'citizen_reports' WHERE context ? 'citizen_reports'"
        )
    else:
        op.execute(
            "UPDATE pothole SET citizen_report_count = CAST(json_extract(context, '$.citizen_reports') AS "
            "INTEGER), context = json_remove(context, '$.citizen_reports') "
            "WHERE json_type(context, '$.citizen_reports') IS NOT NULL"
        )
    _replace_active_index(NEW_ACTIVE)


def downgrade() -> None:
    op.execute("UPDATE work_order SET status = 'rejected' WHERE status = 'merged'")
    _replace_active_index(OLD_ACTIVE)
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "UPDATE pothole SET context = context || jsonb_build_object('citizen_reports', "
            "citizen_report_count) WHERE citizen_report_count > 0"
        )
    else:
        op.execute(
            "UPDATE pothole SET context = json_set(context, '$.citizen_reports', citizen_report_count) "
            "WHERE citizen_report_count > 0"
        )
    op.drop_column("pothole", "citizen_report_count")  # SQLite >= 3.35 drops a column in place
