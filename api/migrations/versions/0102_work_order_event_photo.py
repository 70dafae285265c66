"""backend: a repair photo on a work order event (PATCH /v1/work-orders/{id} `photo_jpeg_b64`)

Revision ID: 0102_event_photo
Revises: 0101_sighting_pass_time
Create Date: 2026-11-25 15:05:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0102_event_photo"
down_revision: str | None = "0101_sighting_pass_time"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("work_order_event") as batch:
        batch.add_column(sa.Column("photo_type", sa.String(length=16), nullable=True))
        batch.add_column(sa.Column("photo", sa.LargeBinary(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("work_order_event") as batch:
        batch.drop_column("photo")
        batch.drop_column("photo_type")
