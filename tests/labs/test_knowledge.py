"""Every lab knowledge file loads strictly and every fact carries resolvable provenance."""

from __future__ import annotations

import itertools
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from aegle.core.errors import ConfigurationError
from aegle.labs.catalogue import KNOWLEDGE_DIR, age_in_years, load_catalogue, normalize_name
from aegle.labs.units import normalize_unit

CATALOGUE = load_catalogue()


def _edited_copy(tmp_path: Path, name: str, edit: Callable[[dict[str, Any]], object]) -> Path:
    """The knowledge folder copied into tmp_path, `edit` applied to the first test of `name`."""
    for path in KNOWLEDGE_DIR.glob("*.yaml"):
        shutil.copy(path, tmp_path / path.name)
    target = tmp_path / name
    data = yaml.safe_load(target.read_text(encoding="utf-8"))
    edit(data["tests"][0])
    target.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return tmp_path


def test_catalogue_has_the_common_panels() -> None:
    panels = {test.panel for test in CATALOGUE.tests}
    assert {
        "cbc",
        "liver",
        "kidney",
        "metabolic",
        "endocrine",
        "markers",
        "urine",
        "extended",
    } <= panels
    assert len(CATALOGUE.tests) >= 180


def test_every_fact_cites_a_known_source() -> None:
    for test in CATALOGUE.tests:
        assert test.source_ids() <= set(CATALOGUE.sources), test.id
        for interval in test.reference_intervals:
            assert interval.source in CATALOGUE.sources
        if test.kind == "quantitative":
            assert test.unit


def test_every_source_is_complete() -> None:
    for source in CATALOGUE.sources.values():
        assert source.title
        assert source.publisher
        assert source.edition
        assert source.section


def test_units_are_ucum_codes_we_can_read() -> None:
    # The catalogue unit must round-trip through our printed-unit normaliser.
    for test in CATALOGUE.tests:
        if test.unit and not test.unit.startswith(("{", "[", "/", "1", "mL/min")):
            assert normalize_unit(test.unit) == test.unit, test.id


def test_adult_cbc_intervals_follow_ws_t_405() -> None:
    hgb = CATALOGUE.by_id["hgb"]
    male = hgb.interval_for("M", 40)
    female = hgb.interval_for("F", 40)
    assert male is not None
    assert (male.low, male.high) == (130, 175)
    assert female is not None
    assert (female.low, female.high) == (115, 150)
    assert male.source == "wst405_2012"
    plt = CATALOGUE.by_id["plt"].interval_for("F", 30)
    assert plt is not None
    assert (plt.low, plt.high) == (125, 350)


def test_age_bands_are_respected() -> None:
    crea = CATALOGUE.by_id["crea"]
    young, old = crea.interval_for("M", 30), crea.interval_for("M", 70)
    assert young is not None
    assert old is not None
    assert young.high == 97
    assert old.high == 111
    child = crea.interval_for("M", 5)
    assert child is not None
    assert child.source == "wst780_2021"  # a child's band, never the adult numbers
    assert crea.interval_for("M", 19) is None  # WS/T 780 ends at 18, WS/T 404.5 starts at 20
    alp = CATALOGUE.by_id["alp"]
    assert alp.interval_for("F", 55) is not None
    assert alp.interval_for("F", 55).high == 135


def test_aliases_printed_on_reports_resolve() -> None:
    for alias in ("谷丙转氨酶", "丙氨酸氨基转移酶", "ALT", "GPT", "sgpt"):
        assert [t.id for t in CATALOGUE.lookup(alias)] == ["alt"]
    assert {t.id for t in CATALOGUE.lookup("PCT")} == {"pct_plt", "procalcitonin"}
    assert normalize_name("ＡＬＴ") == normalize_name("alt")


def test_intervals_do_not_overlap_for_the_same_person() -> None:
    # Every day of the first two years (children's bands change at 28 days, 6 months, 1 year),
    # then every month to 80.
    ages = [age_in_years(day, "d") for day in range(0, 731)]
    ages += [age_in_years(month, "mo") for month in range(24, 960)]
    for test in CATALOGUE.tests:
        for sex in ("M", "F"):
            for age in ages:
                matches = [r for r in test.reference_intervals if r.applies(sex, age)]
                assert len(matches) <= 1, (test.id, sex, age)


