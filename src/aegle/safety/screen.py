"""The rule-based safety screen: crisis and emergency language in free text, zh and en.

Deterministic by construction: the same text always gives the same assessment. All patterns of
both languages run on every message whatever the conversation's locale (people mix languages);
the locale only chooses the language of the reply and the hotlines offered.
"""

from __future__ import annotations

import re
import re._constants as sre_constants
import re._parser as sre_parse
from bisect import bisect_right
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from aegle.core.literals import LiteralIndex
from aegle.core.ports import SafetyAssessment, SafetyCategory
from aegle.core.types import Citation, LocaleCode, TriageLevel
from aegle.safety.entries import hotline_citation_id, rule_citation_id
from aegle.safety.knowledge import (
    KNOWLEDGE_DIR,
    Rule,
    SafetyKnowledge,
    Term,
    compile_pattern,
    load_files,
)
from aegle.safety.ngram import NgramModel
from aegle.safety.normalize import normalize

_LATIN = re.compile(r"[a-z0-9']+")
_REACH = 120
_CJK = re.compile(r"[\u3400-\u9fff]")
# Sentence ends for rules with `scope: sentence` (a full stop inside a number is not one).
_SENTENCE_END = re.compile(r"[。!?;\n…]|\.(?![0-9])")


@dataclass(frozen=True, slots=True)
class TermHit:
    term_id: str
    start: int
    end: int
    text: str


@dataclass(frozen=True, slots=True)
class _CompiledTerm:
    term: Term
    patterns: tuple[tuple[Literal["zh", "en"], re.Pattern[str]], ...]
    exceptions: tuple[re.Pattern[str], ...]


def _alternation(patterns: Sequence[str], lang: Literal["zh", "en"]) -> re.Pattern[str]:
    return compile_pattern("|".join(f"(?:{p})" for p in patterns), lang)


