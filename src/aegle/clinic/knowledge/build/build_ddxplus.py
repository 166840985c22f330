"""Build the DDXPlus-derived knowledge files (a development tool, not used at run time).

Inputs (CC-BY 4.0, Fansi Tchango et al. 2022): release_evidences.json, release_conditions.json and a
file of training patients (the DDXPlus dev split). Outputs, committed beside this script's parent:

- findings_ddxplus.json: every DDXPlus evidence as a finding (codes ddxplus:E_*, options, zh/en).
- ddxplus_likelihoods.json: P(finding | condition) and P(option | condition, parent present),
  smoothed (see docs/clinic.md). Only aggregate frequencies are written, never patient records.

Usage: python -m aegle.clinic.knowledge.build.build_ddxplus DDXPLUS_DIR PATIENTS.csv
"""

from __future__ import annotations

import ast
import csv
import json
import re
import sys
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

import yaml

HERE = Path(__file__).resolve().parent
KNOWLEDGE = HERE.parent

# Smoothing: an evidence listed for a pathology starts from a Beta(1, 1) prior (mean 0.5, two
# pseudo-patients); an evidence not listed for it gets a small leak, because DDXPlus never
# generates it for that pathology but real patients can still have it.
LISTED_PSEUDO = 2.0
UNLISTED_LEAK = 0.004
OPTION_PSEUDO = 1.0
OPTION_FLOOR = 0.003
ENGLISH_FIXES = {
    "V_71": "tearing",
    "V_112": "lancinating",
    "V_154": "distressing",
    "V_137": "palate",
    "V_10": "no",
    "V_12": "yes",
    "V_11": "none",
    "V_123": "nowhere",
    "V_8": "Caribbean",
}


def _kind(spec: dict[str, Any]) -> str:
    if spec["data_type"] == "B":
        return "boolean"
    if spec["data_type"] == "M":
        return "multi"
    values = spec["possible-values"]
    return "scale" if values and all(isinstance(v, int) for v in values) else "choice"


def _zh_value(code: str, en: str, tr: dict[str, Any]) -> str:
    if code in tr["values"]:
        return str(tr["values"][code])
    m = re.match(r"^(.*?)\((R|L)\)$", en)
    base, side = (m.group(1).strip(), m.group(2)) if m else (en.strip(), "")
    zh = str(tr["sites"][base])
    return ("右" if side == "R" else "左" if side == "L" else "") + zh


def build_findings(evidences: dict[str, Any], tr: dict[str, Any]) -> list[dict[str, Any]]:
    out = []
    for name, spec in evidences.items():
        t = tr["evidences"][name]
        kind = _kind(spec)
        parent = spec["code_question"]
        entry: dict[str, Any] = {
            "id": t["id"],
            "name": {"zh": t["zh"], "en": t["en"]},
            "question": {"zh": t["q"], "en": spec["question_en"]},
            "kind": kind,
            "codes": [f"ddxplus:{name}"],
            "history": bool(spec["is_antecedent"]),
            "source": {"ref": "ddxplus", "section": f"release_evidences.json: {name}"},
        }
        if parent != name and parent in evidences:
            entry["parent"] = tr["evidences"][parent]["id"]
        if kind in ("choice", "multi"):
            entry["options"] = [
                {
                    "code": f"ddxplus:{code}",
                    "name": {
                        "zh": _zh_value(code, m["en"], tr),
                        "en": ENGLISH_FIXES.get(code, m["en"]),
                    },
                }
                for code, m in spec["value_meaning"].items()
            ]
            entry["default"] = f"ddxplus:{spec['default_value']}"
        if kind == "scale":
            entry["min"], entry["max"] = min(spec["possible-values"]), max(spec["possible-values"])
            entry["default"] = int(spec["default_value"])
        out.append(entry)
    return out


def _parse(row: dict[str, str]) -> dict[str, list[str]]:
    values: dict[str, list[str]] = {}
    for item in ast.literal_eval(row["features"]):
        name, _, value = item.partition("_@_")
        values.setdefault(name, [])
        if value:
            values[name].append(value)
    return values


