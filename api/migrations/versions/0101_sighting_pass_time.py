"""backend: index sightings by (pass_key, captured_at), to estimate a pass's GPS bias from its neighbours

Revision ID: 0101_sighting_pass_time
Revises: 0100_layers
Create Date: 2026-11-25 15:00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0101_sighting_pass_time"
down_revision: str | None = "0100_layers"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_sighting_pass_time", "sighting", ["pass_key", "captured_at"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_sighting_pass_time", table_name="sighting")
