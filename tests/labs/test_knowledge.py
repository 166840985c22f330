"""Every lab knowledge file loads strictly and every fact carries resolvable provenance."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from aegle.core.errors import ConfigurationError
from aegle.labs.catalogue import KNOWLEDGE_DIR, load_catalogue, normalize_name
from aegle.labs.units import normalize_unit

CATALOGUE = load_catalogue()


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
    assert crea.interval_for("M", 5) is None  # no child interval: never apply adult numbers
    alp = CATALOGUE.by_id["alp"]
    assert alp.interval_for("F", 55) is not None
    assert alp.interval_for("F", 55).high == 135


def test_aliases_printed_on_reports_resolve() -> None:
    for alias in ("谷丙转氨酶", "丙氨酸氨基转移酶", "ALT", "GPT", "sgpt"):
        assert [t.id for t in CATALOGUE.lookup(alias)] == ["alt"]
    assert {t.id for t in CATALOGUE.lookup("PCT")} == {"pct_plt", "procalcitonin"}
    assert normalize_name("ＡＬＴ") == normalize_name("alt")


def test_intervals_do_not_overlap_for_the_same_person() -> None:
    for test in CATALOGUE.tests:
        for sex in ("M", "F"):
            for age in range(18, 80):
                matches = [r for r in test.reference_intervals if r.applies(sex, age)]
                assert len(matches) <= 1, (test.id, sex, age)


def test_unknown_keys_are_errors(tmp_path: Path) -> None:
    for path in KNOWLEDGE_DIR.glob("*.yaml"):
        shutil.copy(path, tmp_path / path.name)
    target = tmp_path / "tests_cbc.yaml"
    data = yaml.safe_load(target.read_text(encoding="utf-8"))
    data["tests"][0]["made_up_key"] = 1
    target.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(ConfigurationError):
        load_catalogue(tmp_path)


def test_unresolved_source_is_an_error(tmp_path: Path) -> None:
    for path in KNOWLEDGE_DIR.glob("*.yaml"):
        shutil.copy(path, tmp_path / path.name)
    target = tmp_path / "tests_liver.yaml"
    data = yaml.safe_load(target.read_text(encoding="utf-8"))
    data["tests"][0]["reference_intervals"][0]["source"] = "nowhere"
    target.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(ConfigurationError):
        load_catalogue(tmp_path)


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
    for path in KNOWLEDGE_DIR.glob("*.yaml"):
        shutil.copy(path, tmp_path / path.name)
    target = tmp_path / "tests_liver.yaml"
    data = yaml.safe_load(target.read_text(encoding="utf-8"))
    data["tests"][0]["biological_variation"] = bv
    target.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(ConfigurationError):
        load_catalogue(tmp_path)
