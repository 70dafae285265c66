"""ingest: idempotency keys unique per vehicle; a sighting's pass key names its vehicle

A `client_id` is unique within its vehicle only (frames, sightings, passes), so another vehicle sending the
same id stores its own record and never reads this one's answer. A pass given by id is keyed
`<vehicle_id>/<pass_id>` (time-bucketed passes were already `<vehicle_id>@<bucket>`), so one vehicle's
sightings and pass reports never join another's pass; the column widens to hold both ids. Every row is
kept; stored pass keys are rewritten to the new form.

On SQLite the three tables are rebuilt (SQLite cannot drop a constraint in place); `env.py` turns foreign
key enforcement off for the migration and checks every reference afterwards.

Revision ID: 0105_idempotency_per_vehicle
Revises: 0104_key_lifecycle
Create Date: 2026-12-10 10:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision: str = "0105_idempotency_per_vehicle"
down_revision: str | None = "0104_key_lifecycle"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = ("frame", "sighting", "patrol_pass")
# the name SQLite's unnamed UNIQUE(client_id) gets on reflection, so batch mode can drop it
NAMING = {"uq": "uq_%(table_name)s_%(column_0_name)s"}
# a bucket key is `<vehicle_id>@<n>`: every other stored key is a pass id given by the vehicle
GIVEN_PASS_ID = "substr(pass_key, 1, length(vehicle_id) + 1) <> vehicle_id || '@'"


def _unique_on(table: str, columns: list[str]) -> str:
    """The name of the unique constraint on exactly `columns` (PostgreSQL's own, or NAMING's on SQLite)."""
    for constraint in sa.inspect(op.get_bind()).get_unique_constraints(table):
        if constraint["column_names"] == columns:
            return constraint["name"] or NAMING["uq"] % {"table_name": table, "column_0_name": columns[0]}
    raise RuntimeError(f"{table}: no unique constraint on {columns}")


def upgrade() -> None:
    for table in TABLES:
        old = _unique_on(table, ["client_id"])
        with op.batch_alter_table(table, naming_convention=NAMING) as batch:
            batch.drop_constraint(old, type_="unique")
            batch.create_unique_constraint(f"uq_{table}_vehicle_client", ["vehicle_id", "client_id"])
            if table == "sighting":
                batch.alter_column(
                    "pass_key",
                    existing_type=sqlmodel.sql.sqltypes.AutoString(length=200),
                    type_=sqlmodel.sql.sqltypes.AutoString(length=300),
                    existing_nullable=False,
                )
    op.execute(f"UPDATE sighting SET pass_key = vehicle_id || '/' || pass_key WHERE {GIVEN_PASS_ID}")


def downgrade() -> None:
    """Fails where two vehicles used one client_id (the old schema cannot hold both)."""
    op.execute(
        "UPDATE sighting SET pass_key = substr(pass_key, length(vehicle_id) + 2) "
        "WHERE substr(pass_key, 1, length(vehicle_id) + 1) = vehicle_id || '/'"
    )
    for table in TABLES:
        with op.batch_alter_table(table, naming_convention=NAMING) as batch:
            batch.drop_constraint(f"uq_{table}_vehicle_client", type_="unique")
            batch.create_unique_constraint(f"uq_{table}_client_id", ["client_id"])
            if table == "sighting":
                batch.alter_column(
                    "pass_key",
                    existing_type=sqlmodel.sql.sqltypes.AutoString(length=300),
                    type_=sqlmodel.sql.sqltypes.AutoString(length=200),
                    existing_nullable=False,
                )
