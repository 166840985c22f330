"""The interview engine: a Bayesian differential updated after every answer.

Naive Bayes with leak probabilities over every condition in the knowledge base; the next question
is the one with the largest expected information gain about the differential, after the mandatory
red-flag screens of the presenting complaint; follow-up questions about a positive answer (site,
character, radiation, onset and severity of a pain) are kept together. The interview stops when
one condition is very likely, when no question would tell much, or at `max_questions`.
Pure and deterministic: the same inputs give the same questions and result.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import numpy.typing as npt

from aegle.clinic.model import FloatArray, Model, default_model
from aegle.clinic.text import Understanding, understand, yes_no
from aegle.core.types import LocaleCode

DEFAULT_MAX_QUESTIONS = 20
STOP_PROBABILITY = 0.99
MIN_GAIN = 0.02
ACTIVE_FLOOR = 1e-5
MAX_ACTIVE = 40
GROUP_KEEP = 0.5
MENTION_LR = 20.0
MENTION_TOPIC_LR = 50.0
MENTION_NEGATED_LR = 0.3
MULTI_NEGATIVE_WEIGHT = 0.5
COMPLAINT_WEIGHT = 1.0
MAX_COMPLAINT_FINDINGS = 3
HEDGED_WEIGHT = 0.5

QuestionKind = Literal["boolean", "choice", "multi", "scale"]


@dataclass(frozen=True)
class Question:
    id: str
    finding: str
    kind: QuestionKind
    text: str
    codes: tuple[str, ...]
    options: tuple[tuple[str, str], ...] = ()
    min: int | None = None
    max: int | None = None
    mandatory: bool = False


@dataclass(frozen=True)
class AnswerInput:
    """Exactly one field is set: the protocol's present, values, value, unknown or message."""

    present: bool | None = None
    values: tuple[str, ...] | None = None
    value: float | None = None
    unknown: bool = False
    message: str | None = None


@dataclass
class Record:
    question: Question
    answer: AnswerInput
    verbatim: str