def test_unknown_keys_are_errors(tmp_path: Path) -> None:
    folder = _edited_copy(tmp_path, "tests_cbc.yaml", lambda test: test.update(made_up_key=1))
    with pytest.raises(ConfigurationError):
        load_catalogue(folder)


def test_unresolved_source_is_an_error(tmp_path: Path) -> None:
    folder = _edited_copy(
        tmp_path,
        "tests_liver.yaml",
        lambda test: test["reference_intervals"][0].update(source="nowhere"),
    )
    with pytest.raises(ConfigurationError):
        load_catalogue(folder)


def test_every_synthea_lab_code_maps_to_a_catalogue_test() -> None:
    """FHIR importers map Observations by LOINC; the Synthea sample uses blood-specimen codes."""
    import json

    folder = Path(__file__).resolve().parents[2] / "../shared/data/synthea-fhir-r4"
    seen: set[str] = set()
    for path in folder.glob("*.json"):
        bundle = json.loads(path.read_text(encoding="utf-8"))
        for entry in bundle.get("entry", []):
            resource = entry.get("resource", {})
            if resource.get("resourceType") != "Observation":
                continue
            categories = {
                coding.get("code")
                for category in resource.get("category", [])
                for coding in category.get("coding", [])
            }
            if "laboratory" in categories:
                seen.update(c["code"] for c in resource["code"]["coding"])
    assert len(seen) >= 20
    missing = sorted(code for code in seen if code not in CATALOGUE.by_loinc)
    assert missing == []
    assert CATALOGUE.by_loinc["2339-0"].id == "glu"


def test_no_guess_between_age_bands_without_an_age() -> None:
    crea = CATALOGUE.by_id["crea"]
    assert crea.interval_for("M", None) is None  # 20-59 and 60-79 differ
    alt = CATALOGUE.by_id["alt"].interval_for("M", None)
    assert alt is not None
    assert alt.high == 50  # one adult band for men
    assert CATALOGUE.by_id["hgb"].interval_for(None, 40) is None  # sex-specific needs a sex


def test_every_biological_variation_entry_has_a_source_and_a_plausible_cv() -> None:
    with_bv = [test for test in CATALOGUE.tests if test.biological_variation is not None]
    assert len(with_bv) >= 30
    for test in with_bv:
        bv = test.biological_variation
        assert bv is not None
        assert bv.source in CATALOGUE.sources, test.id
        source = CATALOGUE.sources[bv.source]
        assert source.edition
        assert source.section
        assert 0 < bv.cv_within < 100, test.id
        assert 0 < bv.cva < 100, test.id
        assert test.kind == "quantitative", test.id
        if bv.analytical == "desirable":
            assert bv.cva == pytest.approx(0.5 * bv.cv_within)
    # Electrolytes are tightly regulated, enzymes and CRP vary far more from day to day.
    cv = {t.id: t.biological_variation.cv_within for t in with_bv if t.biological_variation}
    assert cv["na"] < cv["k"] < cv["alt"] < cv["crp"]


@pytest.mark.parametrize(
    "bv",
    [
        {"cv_within": 5.0, "source": "ricos_bv_2014", "made_up_key": 1},
        {"cv_within": 0, "source": "ricos_bv_2014"},
        {"cv_within": 100, "source": "ricos_bv_2014"},
        {"cv_within": 5.0, "analytical": "published", "source": "ricos_bv_2014"},
        {"cv_within": 5.0, "cv_analytical": 2.0, "source": "ricos_bv_2014"},
        {"cv_within": 5.0, "source": "nowhere"},
    ],
)
def test_bad_biological_variation_is_an_error(tmp_path: Path, bv: dict[str, object]) -> None:
    folder = _edited_copy(
        tmp_path, "tests_liver.yaml", lambda test: test.update(biological_variation=bv)
    )
    with pytest.raises(ConfigurationError):
        load_catalogue(folder)


