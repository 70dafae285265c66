"""The layers revision sits on one linear alembic chain and creates exactly the tables the code maps."""

from __future__ import annotations

from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine

from api.layers.plugin import OWN_TABLES
from api.migrate import alembic_config, upgrade_head


def test_one_head_and_no_drift_for_the_layers_tables(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'migrated.db'}"
    heads = ScriptDirectory.from_config(alembic_config(url)).get_heads()
    assert len(heads) == 1, f"alembic has several heads {heads}: rebase the newest revision on the other"
    upgrade_head(url)
    engine = create_engine(url)
    own = {table.name for table in OWN_TABLES}
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), OWN_TABLES[0].metadata)
    engine.dispose()
    ours = [d for d in diff if any(f"'{name}'" in repr(d) for name in own)]  # any op naming one of our tables
    assert ours == []