class _Negator:
    """Decides whether a hit is negated, NegEx style, inside its clause."""

    def __init__(self, knowledge: SafetyKnowledge) -> None:
        neg = knowledge.negation
        self._zh_cue = _alternation(neg.zh_cues, "zh")
        self._zh_pseudo = _alternation(neg.zh_pseudo, "zh")
        self._zh_post = re.compile(r"^\s*[:=]\s*(?:" + "|".join(neg.zh_post) + ")")
        self._zh_window = neg.zh_window
        self._en_cue = _alternation(neg.en_cues, "en")
        self._en_pseudo = _alternation(neg.en_pseudo, "en")
        self._en_post = re.compile(r"^\s*[:=]\s*(?:" + "|".join(neg.en_post) + r")(?![a-z])")
        self._en_window = neg.en_window
        self._list_close = re.compile(r"(?<![a-z])(?:or|nor)(?![a-z])")
        # Chinese clause words are matched anywhere, English ones as whole words.
        zh_breaks = [b for b in neg.clause_breaks if not b.isascii()]
        en_breaks = [b for b in neg.clause_breaks if b.isascii()]
        parts = [r"[,.;!?。\n…~]"]
        if zh_breaks:
            parts.append("|".join(zh_breaks))
        if en_breaks:
            parts.append(r"(?<![a-z])(?:" + "|".join(en_breaks) + r")(?![a-z])")
        self._break = re.compile("|".join(parts))
        self._zh_hypo = _alternation(neg.zh_hypothetical, "zh") if neg.zh_hypothetical else None
        self._en_hypo = _alternation(neg.en_hypothetical, "en") if neg.en_hypothetical else None
        self._zh_hypo_window = neg.hypothetical_zh_window
        self.crisis_zh_window = neg.crisis_zh_window
        history = [*neg.zh_historical, *(rf"(?<![a-z]){p}(?![a-z])" for p in neg.en_historical)]
        self._history = _alternation(history, "zh") if history else None
        self._en_hypo_window = neg.hypothetical_en_window

    def clause_bounds(self, text: str, start: int, end: int) -> tuple[int, int]:
        """The clause around a hit, looking at most _REACH characters either side (the
        negation windows are far smaller; the bound keeps long messages linear)."""
        left = max(0, start - _REACH)
        for match in self._break.finditer(text, left, start):
            left = match.end()
        right = min(len(text), end + _REACH)
        after = self._break.search(text, end, right)
        return left, after.start() if after else right

    def negated(
        self,
        text: str,
        start: int,
        end: int,
        lang: Literal["zh", "en"],
        zh_window: int | None = None,
    ) -> bool:
        left, right = self.clause_bounds(text, start, end)
        before, after = text[left:start], text[end:right]
        if lang == "zh":
            width = zh_window if zh_window is not None else self._zh_window
            window = self._zh_pseudo.sub(" ", before)[-width:]
            # An English cue right before a Chinese term ("no 胸痛") also counts.
            return bool(
                self._zh_cue.search(window)
                or self._en_cue.search(self._last_words(before))
                or self._zh_post.search(after)
            )
        window = self._last_words(self._en_pseudo.sub(" ", before))
        return bool(
            self._en_cue.search(window)
            or self._zh_cue.search(before[-self._zh_window :])
            or self._en_post.search(after)
            or self._negated_list(text, left, start, right)
        )

    def _negated_list(self, text: str, left: int, start: int, right: int) -> bool:
        """NegEx scope over a closed comma list: in "denies fever, chest pain or shortness of
        breath" the cue covers every item. Only when the hit's clause closes the list with
        "or"/"nor" and every item is short, so "no fever, crushing chest pain" stays affirmed."""
        clause = text[left:right]
        if not self._list_close.search(clause) or len(_LATIN.findall(text[left:start])) > 4:
            return False
        position = left
        for _ in range(4):
            if position == 0 or text[position - 1] != ",":
                return False
            item_start = max(text.rfind(mark, 0, position - 1) for mark in ",.;!?。\n") + 1
            words = _LATIN.findall(self._en_pseudo.sub(" ", text[item_start : position - 1]))
            if not words or len(words) > 5:
                return False
            # The cue must introduce an item ("denies fever"), not stand alone ("No, ...").
            if len(words) > 1 and self._en_cue.search(" ".join(words[:-1])):
                return True
            position = item_start
        return False

    def hypothetical(self, text: str, start: int, end: int) -> bool:
        """A hypothetical or informational cue ("如果", "what to do if") earlier in the clause,
        or a historical one ("去年", "years ago") anywhere in it."""
        left, right = self.clause_bounds(text, start, end)
        if self._history is not None and self._history.search(text, left, right):
            return True
        before = text[left:start]
        if self._zh_hypo is not None and self._zh_hypo.search(before[-self._zh_hypo_window :]):
            return True
        if self._en_hypo is None:
            return False
        words = " ".join(_LATIN.findall(before)[-self._en_hypo_window :])
        return bool(self._en_hypo.search(words))

    def _last_words(self, text: str) -> str:
        return " ".join(_LATIN.findall(text)[-self._en_window :])


