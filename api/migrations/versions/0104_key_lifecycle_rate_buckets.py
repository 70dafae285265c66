"""api keys: revocation time, expiry and last use; a rate_bucket table (token buckets shared by workers)

Existing keys keep working: they have no expiry and were never used as far as the new column knows.

Revision ID: 0104_key_lifecycle
Revises: 0103_citizen_merged
Create Date: 2026-12-09 10:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

import api.types

revision: str = "0104_key_lifecycle"
down_revision: str | None = "0103_citizen_merged"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # plain ADD COLUMNs (no batch copy of the table: on SQLite that would drop a table others refer to)
    op.add_column("api_key", sa.Column("revoked_at", api.types.UtcDateTime(), nullable=True))
    op.add_column("api_key", sa.Column("expires_at", api.types.UtcDateTime(), nullable=True))
    op.add_column("api_key", sa.Column("last_used_at", api.types.UtcDateTime(), nullable=True))
    op.create_table(
        "rate_bucket",
        sa.Column("key_id", sa.Integer(), nullable=False),
        sa.Column("bucket", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("tokens", sa.Float(), nullable=False),
        sa.Column("updated_s", sa.Float(), nullable=False),
        sa.Column("granted", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(["key_id"], ["api_key.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("key_id", "bucket"),
    )


def downgrade() -> None:
    op.drop_table("rate_bucket")
    op.drop_column("api_key", "last_used_at")  # SQLite >= 3.35 drops a column in place
    op.drop_column("api_key", "expires_at")
    op.drop_column("api_key", "revoked_at")
