"""The knowledge base compiled into arrays for fast Bayesian updates and question selection.

Each condition c has a prior weight (prevalence class, adjusted by age and sex) and, for every
finding f, P(f present | c). Where the DDXPlus training data cover (c, f) the estimate comes from
there; where a condition entry names f with a qualitative level, that level's probability is used;
otherwise a small leak probability stands for "possible, but not a feature of c". Choice, multi
and scale findings also carry P(option | c, parent present).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import numpy as np
import numpy.typing as npt

from aegle.clinic.knowledge import Knowledge, load_knowledge
from aegle.clinic.knowledge.models import LEVEL_PROBABILITY, PREVALENCE_WEIGHT

FloatArray = npt.NDArray[np.float64]

# Leak probabilities: how often a finding that is not a feature of a condition still turns up.
LEAK_SYMPTOM = 0.02
LEAK_HISTORY = 0.05
LEAK_SCALE = 1.0
LEAK_MAX = 0.15
# Pain is asked first in DDXPlus; a condition described by any painful finding has pain.
PAIN_IMPLIED = 0.9
PAIN_DEFAULT = 0.3
OUT_OF_AGE_FACTOR = 0.1
WRONG_SEX_FACTOR = 0.001
PAINFUL_WORDS = ("pain", "ache", "dysuria", "dysmenorrhea", "dyspareunia", "colic")


@dataclass(frozen=True)
class OptionTable:
    """P(option | condition) for one choice/multi/scale finding (rows: options)."""

    codes: tuple[str, ...]
    probs: FloatArray
    multi: bool


@dataclass(frozen=True)
class Model:
    kb: Knowledge
    condition_ids: tuple[str, ...]
    finding_ids: tuple[str, ...]
    finding_index: dict[str, int]
    condition_index: dict[str, int]
    present: FloatArray  # (F, C) P(present | c)
    options: dict[str, OptionTable]
    log_prevalence: FloatArray  # (C,)
    age_lo: FloatArray
    age_hi: FloatArray
    sex: tuple[str | None, ...]
    askable: tuple[str, ...]
    code_to_finding: dict[str, str]
    parent_of: dict[str, str | None]
    mean_present: FloatArray  # (F,) average P(present) over conditions

    def log_prior(self, age: int | None, sex: str | None) -> FloatArray:
        prior = self.log_prevalence.copy()
        if age is not None:
            outside = (age < self.age_lo) | (age > self.age_hi)
            prior[outside] += np.log(OUT_OF_AGE_FACTOR)
        if sex in ("F", "M"):
            for i, s in enumerate(self.sex):
                if s is not None and s != sex:
                    prior[i] += np.log(WRONG_SEX_FACTOR)
        return prior


def _is_painful(fid: str) -> bool:
    return any(word in fid for word in PAINFUL_WORDS) or fid in ("headache", "toothache")


def compile_model(kb: Knowledge) -> Model:
    cids = tuple(sorted(kb.conditions))
    fids = tuple(sorted(kb.findings))
    f_index = {f: i for i, f in enumerate(fids)}
    c_index = {c: i for i, c in enumerate(cids)}
    present = np.full((len(fids), len(cids)), np.nan, dtype=np.float64)
    lik = kb.likelihoods
    for ci, cid in enumerate(cids):
        cond = kb.conditions[cid]
        learned = lik.present.get(cid)
        if learned is not None:
            for fid, p in learned.items():
                present[f_index[fid], ci] = p
        else:
            painful = any(_is_painful(f) for f in cond.findings)
            present[f_index["pain"], ci] = PAIN_IMPLIED if painful else PAIN_DEFAULT
        for fid, level in cond.findings.items():
            # Data-derived estimates win over qualitative levels for the same finding, except
            # for derived findings, whose mapping from DDXPlus answers is our approximation.
            if learned is None or fid not in learned:
                present[f_index[fid], ci] = LEVEL_PROBABILITY[level]
            elif kb.findings[fid].derived_from:
                present[f_index[fid], ci] = max(learned[fid], LEVEL_PROBABILITY[level])
    # Leak: how often a finding turns up without being a feature of the condition. Common,
    # unspecific findings (tiredness, pain) leak more than specific ones (a whoop, black stools).
    specified = np.nan_to_num(present, nan=0.0).sum(axis=1) / len(cids)
    for fi, fid in enumerate(fids):
        base = LEAK_HISTORY if kb.findings[fid].history else LEAK_SYMPTOM
        leak = float(np.clip(LEAK_SCALE * specified[fi], base, LEAK_MAX))
        row = present[fi]
        row[np.isnan(row)] = leak
    options: dict[str, OptionTable] = {}
    for fid in fids:
        finding = kb.findings[fid]
        if finding.kind == "boolean":
            continue
        if finding.kind == "scale":
            assert finding.min is not None
            assert finding.max is not None
            codes = tuple(str(v) for v in range(finding.min, finding.max + 1))
        else:
            codes = tuple(o.code for o in finding.options)
        marginal = lik.marginal.get(fid, {})
        uniform = 1.0 / len(codes)
        table = np.zeros((len(codes), len(cids)), dtype=np.float64)
        for ci, cid in enumerate(cids):
            row = lik.options.get(cid, {}).get(fid)
            source = row if row is not None else marginal
            for k, code in enumerate(codes):
                table[k, ci] = source.get(code, uniform if finding.kind != "multi" else 0.01)
        table = np.clip(table, 1e-4, 0.999)
        if finding.kind != "multi":
            table = table / table.sum(axis=0, keepdims=True)
        options[fid] = OptionTable(codes=codes, probs=table, multi=finding.kind == "multi")
    log_prev = np.array(
        [np.log(PREVALENCE_WEIGHT[kb.conditions[c].prevalence]) for c in cids], dtype=np.float64
    )
    ages = [kb.conditions[c].age or (0, 200) for c in cids]
    age_lo = np.array([float(a[0]) for a in ages])
    age_hi = np.array([float(a[1]) for a in ages])
    askable = tuple(f for f in fids if not kb.findings[f].derived_from and kb.findings[f].ask)
    return Model(
        kb=kb,
        condition_ids=cids,
        finding_ids=fids,
        finding_index=f_index,
        condition_index=c_index,
        present=present,
        options=options,
        log_prevalence=log_prev,
        age_lo=age_lo,
        age_hi=age_hi,
        sex=tuple(kb.conditions[c].sex for c in cids),
        askable=askable,
        code_to_finding=kb.finding_by_code(),
        parent_of={f: kb.findings[f].parent for f in fids},
        mean_present=present.mean(axis=1),
    )


@cache
def default_model() -> Model:
    return compile_model(load_knowledge())


__all__ = ["Model", "OptionTable", "compile_model", "default_model"]
