"""api.static.mount_web without a browser: the app shell and its files, and a clear page when unbuilt."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from api.static import mount_web


def _app(dist: Path) -> TestClient:
    app = FastAPI()

    @app.get("/v1/ping")
    def ping() -> dict[str, str]:
        return {"pong": "yes"}

    mount_web(app, dist)
    return TestClient(app)


def test_serves_the_built_app_with_a_strict_policy(tmp_path: Path) -> None:
    (tmp_path / "web" / "js").mkdir(parents=True)
    (tmp_path / "index.html").write_text("<!doctype html><title>pw</title>")
    (tmp_path / "web" / "js" / "main.js").write_text("export {};")
    client = _app(tmp_path)
    index = client.get("/")
    assert index.status_code == 200 and "<title>pw</title>" in index.text
    assert "script-src 'self'" in index.headers["content-security-policy"]
    assert client.get("/web/js/main.js").headers["content-type"].startswith("text/javascript")
    assert client.get("/v1/ping").json() == {"pong": "yes"}  # the API is not shadowed
    assert client.get("/web/nope.js").status_code == 404


def test_missing_build_says_how_to_build_it(tmp_path: Path) -> None:
    answer = _app(tmp_path / "dist").get("/")
    assert answer.status_code == 503
    assert "make web" in answer.text


def test_the_real_build_links_only_local_files(project_root: Path) -> None:
    index = (project_root / "web" / "src" / "index.html").read_text()
    assert "http://" not in index and "https://" not in index.replace("https://tiles.example.org", "")
    for path in ("vendor/leaflet/leaflet.js", "vendor/markercluster/leaflet.markercluster.js", "js/main.js"):
        assert f"web/{path}" in index


def _keys(block: str) -> set[str]:
    return set(re.findall(r'^\s+"?([\w.]+)"?:\s', block, flags=re.MULTILINE))


def test_every_label_exists_in_korean_and_english(project_root: Path) -> None:
    source = (project_root / "web" / "src" / "js" / "i18n.js").read_text()
    en_block = source[source.index("  en: {"):source.index("  ko: {")]
    ko_block = source[source.index("  ko: {"):source.index("\n};")]
    en, ko = _keys(en_block) - {"en"}, _keys(ko_block) - {"ko"}
    assert len(en) > 100
    assert en == ko, f"only in English: {sorted(en - ko)}; only in Korean: {sorted(ko - en)}"
    used = set(re.findall(r'\bt\("([\w.]+)"', "".join(
        p.read_text() for p in (project_root / "web" / "src" / "js").glob("*.js"))))
    html = (project_root / "web" / "src" / "index.html").read_text()
    used |= set(re.findall(r'data-i18n(?:-aria)?="([\w.]+)"', html))
    assert used <= en, f"labels used but not defined: {sorted(used - en)}"


def test_pure_modules_under_node(project_root: Path) -> None:
    """web/test/*.test.js: the queue/pothole normalisers and the crew workflow, without a browser."""
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is absent (make web needs it too)")
    done = subprocess.run([node, "--test", "test/"], cwd=project_root / "web", capture_output=True, text=True,
                          timeout=60, check=False)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
