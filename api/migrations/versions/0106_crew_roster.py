"""auth: the crew roster (`crew`), seeded with every crew that exists today

Work orders are assigned only to an active crew of the roster, and a crew key belongs to one. So that
every key and assignment keeps working, the roster starts with the names of today's crew keys and of every
assignee of a work order (a manager deactivates the ones that were typos).

Revision ID: 0106_crew_roster
Revises: 0105_idempotency_per_vehicle
Create Date: 2026-12-10 11:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

import api.types

revision: str = "0106_crew_roster"
down_revision: str | None = "0105_idempotency_per_vehicle"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "crew",
        sa.Column("crew_id", sqlmodel.sql.sqltypes.AutoString(length=128), nullable=False),
        sa.Column("display_name", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("sees_all_orders", sa.Boolean(), nullable=False),
        sa.Column("created_at", api.types.UtcDateTime(), nullable=False),
        sa.Column("updated_at", api.types.UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("crew_id"),
    )
    postgres = op.get_bind().dialect.name == "postgresql"
    now = "CURRENT_TIMESTAMP AT TIME ZONE 'UTC'" if postgres else "CURRENT_TIMESTAMP"  # naive UTC, as stored
    op.execute(
        "INSERT INTO crew (crew_id, active, sees_all_orders, created_at, updated_at) "
        f"SELECT name, TRUE, FALSE, {now}, {now} FROM ("
        "SELECT name FROM api_key WHERE role = 'crew' "
        "UNION SELECT assignee FROM work_order WHERE assignee IS NOT NULL"
        ") AS known"
    )


def downgrade() -> None:
    op.drop_table("crew")