def build_likelihoods(
    evidences: dict[str, Any],
    conditions: dict[str, Any],
    patients: list[dict[str, str]],
    tr: dict[str, Any],
    derived: dict[str, dict[str, list[str]]],
) -> dict[str, Any]:
    ids = {name: tr["evidences"][name]["id"] for name in evidences}
    cond_ids = {c["codes"][0].removeprefix("ddxplus:"): c["id"] for c in _ddx_conditions()}
    by_cond: dict[str, list[dict[str, list[str]]]] = defaultdict(list)
    for row in patients:
        by_cond[row["diagnosis"]].append(_parse(row))
    present: dict[str, dict[str, float]] = {}
    options: dict[str, dict[str, dict[str, float]]] = {}
    # Global option frequencies among patients who have the parent: the shrinkage target.
    global_counts: dict[str, Counter[str]] = defaultdict(Counter)
    global_n: Counter[str] = Counter()
    for recs in by_cond.values():
        for rec in recs:
            for name, spec in evidences.items():
                if spec["data_type"] == "B":
                    continue
                if not _applies(name, spec, rec):
                    continue
                global_n[name] += 1
                for v in rec.get(name) or [str(spec["default_value"])]:
                    global_counts[name][v] += 1
    marginal = {
        ids[name]: _distribution(name, spec, global_counts[name], global_n[name], None, 0)
        for name, spec in evidences.items()
        if spec["data_type"] != "B"
    }
    for cname, cspec in conditions.items():
        cid = cond_ids[cname]
        listed = set(cspec["symptoms"]) | set(cspec["antecedents"])
        recs = by_cond.get(cname, [])
        n = len(recs)
        present[cid] = {}
        options[cid] = {}
        for name, spec in evidences.items():
            k = sum(1 for rec in recs if name in rec)
            if spec["data_type"] == "B" or spec["code_question"] == name:
                if name in listed:
                    p = (k + LISTED_PSEUDO * 0.5) / (n + LISTED_PSEUDO)
                else:
                    p = (k + UNLISTED_LEAK) / (n + 1.0)
                present[cid][ids[name]] = round(min(max(p, UNLISTED_LEAK), 0.98), 4)
            if spec["data_type"] != "B":
                sub = [rec for rec in recs if _applies(name, spec, rec)]
                counts: Counter[str] = Counter()
                for rec in sub:
                    for v in rec.get(name) or [str(spec["default_value"])]:
                        counts[v] += 1
                options[cid][ids[name]] = _distribution(
                    name, spec, counts, len(sub), marginal[ids[name]], OPTION_PSEUDO
                )
        for fid, spec_map in derived.items():
            k = sum(1 for rec in recs if _derived_present(rec, spec_map, evidences))
            present[cid][fid] = round(min(max((k + 0.2) / (n + 1.0), UNLISTED_LEAK), 0.98), 4)
    return {
        "method": (
            "Counts over DDXPlus training patients per pathology; evidences listed for the "
            f"pathology get a Beta(1,1) prior ({LISTED_PSEUDO} pseudo-patients), unlisted ones a "
            f"leak of {UNLISTED_LEAK}; option distributions are conditional on the parent "
            f"question and shrunk towards the all-pathology distribution ({OPTION_PSEUDO} "
            "pseudo-patient); scales are smoothed with a [1,2,1] kernel."
        ),
        "source": {
            "ref": "ddxplus",
            "section": "release_conditions.json, release_evidences.json, "
            f"{len(patients)} training patients (aggregate counts only)",
        },
        "present": present,
        "options": options,
        "marginal": marginal,
    }


def _applies(name: str, spec: dict[str, Any], rec: dict[str, list[str]]) -> bool:
    parent = spec["code_question"]
    return parent == name or parent in rec


