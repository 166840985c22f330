"""SNOMED CT concept ids in the findings are well-formed: a concept partition and a valid
Verhoeff check digit (which catches any single mistyped digit and most transpositions)."""

from __future__ import annotations

from pathlib import Path

import yaml

FINDINGS = Path(__file__).resolve().parents[2] / "src/aegle/clinic/knowledge/findings.yaml"

_D = (
    (0, 1, 2, 3, 4, 5, 6, 7, 8, 9),
    (1, 2, 3, 4, 0, 6, 7, 8, 9, 5),
    (2, 3, 4, 0, 1, 7, 8, 9, 5, 6),
    (3, 4, 0, 1, 2, 8, 9, 5, 6, 7),
    (4, 0, 1, 2, 3, 9, 5, 6, 7, 8),
    (5, 9, 8, 7, 6, 0, 4, 3, 2, 1),
    (6, 5, 9, 8, 7, 1, 0, 4, 3, 2),
    (7, 6, 5, 9, 8, 2, 1, 0, 4, 3),
    (8, 7, 6, 5, 9, 3, 2, 1, 0, 4),
    (9, 8, 7, 6, 5, 4, 3, 2, 1, 0),
)
_P = (
    (0, 1, 2, 3, 4, 5, 6, 7, 8, 9),
    (1, 5, 7, 6, 2, 8, 3, 0, 9, 4),
    (5, 8, 0, 3, 7, 9, 6, 1, 4, 2),
    (8, 9, 1, 6, 0, 4, 3, 5, 2, 7),
    (9, 4, 5, 3, 1, 2, 6, 8, 7, 0),
    (4, 2, 8, 6, 5, 7, 3, 9, 0, 1),
    (2, 7, 9, 3, 8, 0, 6, 4, 1, 5),
    (7, 0, 4, 6, 9, 1, 3, 2, 5, 8),
)


def verhoeff_valid(number: str) -> bool:
    check = 0
    for position, digit in enumerate(reversed(number)):
        check = _D[check][_P[position % 8][int(digit)]]
    return check == 0


def test_verhoeff_reference_values() -> None:
    assert verhoeff_valid("2363")  # the textbook example: 236 with check digit 3
    assert not verhoeff_valid("2364")
    assert verhoeff_valid("22298006")  # myocardial infarction


def test_every_snomed_id_is_a_well_formed_concept_id() -> None:
    snomed = yaml.safe_load(FINDINGS.read_text(encoding="utf-8"))["snomed"]
    assert len(snomed) >= 40
    for finding, sctid in snomed.items():
        text = str(sctid)
        assert text.isdigit(), finding
        assert 6 <= len(text) <= 18, finding
        assert text[-3:-1] in ("00", "10"), f"{finding}: {text} is not a concept id"
        assert verhoeff_valid(text), f"{finding}: {text} fails the check digit"
