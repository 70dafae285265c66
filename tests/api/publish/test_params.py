"""Query parameters: any text is a value or a ValueError naming the parameter (a 400, never a 500)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from api.publish.params import parse_bbox, parse_interval

TEXT = st.text(alphabet="0123456789.,-/:TZ+ e", max_size=40)


@settings(max_examples=300, deadline=None)
@given(text=TEXT)
def test_bbox_and_datetime_never_crash(text: str) -> None:
    for parse, name in ((parse_bbox, "bbox"), (parse_interval, "datetime")):
        try:
            parse(text)
        except ValueError as exc:
            assert str(exc).startswith(f"{name}:")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-11-25T10:00:00Z", (datetime(2026, 11, 25, 10, tzinfo=UTC),) * 2),
        ("../2026-11-25T10:00:00Z", (None, datetime(2026, 11, 25, 10, tzinfo=UTC))),
        ("2026-11-01T00:00:00Z/..", (datetime(2026, 11, 1, tzinfo=UTC), None)),
        ("2026-11-01/2026-11-02", (datetime(2026, 11, 1, tzinfo=UTC), datetime(2026, 11, 2, tzinfo=UTC))),
    ],
    ids=["instant", "open-start", "open-end", "dates"],
)
def test_ogc_datetime_forms(text: str, expected: tuple[datetime | None, datetime | None]) -> None:
    assert parse_interval(text) == expected


def test_bbox_six_numbers_drop_heights() -> None:
    assert parse_bbox("126.9,37.1,0,127.1,37.3,100") == (126.9, 37.1, 127.1, 37.3)
