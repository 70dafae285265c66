"""The documentation stays true to the repository: the picture is what its source draws, the README stays
short, and every link between the documents points at a file that exists."""

from __future__ import annotations

import re
import runpy
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
README_MAX_LINES = 250
# Markdown links and images, `[text](target)`; the target up to a closing parenthesis or a space (title)
LINK = re.compile(r"!?\[[^\]]*\]\(([^)\s]+)[^)]*\)")
# documents that another branch adds; a link to one is checked as soon as the file exists
PENDING = {"docs/training.md"}


def markdown_files() -> list[Path]:
    return [ROOT / "README.md", *sorted(DOCS.glob("*.md"))]


def slug(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation dropped (letters of any script, digits, `_`
    and `-` stay), spaces to hyphens."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


def anchors(path: Path) -> set[str]:
    text = re.sub(r"```.*?```", "", path.read_text(encoding="utf-8"), flags=re.S)
    return {slug(m.group(1)) for m in re.finditer(r"^#{1,6} +(.+)$", text, flags=re.M)}


def local_targets(path: Path) -> list[str]:
    """Link targets inside the repository: no scheme (http:, mailto:), a path and/or a #fragment."""
    targets = [m.group(1) for m in LINK.finditer(path.read_text(encoding="utf-8"))]
    return [t for t in targets if not re.match(r"^[a-z][a-z0-9+.-]*:", t)]


def broken_links(root: Path, files: list[Path], pending: set[str]) -> dict[str, list[str]]:
    """{file: its links whose file is missing, or whose #fragment names no heading of a Markdown file}."""
    found: dict[str, list[str]] = {}
    for path in files:
        bad = []
        for target in local_targets(path):
            file_part, _, fragment = target.partition("#")
            resolved = (path.parent / file_part).resolve() if file_part else path
            rel = resolved.relative_to(root).as_posix() if resolved.is_relative_to(root) else target
            if not resolved.exists():
                if rel not in pending:
                    bad.append(target)
            elif fragment and resolved.suffix == ".md" and fragment not in anchors(resolved):
                bad.append(target)
        if bad:
            found[path.relative_to(root).as_posix()] = bad
    return found


def test_architecture_svg_is_what_its_source_draws() -> None:
    script = runpy.run_path(str(DOCS / "architecture.py"))
    committed = (DOCS / "architecture.svg").read_text(encoding="utf-8")
    assert script["render"]() == committed, "run `python docs/architecture.py` and commit the SVG"


def test_readme_is_short() -> None:
    lines = (ROOT / "README.md").read_text(encoding="utf-8").splitlines()
    assert len(lines) <= README_MAX_LINES


def test_every_local_link_resolves() -> None:
    assert broken_links(ROOT, markdown_files(), PENDING) == {}


# a file of the repository named in code spans of the prose: `api/workorders/service.py`
CODE_PATH = re.compile(r"`([a-z_]+(?:/[\w.-]+)+\.(?:py|md|yaml|yml|json|svg|png|toml))`")


def missing_paths(root: Path, files: list[Path]) -> dict[str, list[str]]:
    """{document: repository files it names in backticks that do not exist}; a path outside the repository
    (`../shared/...`) or under a folder the repository does not have is not the repository's to check."""
    tops = {p.name for p in root.iterdir() if p.is_dir()}
    found: dict[str, list[str]] = {}
    for path in files:
        names = CODE_PATH.findall(path.read_text(encoding="utf-8"))
        bad = sorted({n for n in names if n.split("/")[0] in tops and not (root / n).exists()})
        if bad:
            found[path.relative_to(root).as_posix()] = bad
    return found


def test_every_file_the_docs_name_exists() -> None:
    assert missing_paths(ROOT, markdown_files()) == {}


def test_path_check_sees_a_renamed_test(tmp_path: Path) -> None:
    (tmp_path / "tests" / "api").mkdir(parents=True)
    (tmp_path / "tests" / "api" / "test_backend_concurrency.py").write_text("")
    page = tmp_path / "README.md"
    page.write_text(
        "`tests/api/test_concurrency.py` races; `tests/api/test_backend_concurrency.py` too; "
        "`../shared/layers/x.geojson` and `elsewhere/file.py` are not ours"
    )
    assert missing_paths(tmp_path, [page]) == {"README.md": ["tests/api/test_concurrency.py"]}


# a path to a document, written in code, config or prose (a docstring's "see docs/api.md")
DOC_MENTION = re.compile(r"\bdocs/[\w./-]+\.(?:md|svg|py|png)\b")
MENTION_SUFFIXES = {".py", ".md", ".yaml", ".yml", ".toml", ".js", ".html"}


def mentioned_docs(root: Path) -> dict[str, set[str]]:
    """{file: docs/... paths it names} over the project's own sources (no build output, no vendored code)."""
    skip = {".git", ".venv", "node_modules", "dist", "runs", "artifacts", ".demo"}
    found: dict[str, set[str]] = {}
    for path in root.rglob("*"):
        rel = path.relative_to(root)
        if skip & set(rel.parts) or not path.is_file():
            continue
        if path.suffix in MENTION_SUFFIXES or path.name in {"Makefile", "Dockerfile"}:
            names = set(DOC_MENTION.findall(path.read_text(encoding="utf-8", errors="replace")))
            if names:
                found[rel.as_posix()] = names
    return found


def test_every_mentioned_document_exists() -> None:
    missing = {
        path: sorted(n for n in names if not (ROOT / n).exists() and n not in PENDING)
        for path, names in mentioned_docs(ROOT).items()
        if ROOT / path != Path(__file__).resolve()  # this file plants missing names on purpose
    }
    assert {path: names for path, names in missing.items() if names} == {}


def test_mention_check_sees_a_removed_document(tmp_path: Path) -> None:
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "api.md").write_text("")
    (tmp_path / "api").mkdir()
    (tmp_path / "api" / "enrich.py").write_text('"""See docs/CONTRACT.md and docs/api.md."""\n')
    assert mentioned_docs(tmp_path) == {"api/enrich.py": {"docs/CONTRACT.md", "docs/api.md"}}


@pytest.mark.parametrize(
    ("text", "broken"),
    [
        ("see [api](api.md) and ![shot](screenshots/missing.png)", ["screenshots/missing.png"]),
        (
            "[gone](CONTRACT.md#ingest) [web](https://example.org/x.md) [here](#nowhere)",
            ["CONTRACT.md#ingest", "#nowhere"],
        ),
        ("[moved](api.md#old-heading) [ok](api.md#paging--페이지)", ["api.md#old-heading"]),
        ('[ok](api.md "the API") [up](../README.md) [self](#the-page)', []),
    ],
)
def test_link_check_sees_a_planted_broken_link(tmp_path: Path, text: str, broken: list[str]) -> None:
    (tmp_path / "README.md").write_text("")
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "api.md").write_text("# API\n## Paging · 페이지\n```\n# not a heading\n```\n")
    page = tmp_path / "docs" / "page.md"
    page.write_text(f"# The page\n{text}\n")
    expected = {"docs/page.md": broken} if broken else {}
    assert broken_links(tmp_path, [page], set()) == expected


def test_a_pending_document_is_checked_once_it_exists(tmp_path: Path) -> None:
    (tmp_path / "docs").mkdir()
    page = tmp_path / "docs" / "page.md"
    page.write_text("[train](training.md)")
    assert broken_links(tmp_path, [page], {"docs/training.md"}) == {}
    assert broken_links(tmp_path, [page], set()) == {"docs/page.md": ["training.md"]}
