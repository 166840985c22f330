"""The sample date printed on a report: collection first, unambiguous forms only."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from aegle.labs.dates import report_date


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("采样时间: 2024-03-05 08:12  报告时间 2024-03-06", date(2024, 3, 5)),
        ("报告日期 2024.1.9   采集时间 2024.1.8 7:30", date(2024, 1, 8)),  # collection wins
        ("检验日期：2023年11月2日", date(2023, 11, 2)),
        ("送检时间 2024/02/01 报告时间 2024/02/02", date(2024, 2, 1)),
        ("Collected: 5 Mar 2024 07:40  Reported: 6 Mar 2024", date(2024, 3, 5)),
        ("Collection Date: March 5, 2024", date(2024, 3, 5)),
        ("Report date 2024-02-28", date(2024, 2, 28)),
        ("Date: 05/03/2024", None),  # day-month order differs by country: not guessed
        ("Report date 2024/02/30", None),  # no such day
        ("出生日期 1980-01-01  Date of birth 1980-01-01", None),
        ("采样时间: 2031-01-01", None),  # after today: a misreading
        ("血红蛋白 135 g/L 130-175", None),
    ],
)
def test_report_date(text: str, expected: date | None) -> None:
    assert report_date(text, not_after=date(2026, 3, 1)) == expected


@settings(max_examples=300, deadline=None)
@given(
    st.sampled_from(["采样时间", "报告日期", "Collected", "Date", "出生日期", ""]),
    st.text(alphabet="0123456789-/.年月日: JanMrch,", max_size=30),
    st.text(max_size=60),
)
def test_fuzz_never_raises_and_never_returns_a_future_date(
    label: str, body: str, noise: str
) -> None:
    today = date(2026, 3, 1)
    found = report_date(f"{noise}{label}{body}{noise}", not_after=today)
    assert found is None or date(1900, 1, 1) <= found <= today
