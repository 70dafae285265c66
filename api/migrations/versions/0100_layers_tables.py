"""layers part: city_layer, priority_policy, service_request (owned by the layers engineer)

Revision ID: 0100_layers
Revises: 0001
Create Date: 2026-11-25 13:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

import api.types

revision: str = "0100_layers"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "city_layer",
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
        sa.Column("origin", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("sha256", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("feature_count", sa.Integer(), nullable=False),
        sa.Column("title", sqlmodel.sql.sqltypes.AutoString(length=300), nullable=True),
        sa.Column("repairs", api.types.JsonType, nullable=False),
        sa.Column("geojson", sa.Text(), nullable=False),
        sa.Column("updated_at", api.types.UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("name"),
    )
    with op.batch_alter_table("city_layer", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_city_layer_revision"), ["revision"], unique=False)

    op.create_table(
        "priority_policy",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("origin", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("sha256", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("document", sa.Text(), nullable=False),
        sa.Column("created_at", api.types.UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )

    op.create_table(
        "service_request",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("pothole_id", sa.Integer(), nullable=False),
        sa.Column("joined_existing", sa.Boolean(), nullable=False),
        sa.Column("service_code", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("description", sqlmodel.sql.sqltypes.AutoString(length=4000), nullable=True),
        sa.Column("lat", sa.Float(), nullable=False),
        sa.Column("lon", sa.Float(), nullable=False),
        sa.Column("address_string", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True),
        sa.Column("media_url", sqlmodel.sql.sqltypes.AutoString(length=1000), nullable=True),
        sa.Column("email", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
        sa.Column("device_id", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
        sa.Column("account_id", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
        sa.Column("submitted_by", sqlmodel.sql.sqltypes.AutoString(length=160), nullable=False),
        sa.Column("requested_at", api.types.UtcDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["pothole_id"], ["pothole.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("service_request", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_service_request_pothole_id"), ["pothole_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_service_request_requested_at"), ["requested_at"], unique=False)


def downgrade() -> None:
    op.drop_table("service_request")
    op.drop_table("priority_policy")
    op.drop_table("city_layer")
