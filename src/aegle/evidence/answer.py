"""Extractive cited answers: every sentence is a quotation from a retrieved passage with its id.
Below the evidence threshold the answer abstains and says what to do instead."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from pydantic import Field

from aegle.core.types import Frozen, LocaleCode, LocalizedText
from aegle.evidence.dense import DenseIndex, Embedder, Vector
from aegle.evidence.model import Passage
from aegle.evidence.retrieve import Hit, Query, Retriever
from aegle.evidence.text import split_sentences, tokenize

MIN_COVERAGE = 0.45
SHORT_QUESTION_COVERAGE = 0.75
CANDIDATE_PASSAGES = 6
# Sentence selection (docs/evidence.md, "Answers"). Chosen on the question set with a reader-free
# proxy, then hand-checked on samples drawn afterwards.
MIN_RELEVANCE = 0.3  # relevance a quoted sentence needs (0..1)
LEXICAL_SHARE = 0.5  # relevance = this x lexical + the rest x closeness in meaning
MEANING_BAND = 0.06  # cosine below the closest candidate at which closeness reaches 0
HEADING_SHARE = 0.5  # what only a sentence's heading says counts this much
OTHER_PAGE = 0.75  # value factor for a sentence of another page than the lead page
LEAD_SHARE = 0.8  # the lead page ranks within this share of the best hit's score
KEEP_SHARE = 0.85  # quoted: within this share of the best sentence's value
UNSEEN = 1.5  # x the highest IDF: the weight retrieval's coverage gives an unseen word
MAX_SENTENCES = 3
MAX_PER_PASSAGE = 2
_CJK = re.compile(r"[\u3400-\u9fff]")

ABSTAIN = LocalizedText(
    zh=(
        "Aegle 的证据库里没有找到能回答这个问题的可靠资料，所以不做猜测。"
        "建议向医生或药师咨询；如果症状严重或突然加重，请立即拨打 120 或前往急诊。"
    ),
    en=(
        "Aegle's evidence library has no reliable source that answers this, so it will not guess. "
        "Please ask a doctor or pharmacist; if symptoms are severe or getting worse quickly, "
        "call your local emergency number (120 in China, 911 in the US) or go to an emergency "
        "department."
    ),
)
EMPTY = LocalizedText(zh="请输入一个问题。", en="Please type a question.")


class AnswerSentence(Frozen):
    text: str
    citations: tuple[str, ...] = Field(min_length=1)


class CitedSource(Frozen):
    id: str
    title: str
    source: str
    passage: str
    section: str
    lang: LocaleCode
    url: str | None = None
    licence: str


class Answer(Frozen):
    answer: str
    sentences: tuple[AnswerSentence, ...]
    citations: tuple[CitedSource, ...]
    abstained: bool
    lang: LocaleCode


def cite(passage: Passage) -> CitedSource:
    url = passage.url or next((s.url for s in passage.sources if s.url), None)
    return CitedSource(
        id=passage.id,
        title=passage.title,
        source=passage.source_label,
        passage=passage.text,
        section=" / ".join(passage.section_path),
        lang=passage.lang,
        url=url,
        licence=passage.licence,
    )


def abstention(lang: LocaleCode, *, empty: bool = False) -> Answer:
    text = (EMPTY if empty else ABSTAIN).get(lang)
    return Answer(answer=text, sentences=(), citations=(), abstained=True, lang=lang)


def compose(
    sentences: list[AnswerSentence], passages: dict[str, Passage], lang: LocaleCode
) -> Answer:
    """Number the cited passages in order of first use and render `text [n]` lines."""
    order: list[str] = []
    for s in sentences:
        for cid in s.citations:
            if cid not in order:
                order.append(cid)
    joiner = "" if lang == "zh-CN" else " "
    rendered = joiner.join(
        f"{s.text} " + "".join(f"[{order.index(c) + 1}]" for c in s.citations) for s in sentences
    )
    return Answer(
        answer=rendered.strip(),
        sentences=tuple(sentences),
        citations=tuple(cite(passages[c]) for c in order),
        abstained=not sentences,
        lang=lang,
    )


@dataclass(frozen=True)
class Concept:
    """One thing the question asks about: a glossary term (any of its names, both languages)
    or one of the question's own words."""

    forms: tuple[tuple[str, ...], ...]
    """Index terms of each name; a name is present when all its terms are."""
    substrings: tuple[str, ...]
    """Chinese names (or a lone Chinese character of the question), also matched inside words:
    the segmenter may cut them differently."""
    phrases: tuple[re.Pattern[str], ...]
    """English names as words, including those made only of stop words ("what to do")."""
    weight: float
    bridged: bool
    """Has names in both languages, so it can be found in a passage of the other language."""

    def in_text(self, terms: set[str], lowered: str) -> bool:
        return (
            any(all(_has(terms, t) for t in form) for form in self.forms)
            or any(z in lowered for z in self.substrings)
            or any(p.search(lowered) for p in self.phrases)
        )


