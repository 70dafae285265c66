"""Progress for long CLI work, on stderr so that stdout stays clean for --json."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import TypeVar

T = TypeVar("T")


def progress_bar(items: Iterable[T], desc: str = "") -> Iterator[T]:
    """Yield `items` while a rich progress bar (removed when done) counts them on stderr."""
    from rich.console import Console
    from rich.progress import track

    yield from track(items, description=desc, console=Console(stderr=True), transient=True)
