"""A known Chinese test name followed by a word that makes it another measure is not that test."""

from __future__ import annotations

import pytest

from aegle.labs.parse import parse_text


@pytest.mark.parametrize(
    "line",
    [
        "甲胎蛋白异质体 12.5 %",
        "乳酸脱氢酶同工酶1 30 %",
        "游离睾酮指数 45 %",
        "醛固酮/肾素比值 25.1",
    ],
)
def test_derived_measures_are_not_mapped_to_their_base_test(line: str) -> None:
    mapped = [item for item in parse_text(line).items if item.loinc]
    assert mapped == []


def test_the_base_tests_still_map() -> None:
    report = parse_text("甲胎蛋白 3.2 ng/mL 0-7\n乳酸脱氢酶 180 U/L 120-250\n白细胞计数 6.5 10^9/L")
    assert [item.test_id for item in report.items] == ["afp", "ldh", "wbc"]