class RuleSafetyScreen:
    """SafetyScreen over the YAML rules. Build once (compiles every pattern), share freely."""

    def __init__(self, knowledge: SafetyKnowledge, *, prefilter: bool = True) -> None:
        """`prefilter=False` searches every term's regex on every message (slow; it exists to
        prove the literal prefilter and the rule pruning never change a result)."""
        self.knowledge = knowledge
        self._prefilter = prefilter
        self._terms = tuple(
            _CompiledTerm(
                term=term,
                patterns=(
                    *(("zh", compile_pattern(p, "zh")) for p in term.zh),
                    *(("en", compile_pattern(p, "en")) for p in term.en),
                ),
                exceptions=tuple(
                    compile_pattern(p, "zh" if _CJK.search(p) else "en") for p in term.exceptions
                ),
            )
            for term in knowledge.terms
        )
        # Every pattern of every term, numbered; each has the strings one of which any of its
        # matches contains (None: unknown). One scan for all those strings (LiteralIndex)
        # tells which patterns can match a message, so only those are run.
        self._pattern_term = tuple(i for i, t in enumerate(self._terms) for _ in t.patterns)
        self._pattern_slot = tuple(k for t in self._terms for k in range(len(t.patterns)))
        literal_sets = [required_literals(p) for t in self._terms for _, p in t.patterns]
        self._literal_index = LiteralIndex(
            {i: literals for i, literals in enumerate(literal_sets) if literals}
        )
        self._always = frozenset(
            i for i, literals in enumerate(literal_sets) if literals is None or not prefilter
        )
        self._rule_terms = tuple(
            (rule, frozenset(t for group in rule.groups for t in group)) for rule in knowledge.rules
        )
        self._negator = _Negator(knowledge)
        # Hypothetical cues only void evidence for emergencies: "what if I killed myself" and
        # "万一他想不开" still deserve the crisis reply.
        crisis_terms = {
            t for r in knowledge.rules if r.category == "crisis" for g in r.groups for t in g
        }
        self._crisis_zh_window = self._negator.crisis_zh_window
        self._hypothetical_voids = frozenset(
            t.id for t in knowledge.terms if t.id not in crisis_terms
        )
        self._model_rules = tuple(r for r in knowledge.rules if r.model is not None)
        self._ngram = NgramModel.load() if self._model_rules else None
        # What the lexicon has already judged: terms that fire a crisis rule on their own (their
        # raw matches) and the exceptions of every crisis term (declared look-alikes). If one of
        # them matches a message on which no rule fired, a negation or an exception voided it,
        # and the statistical stage must not overrule that ("no thoughts of harming myself").
        alone = {
            t
            for r in knowledge.rules
            if r.category == "crisis" and len(r.groups) == 1 and r.required == 1
            for t in r.groups[0]
        }
        self._judged = tuple(
            pattern
            for compiled in self._terms
            if compiled.term.id in crisis_terms
            for pattern in (
                (*(p for _, p in compiled.patterns), *compiled.exceptions)
                if compiled.term.id in alone
                else compiled.exceptions
            )
        )

    @classmethod
    def load_default(cls, *, prefilter: bool = True) -> RuleSafetyScreen:
        return cls(load_files(KNOWLEDGE_DIR.glob("*.yaml")), prefilter=prefilter)

    # -- matching -----------------------------------------------------------------------------

    def find_terms(self, text: str) -> dict[str, TermHit]:
        """The first affirmed hit of every term present in `text` (already normalised)."""
        return {term_id: hits[0] for term_id, hits in self.find_hits(text).items()}

    def find_hits(
        self, text: str, only: dict[int, list[int]] | None = None
    ) -> dict[str, list[TermHit]]:
        """Every affirmed hit of every term present in `text` (already normalised), by start.

        `only`: term index -> indices of its patterns to run (default: what the prefilter
        allows)."""
        found: dict[str, list[TermHit]] = {}
        if only is None:
            only = self._candidates(text)
        for index in sorted(only):
            compiled = self._terms[index]
            voided: list[list[tuple[int, int]]] = []  # exception spans, computed on first use
            hits: list[TermHit] = []
            for pattern_index in only[index]:
                lang, pattern = compiled.patterns[self._pattern_slot[pattern_index]]
                hits.extend(self._affirmed(text, compiled, lang, pattern, voided))
            if hits:
                found[compiled.term.id] = sorted(hits, key=lambda h: (h.start, h.end))
        return found

    def _affirmed(
        self,
        text: str,
        compiled: _CompiledTerm,
        lang: Literal["zh", "en"],
        pattern: re.Pattern[str],
        voided: list[list[tuple[int, int]]],
    ) -> Iterator[TermHit]:
        term = compiled.term
        for match in pattern.finditer(text):
            start, end = match.span()
            if end == start:
                continue
            if not voided:
                voided.append([m.span() for ex in compiled.exceptions for m in ex.finditer(text)])
            if any(start < v_end and v_start < end for v_start, v_end in voided[0]):
                continue
            # Crisis evidence is only negated by a cue right before it (我没想自杀), not by a
            # 不 further back in the clause (要是我不回去他就跳下来).
            zh_window = None if term.id in self._hypothetical_voids else self._crisis_zh_window
            if term.negatable and self._negator.negated(text, start, end, lang, zh_window):
                continue
            if term.id in self._hypothetical_voids and self._negator.hypothetical(text, start, end):
                continue
            yield TermHit(term.id, start, end, match.group(0))

    def _candidates(self, text: str) -> dict[int, list[int]]:
        """Patterns that may match, by term: those whose required strings occur in `text`, and
        those without any."""
        by_term: dict[int, list[int]] = {}
        for pattern_index in sorted(self._literal_index.keys(text) | self._always):
            by_term.setdefault(self._pattern_term[pattern_index], []).append(pattern_index)
        return by_term

    def _needed(self, candidates: dict[int, list[int]]) -> dict[int, list[int]]:
        """The candidate terms some rule could still use: a rule that cannot reach its number
        of groups with the candidates cannot fire, so its terms need no regex search (a wish
        such as 想 or "want" is only searched when a death euphemism may be present too)."""
        present = {self._terms[i].term.id for i in candidates}
        needed: set[str] = set()
        for rule, terms in self._rule_terms:
            usable = terms & present
            if not usable:
                continue
            groups = sum(1 for group in rule.groups if not usable.isdisjoint(group))
            if groups >= rule.required:
                needed |= usable
        return {i: p for i, p in candidates.items() if self._terms[i].term.id in needed}

    def fired_rules(self, text: str) -> list[tuple[Rule, list[TermHit]]]:
        """Rules whose groups are satisfied, in knowledge order, with their evidence."""
        normal = normalize(text)
        candidates = self._candidates(normal)
        hits = self.find_hits(normal, self._needed(candidates) if self._prefilter else candidates)
        sentences: list[int] | None = None
        fired: list[tuple[Rule, list[TermHit]]] = []
        present = hits.keys()
        for rule, terms in self._rule_terms:
            if present.isdisjoint(terms):
                continue
            if rule.scope == "sentence":
                if sentences is None:
                    sentences = [m.end() for m in _SENTENCE_END.finditer(normal)]
                evidence = _sentence_evidence(rule, hits, sentences)
            else:
                evidence = [
                    next(hits[t][0] for t in group if t in hits)
                    for group in rule.groups
                    if any(t in hits for t in group)
                ]
            if len(evidence) >= rule.required:
                fired.append((rule, evidence))
        if (
            not fired
            and self._ngram is not None
            and self._ngram.is_crisis(normal)
            and not any(pattern.search(normal) for pattern in self._judged)
        ):
            # Second stage: only adds an alarm where no rule fired (see ngram.py).
            hit = TermHit("crisis_ngrams", 0, len(normal), normal[:80])
            fired.extend((rule, [hit]) for rule in self._model_rules)
        return fired

    # -- the port ------------------------------------------------------------------------------

    def screen(self, text: str, locale: LocaleCode) -> SafetyAssessment:
        rules = [rule for rule, _ in self.fired_rules(text)]
        if not rules:
            return SafetyAssessment()
        crisis = [r for r in rules if r.category == "crisis"]
        emergency = [r for r in rules if r.category == "emergency"]
        category: SafetyCategory = "crisis" if crisis else "emergency"
        # Crisis rules come first in the reply; emergencies keep their urgency ordering.
        ordered = sorted(crisis, key=lambda r: r.level.rank) + sorted(
            emergency, key=lambda r: r.level.rank
        )
        level = TriageLevel.most_urgent([r.level for r in rules])
        assert level is not None  # rules is not empty
        responses = self.knowledge.response_by_id
        sections: list[str] = []
        calls: list[str] = []
        if crisis:
            sections.append(responses["crisis"].text.get(locale))
            calls.extend(responses["crisis"].calls(locale))
        if emergency or level is TriageLevel.EMERGENCY_AMBULANCE:
            key = "emergency_ambulance" if level is TriageLevel.EMERGENCY_AMBULANCE else "emergency"
            sections.append(responses[key].text.get(locale))
            offered = list(responses[key].calls(locale))
            # A medical emergency on top of a crisis: the ambulance number goes first.
            calls = [*offered, *calls] if key == "emergency_ambulance" else [*calls, *offered]
        regions = ("CN",) if locale == "zh-CN" else ("US", "INTL")
        calls.extend(
            h for r in ordered for h in r.calls if self.knowledge.hotline_by_id[h].region in regions
        )
        advice = _unique(r.advice.get(locale) for r in ordered if r.advice is not None)
        if advice:
            sections.append("\n".join(f"• {line}" for line in advice))
        sections.append(responses["not_a_doctor"].text.get(locale))
        return SafetyAssessment(
            category=category,
            level=level,
            rule_ids=tuple(r.id for r in ordered),
            message="\n\n".join(sections),
            reasons=tuple(_unique(r.reason.get(locale) for r in ordered)),
            call_numbers=tuple(_unique(self.knowledge.hotline_by_id[h].number for h in calls)),
            citations=self._citations(ordered, _unique(calls)),
        )

    def _citations(self, ordered: Sequence[Rule], hotlines: Sequence[str]) -> tuple[Citation, ...]:
        citations: list[Citation] = []
        seen: set[str] = set()
        for rule in ordered:
            for index, source in enumerate(rule.sources):
                key = f"{source.publisher}|{source.title}|{source.section}"
                if key in seen:
                    continue
                seen.add(key)
                citations.append(Citation.from_source(rule_citation_id(rule.id, index), source))
        for hotline_id in hotlines:
            source = self.knowledge.hotline_by_id[hotline_id].source
            citations.append(Citation.from_source(hotline_citation_id(hotline_id), source))
        return tuple(citations)