def _derived_present(
    rec: dict[str, list[str]], spec_map: dict[str, list[str]], evidences: dict[str, Any]
) -> bool:
    for code, values in spec_map.items():
        name = code.removeprefix("ddxplus:")
        if name not in rec:
            continue
        if not values:
            return True
        wanted = {v.removeprefix("ddxplus:") for v in values}
        if wanted & set(rec[name]):
            return True
    return False


def _distribution(
    name: str,
    spec: dict[str, Any],
    counts: Counter[str],
    n: int,
    prior: dict[str, float] | None,
    pseudo: float,
) -> dict[str, float]:
    values = [str(v) for v in spec["possible-values"]]
    raw = {v: float(counts.get(v, 0)) for v in values}
    if spec["data_type"] == "C" and all(v.isdigit() for v in values):
        smooth = {}
        for i, v in enumerate(values):
            left = raw[values[i - 1]] if i > 0 else raw[v]
            right = raw[values[i + 1]] if i + 1 < len(values) else raw[v]
            smooth[v] = (left + 2 * raw[v] + right) / 4.0
        raw = smooth
    if spec["data_type"] == "M":
        # Independent inclusion probabilities, one per option.
        denom = n + pseudo
        out = {}
        for v in values:
            base = prior[f"ddxplus:{v}"] if prior is not None else 0.0
            p = (raw[v] + pseudo * base) / denom if denom else base
            out[f"ddxplus:{v}"] = round(min(max(p, OPTION_FLOOR), 0.98), 4)
        return out
    total = sum(raw.values())
    out = {}
    for v in values:
        base = prior[_key(v)] if prior is not None else 1.0 / len(values)
        p = (raw[v] + pseudo * base + OPTION_FLOOR) / (total + pseudo + OPTION_FLOOR * len(values))
        out[_key(v)] = p
    norm = sum(out.values())
    return {k: round(p / norm, 4) for k, p in out.items()}


def _key(v: str) -> str:
    return v if v.isdigit() else f"ddxplus:{v}"


def _ddx_conditions() -> list[dict[str, Any]]:
    data: list[dict[str, Any]] = yaml.safe_load(
        (KNOWLEDGE / "conditions" / "ddxplus.yaml").read_text(encoding="utf-8")
    )
    return data


def _derived_specs() -> dict[str, dict[str, list[str]]]:
    data = yaml.safe_load((KNOWLEDGE / "findings.yaml").read_text(encoding="utf-8"))
    return {
        f["id"]: f["derived_from"]
        for block in data["blocks"]
        for f in block["findings"]
        if f.get("derived_from")
    }


def main(argv: list[str]) -> int:
    ddx_dir, patients_csv = Path(argv[0]), Path(argv[1])
    evidences = json.loads((ddx_dir / "release_evidences.json").read_text(encoding="utf-8"))
    conditions = json.loads((ddx_dir / "release_conditions.json").read_text(encoding="utf-8"))
    tr = yaml.safe_load((HERE / "ddxplus_evidences.yaml").read_text(encoding="utf-8"))
    with patients_csv.open(newline="", encoding="utf-8") as f:
        patients = list(csv.DictReader(f))
    findings = build_findings(evidences, tr)
    header = {
        "source": tr["source"],
        "attribution": "DDXPlus (Fansi Tchango et al., NeurIPS 2022), CC-BY 4.0; "
        "Chinese wording and short names by the Aegle authors.",
    }
    (KNOWLEDGE / "findings_ddxplus.json").write_text(
        json.dumps({**header, "findings": findings}, ensure_ascii=False, indent=1) + "\n",
        encoding="utf-8",
    )
    lik = build_likelihoods(evidences, conditions, patients, tr, _derived_specs())
    (KNOWLEDGE / "ddxplus_likelihoods.json").write_text(
        json.dumps(lik, ensure_ascii=False, separators=(",", ":"), sort_keys=True) + "\n",
        encoding="utf-8",
    )
    print(f"{len(findings)} findings, {len(lik['present'])} conditions, {len(patients)} patients")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