def test_children_s_intervals_load_with_provenance() -> None:
    children = {
        test.id: [r for r in test.reference_intervals if r.age_max is not None and r.age_max <= 18]
        for test in CATALOGUE.tests
    }
    children = {test_id: bands for test_id, bands in children.items() if bands}
    cbc = {"wbc", "neut_pct", "lymph_abs", "hgb", "plt"}
    chemistry = {"alt", "ast", "alp", "ggt", "tp", "alb", "crea"}
    assert set(children) == cbc | chemistry
    titles = {"wst779_2021": "WS/T 779-2021", "wst780_2021": "WS/T 780-2021"}
    for test_id, bands in children.items():
        expected = "wst779_2021" if test_id in cbc else "wst780_2021"
        assert {r.source for r in bands} == {expected}, test_id
        source = CATALOGUE.sources[expected]
        assert source.title.startswith(titles[expected])
        assert "28 days to 18 years" in source.section
        # Bands start at 28 days and run without gaps to the 18th birthday, for both sexes.
        for sex in ("M", "F"):
            mine = sorted((r for r in bands if r.sex in ("any", sex)), key=lambda r: r.age_min)
            assert mine[0].age_min == age_in_years(28, "d"), test_id
            assert mine[-1].age_max == 18, test_id
            for before, after in itertools.pairwise(mine):
                assert before.age_max == after.age_min, (test_id, sex)


@pytest.mark.parametrize(
    ("bound", "years"),
    [("28d", 28 / 365), ("4w", 28 / 365), ("6mo", 0.5), ("13y", 13.0), (2, 2.0)],
)
def test_age_bounds_may_carry_a_unit(tmp_path: Path, bound: object, years: float) -> None:
    interval = {
        "age_min": bound,
        "age_max": 19,
        "low": 1,
        "high": 2,
        "unit": "U/L",
        "source": "wst780_2021",
    }
    folder = _edited_copy(
        tmp_path, "tests_liver.yaml", lambda test: test.update(reference_intervals=[interval])
    )
    loaded = load_catalogue(folder).by_id["alt"].reference_intervals[0]
    assert loaded.age_min == years


@pytest.mark.parametrize("bound", ["28 days", "6m", "-1y", "y", "2.5.1y", "six months"])
def test_a_bad_age_bound_is_a_load_error(tmp_path: Path, bound: str) -> None:
    folder = _edited_copy(
        tmp_path,
        "tests_liver.yaml",
        lambda test: test["reference_intervals"][0].update(age_min=bound),
    )
    with pytest.raises(ConfigurationError):
        load_catalogue(folder)


def test_total_bilirubin_has_only_an_upper_limit_by_sex() -> None:
    tbil = CATALOGUE.by_id["tbil"]
    male, female = tbil.interval_for("M", 40), tbil.interval_for("F", 40)
    assert male is not None
    assert female is not None
    assert (male.low, male.high, male.source) == (None, 26.0, "wst404_4_2018")
    assert (female.low, female.high) == (None, 21.0)
    assert tbil.interval_for(None, 40) is None  # the limit depends on sex
    assert tbil.interval_for("M", 10) is None  # WS/T 780 bilirubin is not encoded
    assert not CATALOGUE.by_id["dbil"].reference_intervals  # depends on the analytical system


def test_venous_intervals_are_marked_and_a_bad_sample_is_a_load_error(tmp_path: Path) -> None:
    for test in CATALOGUE.tests:
        for interval in test.reference_intervals:
            venous = interval.source in ("wst405_2012", "wst779_2021")
            assert (interval.sample == "venous") is venous, (test.id, interval.source)
    folder = _edited_copy(
        tmp_path,
        "tests_cbc.yaml",
        lambda test: test["reference_intervals"][0].update(sample="arterial"),
    )
    with pytest.raises(ConfigurationError):
        load_catalogue(folder)


@pytest.mark.parametrize("test_id", ["wbc", "hgb", "alt", "alp", "ggt", "alb", "crea"])
def test_each_child_band_starts_on_its_edge(test_id: str) -> None:
    test = CATALOGUE.by_id[test_id]
    day = age_in_years(1, "d")
    for band in test.reference_intervals:
        if band.age_max is None or band.age_max > 18:
            continue
        sex = "F" if band.sex == "any" else band.sex
        assert test.interval_for(sex, band.age_min) == band, (test_id, band)
        assert test.interval_for(sex, band.age_max - day) == band, (test_id, band)
        assert test.interval_for(sex, band.age_min - day) != band, (test_id, band)
