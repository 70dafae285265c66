"""Real Hwaseong layers, parsed once per session (they are read from ../shared, never copied)."""

from __future__ import annotations

from pathlib import Path

import pytest

from api.layers.registry import LayerSet, build_layer, load_layer_dir
from api.layers.synthetic import synthetic_grid

DISTRICTS = "hwaseong_emd_sgis2025q2"


@pytest.fixture(scope="session")
def hwaseong_dir(shared_dir: Path) -> Path:
    path = shared_dir / "layers" / "hwaseong"
    if not path.is_dir():
        pytest.skip(f"{path} is absent")
    return path


@pytest.fixture(scope="session")
def hwaseong_layers(hwaseong_dir: Path) -> LayerSet:
    loaded = load_layer_dir(hwaseong_dir)
    return LayerSet().with_layers(
        [build_layer(name, parsed, version=1) for name, _, parsed in loaded], revision=1
    )


@pytest.fixture(scope="session")
def dongtan1_grid(hwaseong_layers: LayerSet) -> dict:
    districts = hwaseong_layers.get(DISTRICTS)
    assert districts is not None
    dong = next(f for f in districts.features if f.properties["name"] == "동탄1동")
    return synthetic_grid(dong.geometry_lonlat, district_name="동탄1동")
