"""initial schema

Revision ID: 0001
Revises: (none)
Create Date: 2026-11-25 13:18:46.519875
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op
from sqlalchemy.dialects import postgresql

import api.types

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:

    op.create_table(
        "api_key",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=128), nullable=False),
        sa.Column("role", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("key_hash", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("created_at", api.types.UtcDateTime(), nullable=False),
        sa.Column("revoked", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("key_hash"),
    )
    with op.batch_alter_table("api_key", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_api_key_name"), ["name"], unique=False)

    op.create_table(
        "frame",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("client_id", sqlmodel.sql.sqltypes.AutoString(length=128), nullable=False),
        sa.Column("vehicle_id", sqlmodel.sql.sqltypes.AutoString(length=128), nullable=False),
        sa.Column("captured_at", api.types.UtcDateTime(), nullable=False),
        sa.Column("frame_w", sa.Integer(), nullable=False),
        sa.Column("frame_h", sa.Integer(), nullable=False),
        sa.Column("model_id", sqlmodel.sql.sqltypes.AutoString(length=128), nullable=True),
        sa.Column(
            "detections",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("created_at", api.types.UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("client_id"),
    )
    with op.batch_alter_table("frame", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_frame_vehicle_id"), ["vehicle_id"], unique=False)

    op.create_table(
        "patrol_pass",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("client_id", sqlmodel.sql.sqltypes.AutoString(length=128), nullable=False),
        sa.Column("vehicle_id", sqlmodel.sql.sqltypes.AutoString(length=128), nullable=False),
        sa.Column("started_at", api.types.UtcDateTime(), nullable=False),
        sa.Column("ended_at", api.types.UtcDateTime(), nullable=False),
        sa.Column(
            "track",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column(
            "verified_orders",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("created_at", api.types.UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("client_id"),
    )
    with op.batch_alter_table("patrol_pass", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_patrol_pass_vehicle_id"), ["vehicle_id"], unique=False)

    op.create_table(
        "pothole",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("lat", sa.Float(), nullable=False),
        sa.Column("lon", sa.Float(), nullable=False),
        sa.Column("cell_y", sa.Integer(), nullable=False),
        sa.Column("cell_x", sa.Integer(), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("uncertainty_m", sa.Float(), nullable=False),
        sa.Column("min_uncertainty_m", sa.Float(), nullable=False),
        sa.Column("weight_sum", sa.Float(), nullable=False),
        sa.Column("width_m", sa.Float(), nullable=False),
        sa.Column("length_m", sa.Float(), nullable=False),
        sa.Column("sighting_count", sa.Integer(), nullable=False),
        sa.Column("pass_count", sa.Integer(), nullable=False),
        sa.Column("first_seen", api.types.UtcDateTime(), nullable=False),
        sa.Column("last_seen", api.types.UtcDateTime(), nullable=False),
        sa.Column("max_confidence", sa.Float(), nullable=False),
        sa.Column(
            "context",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("verified_at", api.types.UtcDateTime(), nullable=True),
        sa.Column("created_at", api.types.UtcDateTime(), nullable=False),
        sa.Column("updated_at", api.types.UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("pothole", schema=None) as batch_op:
        batch_op.create_index("ix_pothole_cell", ["cell_y", "cell_x"], unique=False)
        batch_op.create_index(batch_op.f("ix_pothole_last_seen"), ["last_seen"], unique=False)
        batch_op.create_index("ix_pothole_lat_lon", ["lat", "lon"], unique=False)
        batch_op.create_index(batch_op.f("ix_pothole_status"), ["status"], unique=False)

    op.create_table(
        "vehicle_camera",
        sa.Column("vehicle_id", sqlmodel.sql.sqltypes.AutoString(length=128), nullable=False),
        sa.Column("height_m", sa.Float(), nullable=False),
        sa.Column("pitch_down_deg", sa.Float(), nullable=False),
        sa.Column("hfov_deg", sa.Float(), nullable=False),
        sa.Column("image_w", sa.Integer(), nullable=False),
        sa.Column("image_h", sa.Integer(), nullable=False),
        sa.Column(
            "dist_coeffs",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=True,
        ),
        sa.Column("updated_at", api.types.UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("vehicle_id"),
    )
    op.create_table(
        "vehicle_fix",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("vehicle_id", sqlmodel.sql.sqltypes.AutoString(length=128), nullable=False),
        sa.Column("t", api.types.UtcDateTime(), nullable=False),
        sa.Column("lat", sa.Float(), nullable=False),
        sa.Column("lon", sa.Float(), nullable=False),
        sa.Column("accuracy_m", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("vehicle_fix", schema=None) as batch_op:
        batch_op.create_index("ix_vehicle_fix_vehicle_t", ["vehicle_id", "t"], unique=False)

    op.create_table(
        "sighting",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("client_id", sqlmodel.sql.sqltypes.AutoString(length=160), nullable=False),
        sa.Column("vehicle_id", sqlmodel.sql.sqltypes.AutoString(length=128), nullable=False),
        sa.Column("pothole_id", sa.Integer(), nullable=True),
        sa.Column("frame_id", sa.Integer(), nullable=True),
        sa.Column("captured_at", api.types.UtcDateTime(), nullable=False),
        sa.Column("gps_lat", sa.Float(), nullable=False),
        sa.Column("gps_lon", sa.Float(), nullable=False),
        sa.Column("gps_accuracy_m", sa.Float(), nullable=False),
        sa.Column("gps_heading_deg", sa.Float(), nullable=True),
        sa.Column("heading_used_deg", sa.Float(), nullable=False),
        sa.Column("speed_mps", sa.Float(), nullable=True),
        sa.Column("frame_w", sa.Integer(), nullable=False),
        sa.Column("frame_h", sa.Integer(), nullable=False),
        sa.Column(
            "box_xyxy_px",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("confidence", sa.Float(), nullable=False),
        sa.Column("model_id", sqlmodel.sql.sqltypes.AutoString(length=128), nullable=True),
        sa.Column("pass_key", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("track_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column("lat", sa.Float(), nullable=False),
        sa.Column("lon", sa.Float(), nullable=False),
        sa.Column("uncertainty_m", sa.Float(), nullable=False),
        sa.Column("width_m", sa.Float(), nullable=False),
        sa.Column("length_m", sa.Float(), nullable=False),
        sa.Column("crop_jpeg", sa.LargeBinary(), nullable=True),
        sa.Column("negative", sa.Boolean(), nullable=False),
        sa.Column("created_at", api.types.UtcDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["frame_id"],
            ["frame.id"],
        ),
        sa.ForeignKeyConstraint(
            ["pothole_id"],
            ["pothole.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("client_id"),
    )
    with op.batch_alter_table("sighting", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_sighting_frame_id"), ["frame_id"], unique=False)
        batch_op.create_index("ix_sighting_pothole_pass", ["pothole_id", "pass_key"], unique=False)
        batch_op.create_index(batch_op.f("ix_sighting_vehicle_id"), ["vehicle_id"], unique=False)

    op.create_table(
        "work_order",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("pothole_id", sa.Integer(), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("in_queue", sa.Boolean(), nullable=False),
        sa.Column("priority", sa.Integer(), nullable=False),
        sa.Column("category", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("due_at", api.types.UtcDateTime(), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column(
            "score_terms",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("assignee", sqlmodel.sql.sqltypes.AutoString(length=128), nullable=True),
        sa.Column("repaired_at", api.types.UtcDateTime(), nullable=True),
        sa.Column("created_at", api.types.UtcDateTime(), nullable=False),
        sa.Column("updated_at", api.types.UtcDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["pothole_id"],
            ["pothole.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("work_order", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_work_order_assignee"), ["assignee"], unique=False)
        batch_op.create_index(batch_op.f("ix_work_order_pothole_id"), ["pothole_id"], unique=False)
        batch_op.create_index("ix_work_order_queue", ["in_queue", "priority", "due_at"], unique=False)
        batch_op.create_index(
            "uq_work_order_open_pothole",
            ["pothole_id"],
            unique=True,
            sqlite_where=sa.text("status NOT IN ('verified', 'rejected')"),
            postgresql_where=sa.text("status NOT IN ('verified', 'rejected')"),
        )

    op.create_table(
        "work_order_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("work_order_id", sa.Integer(), nullable=False),
        sa.Column("at", api.types.UtcDateTime(), nullable=False),
        sa.Column("actor", sqlmodel.sql.sqltypes.AutoString(length=160), nullable=False),
        sa.Column("from_status", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=True),
        sa.Column("to_status", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("note", sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=True),
        sa.ForeignKeyConstraint(
            ["work_order_id"],
            ["work_order.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("work_order_event", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_work_order_event_work_order_id"), ["work_order_id"], unique=False
        )


def downgrade() -> None:

    with op.batch_alter_table("work_order_event", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_work_order_event_work_order_id"))

    op.drop_table("work_order_event")
    with op.batch_alter_table("work_order", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_work_order_open_pothole",
            sqlite_where=sa.text("status NOT IN ('verified', 'rejected')"),
            postgresql_where=sa.text("status NOT IN ('verified', 'rejected')"),
        )
        batch_op.drop_index("ix_work_order_queue")
        batch_op.drop_index(batch_op.f("ix_work_order_pothole_id"))
        batch_op.drop_index(batch_op.f("ix_work_order_assignee"))

    op.drop_table("work_order")
    with op.batch_alter_table("sighting", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sighting_vehicle_id"))
        batch_op.drop_index("ix_sighting_pothole_pass")
        batch_op.drop_index(batch_op.f("ix_sighting_frame_id"))

    op.drop_table("sighting")
    with op.batch_alter_table("vehicle_fix", schema=None) as batch_op:
        batch_op.drop_index("ix_vehicle_fix_vehicle_t")

    op.drop_table("vehicle_fix")
    op.drop_table("vehicle_camera")
    with op.batch_alter_table("pothole", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_pothole_status"))
        batch_op.drop_index("ix_pothole_lat_lon")
        batch_op.drop_index(batch_op.f("ix_pothole_last_seen"))
        batch_op.drop_index("ix_pothole_cell")

    op.drop_table("pothole")
    with op.batch_alter_table("patrol_pass", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_patrol_pass_vehicle_id"))

    op.drop_table("patrol_pass")
    with op.batch_alter_table("frame", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_frame_vehicle_id"))

    op.drop_table("frame")
    with op.batch_alter_table("api_key", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_api_key_name"))

    op.drop_table("api_key")