def _has(terms: set[str], term: str) -> bool:
    """The term, or for an English word of 4+ letters a longer word it begins ("treat" in
    "treatment", "symptom" in "symptomatic"): light morphology beyond the tokenizer's folding."""
    if term in terms:
        return True
    return len(term) >= 4 and term.isascii() and any(t.startswith(term) for t in terms)


@dataclass(frozen=True)
class Candidate:
    lexical: float
    """IDF-weighted share of the question's aspect this sentence (or half, its heading) says."""
    meaning: float | None
    """Cosine similarity of the sentence and question embeddings, when they exist."""
    prior: float
    """How well its passage ranked, relative to the best."""
    best_page: bool
    """From the lead page (a sentence of another page only mentions the topic)."""
    pos: int
    text: str
    passage_id: str
    terms: frozenset[str]


class SentenceVectors:
    """Embeddings of every sentence of the corpus (cached on disk like the passage vectors), so
    a sentence can be compared with the question by meaning, not only by shared words."""

    def __init__(self, embedder: Embedder, passages: Iterable[Passage], cache: Path | None):
        texts = list(dict.fromkeys(s for p in passages for s in split_sentences(p.text)))
        self.row = {t: i for i, t in enumerate(texts)}
        self.index = DenseIndex(embedder, texts, cache)

    def similarity(self, sentence: str, vector: Vector) -> float | None:
        row = self.row.get(sentence)
        return float(self.index.matrix[row] @ vector) if row is not None else None


@dataclass(frozen=True)
class _Line:
    """A sentence of a retrieved passage, tokenised once."""

    group: int
    hit: Hit
    pos: int
    text: str
    terms: set[str]
    heading: str
    heading_terms: set[str]
    other_language: bool