def _sentence_evidence(
    rule: Rule, hits: dict[str, list[TermHit]], sentence_ends: list[int]
) -> list[TermHit]:
    """Evidence for a sentence-scoped rule: the sentence with the most satisfied groups (the
    first such sentence on a tie), one hit per satisfied group from that sentence."""
    per_sentence: dict[int, dict[int, TermHit]] = {}
    for group_index, group in enumerate(rule.groups):
        for term_id in group:
            for hit in hits.get(term_id, ()):
                sentence = bisect_right(sentence_ends, hit.start)
                per_sentence.setdefault(sentence, {}).setdefault(group_index, hit)
    if not per_sentence:
        return []
    best = max(sorted(per_sentence), key=lambda s: len(per_sentence[s]))
    chosen = per_sentence[best]
    return [chosen[g] for g in sorted(chosen)]


def required_literals(pattern: re.Pattern[str]) -> frozenset[str] | None:
    """Strings one of which any match of `pattern` contains, or None when unknown.

    Read from the parsed pattern: runs of literal characters (zero-width assertions don't break
    a run), alternations (one required string per branch), groups and repeats of at least one.
    """
    if pattern.flags & re.IGNORECASE:
        return None
    return _required(list(sre_parse.parse(pattern.pattern)))


def _required(items: list[tuple[Any, Any]]) -> frozenset[str] | None:
    candidates: list[frozenset[str]] = []
    run: list[str] = []

    def flush() -> None:
        if run:
            candidates.append(frozenset({"".join(run)}))
            run.clear()

    for op, arg in items:
        if op is sre_constants.LITERAL:
            run.append(chr(arg))
            continue
        if op in (sre_constants.AT, sre_constants.ASSERT, sre_constants.ASSERT_NOT):
            continue  # zero-width: the characters around it are still adjacent
        flush()
        sub: frozenset[str] | None = None
        if op is sre_constants.BRANCH:
            branches = [_required(list(branch)) for branch in arg[1]]
            if all(branch is not None for branch in branches):
                sub = frozenset().union(*(b for b in branches if b is not None))
        elif op is sre_constants.SUBPATTERN:
            _, add_flags, _, body = arg
            if not add_flags & re.IGNORECASE:
                sub = _required(list(body))
        elif op in (sre_constants.MAX_REPEAT, sre_constants.MIN_REPEAT) and arg[0] >= 1:
            sub = _required(list(arg[2]))
        if sub:
            candidates.append(sub)
    flush()
    if not candidates:
        return None
    return max(candidates, key=lambda options: min(len(option) for option in options))


def _unique(values: Iterable[str]) -> list[str]:
    out: list[str] = []
    for value in values:
        if value not in out:
            out.append(value)
    return out


def load_default() -> RuleSafetyScreen:
    """The screen over the knowledge shipped with Aegle."""
    return RuleSafetyScreen.load_default()