@dataclass
class Interview:
    model: Model
    lang: LocaleCode = "en"
    age: int | None = None
    sex: str | None = None
    max_questions: int = DEFAULT_MAX_QUESTIONS
    known: dict[str, bool] = field(default_factory=dict)
    values: dict[str, tuple[str, ...]] = field(default_factory=dict)
    asked: set[str] = field(default_factory=set)
    records: list[Record] = field(default_factory=list)
    opening: str = ""
    understanding: Understanding | None = None
    family: dict[str, bool] = field(default_factory=dict)
    mentions: dict[str, bool] = field(default_factory=dict)
    pending: Question | None = None
    log_post: FloatArray = field(default_factory=lambda: np.zeros(0))
    log_prior: FloatArray = field(default_factory=lambda: np.zeros(0))
    last_parent: str | None = None
    finished: bool = False
    questions_asked: int = 0
    ignored_codes: list[str] = field(default_factory=list)
    weights: dict[str, float] = field(default_factory=dict)

    @classmethod
    def start(
        cls,
        *,
        lang: LocaleCode = "en",
        age: int | None = None,
        sex: str | None = None,
        message: str | None = None,
        findings: list[tuple[str, bool]] | None = None,
        max_questions: int | None = None,
        model: Model | None = None,
    ) -> Interview:
        m = model or default_model()
        iv = cls(model=m, lang=lang, age=age, sex=sex)
        iv.max_questions = DEFAULT_MAX_QUESTIONS if max_questions is None else max(0, max_questions)
        if message:
            iv.opening = message
            u = understand(message)
            iv.understanding = u
            if iv.age is None:
                iv.age = u.age
            if iv.sex is None:
                iv.sex = u.sex
        iv.log_prior = m.log_prior(iv.age, iv.sex)
        iv.log_post = iv.log_prior.copy()
        if iv.understanding is not None:
            iv._apply_understanding(iv.understanding)
        for code, present in findings or []:
            fid = m.code_to_finding.get(code)
            if fid is None:
                iv.ignored_codes.append(code)
                continue
            iv._set_present(fid, present)
            if present:
                iv._presenting(fid)
        return iv

    def _presenting(self, fid: str) -> None:
        """The reason for consulting: a condition must explain it, not merely allow it, so its
        likelihood counts once more (P(complaint | c) ~ P(f | c)^2)."""
        p = self.model.present[self.model.finding_index[fid]]
        self.log_post = self.log_post + COMPLAINT_WEIGHT * np.log(p)

    # ------------------------------------------------------------------ evidence
    def _set_present(self, fid: str, present: bool, weight: float = 1.0) -> None:
        """Record a finding; `weight` < 1 for hedged statements ("可能有点发烧", "maybe")."""
        if fid in self.known:
            if self.known[fid] == present and self.weights.get(fid, 1.0) >= weight:
                return
            # Contradiction or firmer restatement: the later answer replaces the earlier one.
            self._apply_presence(fid, self.known[fid], undo=True, weight=self.weights.get(fid, 1.0))
        self.known[fid] = present
        self.weights[fid] = weight
        self.asked.add(fid)
        self._apply_presence(fid, present, weight=weight)
        finding = self.model.kb.findings[fid]
        if present:
            # A derived finding implies its parent question was answered yes (chest pain -> pain).
            for code in finding.derived_from:
                src = self.model.code_to_finding.get(code)
                parent = self.model.kb.findings[src].parent if src else None
                for implied in (parent, src if src and not finding.derived_from[code] else None):
                    if implied and implied not in self.known:
                        self.known[implied] = True
                        self.asked.add(implied)
                        self._apply_presence(implied, True)
            if finding.parent and finding.parent not in self.known:
                self.known[finding.parent] = True
                self.asked.add(finding.parent)
                self._apply_presence(finding.parent, True)

    def _apply_presence(
        self, fid: str, present: bool, undo: bool = False, weight: float = 1.0
    ) -> None:
        p = self.model.present[self.model.finding_index[fid]]
        delta = weight * np.log(p if present else 1.0 - p)
        self.log_post = self.log_post - delta if undo else self.log_post + delta

    def _set_values(self, fid: str, codes: tuple[str, ...]) -> None:
        table = self.model.options[fid]
        index = {c: i for i, c in enumerate(table.codes)}
        chosen = [index[c] for c in codes if c in index]
        if not chosen:
            return
        if fid in self.values:
            return  # answered already; keep the first answer to avoid double counting
        self.values[fid] = tuple(table.codes[i] for i in chosen)
        self.asked.add(fid)
        if table.multi:
            mask = np.zeros(len(table.codes), dtype=bool)
            mask[chosen] = True
            logp = np.log(table.probs[mask]).sum(axis=0)
            logq = np.log(1.0 - table.probs[~mask]).sum(axis=0) * MULTI_NEGATIVE_WEIGHT
            self.log_post = self.log_post + logp + logq
        else:
            self.log_post = self.log_post + np.log(table.probs[chosen[0]])
        finding = self.model.kb.findings[fid]
        default = finding.default
        is_default = default is not None and self.values[fid] == (str(default),)
        if finding.parent and not is_default and finding.parent not in self.known:
            self.known[finding.parent] = True
            self.asked.add(finding.parent)
            self._apply_presence(finding.parent, True)
        # Derived findings (e.g. chest_pain from the pain site) are known from this answer.
        for dfid, dspec in self._derived_of(fid):
            wanted = set(dspec)
            self.known.setdefault(dfid, bool(wanted & set(self.values[fid])))

    def _derived_of(self, fid: str) -> list[tuple[str, list[str]]]:
        codes = set(self.model.kb.findings[fid].codes)
        out = []
        for f in self.model.kb.findings.values():
            for code, vals in f.derived_from.items():
                if code in codes:
                    out.append(
                        (f.id, [v if ":" in v or v.isdigit() else f"ddxplus:{v}" for v in vals])
                    )
        return out

    def _apply_understanding(self, u: Understanding) -> None:
        own: dict[str, bool] = {}
        hedged: dict[str, bool] = {}
        complaint: list[str] = []
        kb = self.model.kb
        for m in u.findings:
            if m.family:
                self.family[m.finding] = m.present
                continue
            # Past history names risk factors; a symptom word there is not a current symptom.
            if m.history and not kb.findings[m.finding].history:
                continue
            own[m.finding] = own.get(m.finding, False) or m.present
            hedged[m.finding] = hedged.get(m.finding, True) and m.uncertain
            is_history = kb.findings[m.finding].history
            if m.complaint and m.present and not is_history and m.finding not in complaint:
                complaint.append(m.finding)
        for fid, present in own.items():
            if fid in self.model.finding_index:
                self._set_present(fid, present, HEDGED_WEIGHT if hedged.get(fid) else 1.0)
        for fid in complaint[:MAX_COMPLAINT_FINDINGS]:
            if self.known.get(fid) is True and fid != "pain":
                self._presenting(fid)
        for m in u.conditions:
            if m.family or m.history:
                continue
            ci = self.model.condition_index.get(m.finding)
            if ci is None or m.finding in self.mentions:
                continue
            self.mentions[m.finding] = m.present
            # Naming a condition in the opening words ("肾衰竭是怎么引起的") makes it the topic.
            lr = MENTION_TOPIC_LR if m.complaint else MENTION_LR
            self.log_post[ci] += np.log(lr if m.present else MENTION_NEGATED_LR)

    # ------------------------------------------------------------------ posterior
    def posterior(self) -> FloatArray:
        x = self.log_post - self.log_post.max()
        p = np.exp(x)
        total: float = float(p.sum())
        out: FloatArray = p / total
        return out

    def tempered(self, power: float) -> FloatArray:
        """The posterior with the evidence's weight raised to `power` (< 1 flattens it): the
        conditions still compatible with the answers, not only the single most likely."""
        x = self.log_prior + power * (self.log_post - self.log_prior)
        x = x - x.max()
        p = np.exp(x)
        out: FloatArray = p / float(p.sum())
        return out

    # ------------------------------------------------------------------ questions
    def _eligible(self, fid: str) -> bool:
        if fid in self.asked or fid in self.known or fid in self.values:
            return False
        if self.model.kb.findings[fid].derived_from:
            return False
        parent = self.model.parent_of[fid]
        return parent is None or self.known.get(parent) is True

    def _mandatory(self) -> list[str]:
        out: list[str] = []
        for screen in self.model.kb.screens:
            if self.known.get(screen.trigger) is True:
                out.extend(f for f in screen.ask if self._eligible(f) and f not in out)
        return out

    def _gains(
        self, fids: list[str], pi: FloatArray, active: npt.NDArray[np.intp]
    ) -> dict[str, float]:
        pa = pi[active]
        pa = pa / pa.sum()
        h0 = float(-(pa * np.log(pa + 1e-300)).sum())
        gains: dict[str, float] = {}
        booleans = [f for f in fids if f not in self.model.options]
        if booleans:
            rows = np.array([self.model.finding_index[f] for f in booleans])
            p = self.model.present[rows][:, active]
            jy = p * pa
            jn = (1.0 - p) * pa
            py = jy.sum(axis=1)
            pn = jn.sum(axis=1)
            eh = (
                -(jy * np.log(jy + 1e-300)).sum(axis=1)
                + py * np.log(py + 1e-300)
                - (jn * np.log(jn + 1e-300)).sum(axis=1)
                + pn * np.log(pn + 1e-300)
            )
            gains.update(zip(booleans, (h0 - eh).tolist(), strict=True))
        for f in fids:
            table = self.model.options.get(f)
            if table is None:
                continue
            t = table.probs[:, active]
            if table.multi:
                t = t / t.sum(axis=0, keepdims=True)
            j = t * pa
            pk = j.sum(axis=1)
            eh_opt = float(-(j * np.log(j + 1e-300)).sum() + (pk * np.log(pk + 1e-300)).sum())
            gains[f] = h0 - eh_opt
        return gains

    def next_question(self) -> Question | None:
        """The next question, or None when the interview should end."""
        if self.pending is not None:
            return self.pending
        if self.finished or self.questions_asked >= self.max_questions:
            return None
        pi = self.posterior()
        # Only the conditions that still matter enter the gain computation (speed).
        order = np.argsort(-pi, kind="stable")[:MAX_ACTIVE]
        active = order[pi[order] > ACTIVE_FLOOR]
        mandatory = self._mandatory()
        known, asked, parent_of = self.known, self.asked, self.model.parent_of
        candidates = [
            f
            for f in self.model.askable
            if f not in asked
            and f not in known
            and (parent_of[f] is None or known.get(parent_of[f] or "") is True)
        ]
        if not candidates:
            return None
        gains = self._gains(candidates, pi, active)
        if mandatory:
            best = max(mandatory, key=lambda f: (gains.get(f, 0.0), f))
            return self._ask(best, mandatory=True)
        top = float(pi.max())
        best = max(candidates, key=lambda f: (gains[f], f))
        if top >= STOP_PROBABILITY or gains[best] < MIN_GAIN:
            return None
        if self.last_parent is not None:
            siblings = [
                f for f in candidates if self.model.kb.findings[f].parent == self.last_parent
            ]
            if siblings:
                sib = max(siblings, key=lambda f: (gains[f], f))
                if gains[sib] >= GROUP_KEEP * gains[best]:
                    best = sib
        return self._ask(best, mandatory=False)

    def _ask(self, fid: str, mandatory: bool) -> Question:
        finding = self.model.kb.findings[fid]
        self.questions_asked += 1
        options: tuple[tuple[str, str], ...] = ()
        if finding.kind in ("choice", "multi"):
            options = tuple((o.code, o.name.get(self.lang)) for o in finding.options)
        q = Question(
            id=f"q{self.questions_asked}",
            finding=fid,
            kind=finding.kind,
            text=finding.question.get(self.lang),
            codes=tuple(finding.codes),
            options=options,
            min=finding.min if finding.kind == "scale" else None,
            max=finding.max if finding.kind == "scale" else None,
            mandatory=mandatory,
        )
        self.pending = q
        return q

    # ------------------------------------------------------------------ answers
    def answer(self, qid: str, ans: AnswerInput) -> None:
        """Apply the answer to the pending question. Raises ValueError for a wrong id."""
        q = self.pending
        if q is None or q.id != qid:
            raise ValueError(f"no open question with id {qid!r}")
        self.pending = None
        self.asked.add(q.finding)
        verbatim = _verbatim(ans)
        self.records.append(Record(question=q, answer=ans, verbatim=verbatim))
        fid = q.finding
        finding = self.model.kb.findings[fid]
        if ans.unknown:
            return
        if ans.message is not None:
            u = understand(ans.message)
            self._apply_understanding(u)
            if fid not in self.known and finding.kind == "boolean":
                yn = yes_no(ans.message)
                if yn is not None:
                    self._set_present(fid, yn)
            if finding.kind == "scale":
                num = _first_number(ans.message)
                if num is not None:
                    self._set_scale(fid, num)
            if finding.kind in ("choice", "multi"):
                # Options named in the free text ("胸口和左肩", "sharp"), longest names first so
                # that 左肩 is not also read as 肩.
                text = ans.message.lower()
                picked: list[str] = []
                named = sorted(
                    ((o.code, n.lower()) for o in finding.options for n in (o.name.zh, o.name.en)),
                    key=lambda x: -len(x[1]),
                )
                for code, name in named:
                    if len(name) >= 2 and name in text and code not in picked:
                        picked.append(code)
                        text = text.replace(name, " ")
                if picked:
                    self._set_values(fid, tuple(picked))
            return
        if finding.kind == "boolean":
            if ans.present is not None:
                self._set_present(fid, ans.present)
            elif ans.values is not None:
                self._set_present(fid, bool(ans.values))
            elif ans.value is not None:
                self._set_present(fid, ans.value != 0)
            if finding.kind == "boolean" and self.known.get(fid) is True:
                self.last_parent = fid
            return
        if ans.present is not None:
            if not ans.present and finding.default is not None:
                default = finding.default
                if finding.kind == "scale" and isinstance(default, int):
                    self._set_scale(fid, float(default))
                else:
                    self._set_values(fid, (str(default),))
            return
        if finding.kind == "scale":
            if ans.value is not None:
                self._set_scale(fid, ans.value)
            elif ans.values:
                num = _first_number(ans.values[0])
                if num is not None:
                    self._set_scale(fid, num)
            return
        if ans.values is not None:
            self._set_values(fid, tuple(ans.values))
        elif ans.value is not None:
            # A number for a choice question: take it as the option's position (1-based).
            idx = int(ans.value) - 1
            if 0 <= idx < len(finding.options):
                self._set_values(fid, (finding.options[idx].code,))

    def _set_scale(self, fid: str, value: float) -> None:
        table = self.model.options[fid]
        lo, hi = int(table.codes[0]), int(table.codes[-1])
        v = min(max(round(value), lo), hi)
        self._set_values(fid, (str(v),))

    def finish(self) -> None:
        self.finished = True
        self.pending = None


def _first_number(text: str) -> float | None:
    import re

    m = re.search(r"-?\d+(?:\.\d+)?", text)
    return float(m.group(0)) if m else None


def _verbatim(ans: AnswerInput) -> str:
    if ans.message is not None:
        return ans.message
    if ans.unknown:
        return "unknown"
    if ans.present is not None:
        return "yes" if ans.present else "no"
    if ans.values is not None:
        return ", ".join(ans.values)
    return str(ans.value)


__all__ = ["DEFAULT_MAX_QUESTIONS", "AnswerInput", "Interview", "Question", "Record"]