class Answerer:
    def __init__(self, retriever: Retriever, *, min_coverage: float = MIN_COVERAGE) -> None:
        self.retriever = retriever
        self.min_coverage = min_coverage
        # Attached with the passage vectors (EvidenceService.index_vectors); until then
        # sentences are chosen by the words they share with the question.
        self.sentences: SentenceVectors | None = None

    def evidence(
        self,
        question: str,
        lang: LocaleCode,
        vector: Vector | None = None,
        query: Query | None = None,
    ) -> tuple[Query, list[Hit]]:
        """Hits good enough to answer from, the asker's language first when it has any."""
        query = query or self.retriever.parse(question)
        # With one or two words and no medical term ("fix my car"), half of them is no
        # evidence of the topic.
        short = len(set(query.terms)) <= 2 and not query.key_terms
        needed = SHORT_QUESTION_COVERAGE if short else self.min_coverage
        hits = [
            h
            for h in self.retriever.search(
                question, lang=lang, k=CANDIDATE_PASSAGES * 2, vector=vector, query=query
            )
            if h.coverage >= needed or h.focused
        ]
        same = [h for h in hits if h.passage.lang == lang]
        other = [h for h in hits if h.passage.lang != lang]
        return query, (same or other)[:CANDIDATE_PASSAGES]

    def concepts(self, query: Query) -> list[Concept]:
        """The question's glossary terms and its remaining words, each weighted by IDF (a lone
        Chinese character, often colloquial filler like 吃 or 多, weighs half)."""
        idf = self.retriever.bm25.idf
        own = dict.fromkeys(query.terms)
        out: list[Concept] = []
        covered: set[str] = set()
        # A glossary name found only inside a longer one is not asked about (痛 in 扑热息痛):
        # names are taken longest first and blanked out of the question once found.
        rest = query.text.lower()
        glossary = sorted(
            zip(query.key_terms, query.key_tokens, strict=True),
            key=lambda nt: -max(len(n) for n in nt[0] if n in rest),
        )
        for names, tokens in glossary:
            inside = [n for n in names if n in rest]
            if not inside:
                continue
            for n in inside:
                rest = rest.replace(n, " ")
            # Weighted by the question's own words, else (a Chinese question against English
            # pages) by its names in the other language.
            known = [idf[t] for t in own if t in tokens and t in idf] or [
                idf[t] for t in tokens if t in idf
            ]
            if not known:
                continue
            covered.update(tokens)
            out.append(
                Concept(
                    forms=tuple(f for f in (tuple(tokenize(n)) for n in names) if f),
                    substrings=tuple(n for n in names if not n.isascii()),
                    phrases=tuple(re.compile(r"\b" + re.escape(n)) for n in names if n.isascii()),
                    weight=max(known),
                    bridged=True,
                )
            )
        for term in own:
            if term in covered:
                continue
            # A word the corpus has never seen can be in no sentence; it still counts (as in
            # retrieval's coverage) where the question's weightiest concept must be quoted.
            weight = idf.get(term, UNSEEN * self.retriever.bm25.max_idf)
            weight *= 0.5 if len(term) == 1 else 1.0
            # A lone Chinese character is said inside longer words too (治 in 治疗).
            within = (term,) if len(term) == 1 and _CJK.match(term) else ()
            out.append(
                Concept(
                    forms=((term,),), substrings=within, phrases=(), weight=weight, bridged=False
                )
            )
        return out

    def candidates(
        self,
        question: str,
        hits: list[Hit],
        concepts: list[Concept],
        vector: Vector | None = None,
    ) -> list[Candidate]:
        """Every on-topic sentence of the hits, with how much of what the question asks about
        its topic it says. The topic is what the lead page's title names (抗凝药 in
        "吃抗凝药牙龈出血"): a sentence is on topic when its page is about it or the sentence
        names it. The aspect is the other concepts (牙龈, 出血), counted only where some
        sentence or heading says them (a question word no sentence uses cannot tell sentences
        apart)."""
        top = hits[0].score
        question_zh = bool(_CJK.search(question))
        titled = [(h.passage.title.lower(), set(tokenize(h.passage.title))) for h in hits]
        # The page the answer is about: the best-ranked one whose title names a glossary term
        # of the question (便秘 -> the constipation page, not the iron page that lists it as a
        # side effect) among those ranked close to the best, else the best-ranked one.
        lead = next(
            (
                i
                for i, (title, terms) in enumerate(titled)
                if hits[i].score >= LEAD_SHARE * top
                and any(c.bridged and c.in_text(terms, title) for c in concepts)
            ),
            0,
        )
        lead_doc = hits[lead].passage.doc_id
        topic = [c for c in concepts if c.in_text(titled[lead][1], titled[lead][0])]
        # When the lead page's title names nothing asked, the question's weightiest glossary
        # term (else its weightiest word) stands in for the topic: a sentence must say it
        # ("乙肝能治好吗" is not answered by a sentence on what cures ringworm).
        terms_first = [c for c in concepts if c.bridged] or concepts
        anchor = None if topic or not concepts else max(terms_first, key=lambda c: c.weight)
        rows: list[_Line] = []
        for group, (hit, (title, title_terms)) in enumerate(zip(hits, titled, strict=True)):
            p = hit.passage
            about = any(c.in_text(title_terms, title) for c in topic)
            heading = " ".join(p.section_path).lower()
            heading_terms = set(tokenize(heading))
            other_language = question_zh != (p.lang == "zh-CN")
            for pos, sentence in enumerate(split_sentences(p.text)):
                lowered = sentence.lower()
                terms = set(tokenize(sentence))
                if topic and not about and not any(c.in_text(terms, lowered) for c in topic):
                    continue  # another page's sentence that does not name the topic
                if anchor is not None and not anchor.in_text(terms, lowered):
                    continue
                rows.append(
                    _Line(group, hit, pos, sentence, terms, heading, heading_terms, other_language)
                )
        said = {
            id(c)
            for c in concepts
            if c not in topic
            for r in rows
            if c.in_text(r.terms, r.text.lower()) or c.in_text(r.heading_terms, r.heading)
        }
        aspect = [c for c in concepts if id(c) in said]
        # A question that asks more than the topic its lead page's title names ("甲亢怎么治",
        # "how is dementia diagnosed") is not answered by that page's first sentence (what the
        # topic is) unless that sentence says what is asked, or the page has nothing else.
        lead_passages = self.retriever.library.documents[lead_doc].passages
        definition = (
            (lead_passages[0].id, 0)
            if topic
            and len(topic) < len(concepts)
            and sum(len(split_sentences(p.text)) for p in lead_passages) > 1
            else None
        )
        sentences = self.sentences if vector is not None else None
        out: list[Candidate] = []
        for r in rows:
            group, hit, pos, sentence, terms = r.group, r.hit, r.pos, r.text, r.terms
            lowered, heading, heading_terms = sentence.lower(), r.heading, r.heading_terms
            asked = [c for c in aspect if c.bridged or not r.other_language]
            total = sum(c.weight for c in asked)
            found = sum(c.weight for c in asked if c.in_text(terms, lowered))
            if (hit.passage.id, pos) == definition and not found:
                continue  # the page's opening says what the topic is, not what is asked
            if total:
                # A sentence under a heading that says what is asked inherits part of it.
                inherited = sum(
                    c.weight
                    for c in asked
                    if not c.in_text(terms, lowered) and c.in_text(heading_terms, heading)
                )
                lexical = (found + HEADING_SHARE * inherited) / total
            else:
                # Nothing asked beyond the topic ("what is glaucoma"): any sentence of the best
                # page may answer; meaning (or, without embeddings, its opening) decides.
                lead_page = hit.passage.doc_id == lead_doc
                opening = lead_page and pos < 2 and group == lead
                lexical = 1.0 if opening or (vector is not None and lead_page) else 0.0
            out.append(
                Candidate(
                    lexical=lexical,
                    meaning=(
                        sentences.similarity(sentence, vector)
                        if sentences is not None and vector is not None
                        else None
                    ),
                    prior=(hit.score / top) ** 0.5,
                    best_page=hit.passage.doc_id == lead_doc,
                    pos=pos,
                    text=sentence,
                    passage_id=hit.passage.id,
                    terms=frozenset(terms),
                )
            )
        return out

    def relevance(self, candidates: list[Candidate]) -> list[tuple[float, Candidate]]:
        """(value, candidate) of the sentences relevant enough to quote. With sentence
        embeddings, relevance mixes the lexical share with how close the sentence's meaning is
        to the question, relative to the closest candidate (e5's cosines sit in a narrow band,
        so only differences between sentences of one question mean something)."""
        meanings = [c.meaning for c in candidates if c.meaning is not None]
        best_meaning = max(meanings) if meanings else None
        out: list[tuple[float, Candidate]] = []
        for c in candidates:
            if best_meaning is None or c.meaning is None:
                relevance = c.lexical
            else:
                closeness = max(0.0, 1.0 - (best_meaning - c.meaning) / MEANING_BAND)
                relevance = LEXICAL_SHARE * c.lexical + (1 - LEXICAL_SHARE) * closeness
            if relevance < MIN_RELEVANCE:
                continue
            page = 1.0 if c.best_page else OTHER_PAGE
            out.append((relevance * c.prior * page, c))
        return out

    def answer(self, question: str, lang: LocaleCode) -> Answer:
        query = self.retriever.parse(question)
        if not query.terms:  # empty, punctuation or filler words only
            return abstention(lang, empty=True)
        vector = self.retriever.query_vector(query)
        query, hits = self.evidence(question, lang, vector, query)
        if not hits:
            return abstention(lang)
        scored = self.relevance(self.candidates(question, hits, self.concepts(query), vector))
        if not scored:
            return abstention(lang)
        scored.sort(key=lambda vc: -vc[0])
        best = scored[0][0]
        chosen: list[Candidate] = []
        per_passage: dict[str, int] = {}
        for value, item in scored:
            if value < KEEP_SHARE * best or len(chosen) >= MAX_SENTENCES:
                break
            if per_passage.get(item.passage_id, 0) >= MAX_PER_PASSAGE or any(
                _near_duplicate(item, c) for c in chosen
            ):
                continue
            per_passage[item.passage_id] = per_passage.get(item.passage_id, 0) + 1
            chosen.append(item)
        # Passages in the order of their best sentence, each passage's sentences in its order.
        first: dict[str, int] = {}
        for c in chosen:
            first.setdefault(c.passage_id, len(first))
        chosen.sort(key=lambda c: (first[c.passage_id], c.pos))
        sentences = [AnswerSentence(text=c.text, citations=(c.passage_id,)) for c in chosen]
        return compose(sentences, {h.passage.id: h.passage for h in hits}, lang)


def _near_duplicate(a: Candidate, b: Candidate) -> bool:
    """Two sentences saying nearly the same (pages in two languages, repeated advice)."""
    if a.text == b.text:
        return True
    small, large = sorted((a.terms, b.terms), key=len)
    return bool(small) and len(small & large) / len(small) >= 0.8
