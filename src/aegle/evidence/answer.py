"""Extractive cited answers: every sentence is a quotation from a retrieved passage with its id.
Below the evidence threshold the answer abstains and says what to do instead."""

from __future__ import annotations

from pydantic import Field

from aegle.core.types import Frozen, LocaleCode, LocalizedText
from aegle.evidence.model import Passage
from aegle.evidence.retrieve import Hit, Query, Retriever
from aegle.evidence.text import split_sentences, tokenize

MIN_COVERAGE = 0.45
SHORT_QUESTION_COVERAGE = 0.75
MAX_SENTENCES = 4
CANDIDATE_PASSAGES = 6

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


class Answerer:
    def __init__(self, retriever: Retriever, *, min_coverage: float = MIN_COVERAGE) -> None:
        self.retriever = retriever
        self.min_coverage = min_coverage

    def evidence(self, question: str, lang: LocaleCode) -> tuple[Query, list[Hit]]:
        """Hits good enough to answer from, the asker's language first when it has any."""
        query = self.retriever.parse(question)
        # With one or two words and no medical term ("fix my car"), half of them is no
        # evidence of the topic.
        short = len(set(query.terms)) <= 2 and not query.key_terms
        needed = SHORT_QUESTION_COVERAGE if short else self.min_coverage
        hits = [
            h
            for h in self.retriever.search(question, lang=lang, k=CANDIDATE_PASSAGES * 2)
            if h.coverage >= needed or h.focused
        ]
        same = [h for h in hits if h.passage.lang == lang]
        other = [h for h in hits if h.passage.lang != lang]
        return query, (same or other)[:CANDIDATE_PASSAGES]

    def answer(self, question: str, lang: LocaleCode) -> Answer:
        if not self.retriever.parse(question).terms:  # empty, punctuation or filler words only
            return abstention(lang, empty=True)
        query, hits = self.evidence(question, lang)
        if not hits:
            return abstention(lang)
        weights = {t: self.retriever.bm25.term_idf(t) for t in query.expanded}
        top = hits[0].score
        scored: list[tuple[float, int, int, str, str]] = []
        for rank, hit in enumerate(hits):
            if hit.score < 0.6 * top:
                continue  # stay on the topic the best evidence is about
            heading = set(tokenize(" ".join((hit.passage.title, *hit.passage.section_path))))
            for pos, sentence in enumerate(split_sentences(hit.passage.text)):
                terms = set(tokenize(sentence))
                own = sum(w for t, w in weights.items() if t in terms)
                # A sentence under a heading that matches the question inherits part of it.
                inherited = sum(w for t, w in weights.items() if t in heading and t not in terms)
                if own + inherited <= 0:
                    continue
                value = (own + 0.6 * inherited) * (hit.score / top) * (1.1 if pos == 0 else 1.0)
                scored.append((value, rank, pos, sentence, hit.passage.id))
        if not scored:
            return abstention(lang)
        scored.sort(key=lambda s: -s[0])
        best = scored[0][0]
        chosen: list[tuple[float, int, int, str, str]] = []
        per_passage: dict[str, int] = {}
        for item in scored:
            if item[0] < 0.5 * best or len(chosen) >= MAX_SENTENCES:
                break
            if per_passage.get(item[4], 0) >= 3 or any(c[3] == item[3] for c in chosen):
                continue
            per_passage[item[4]] = per_passage.get(item[4], 0) + 1
            chosen.append(item)
        chosen.sort(key=lambda c: (c[1], c[2]))
        sentences = [AnswerSentence(text=c[3], citations=(c[4],)) for c in chosen]
        return compose(sentences, {h.passage.id: h.passage for h in hits}, lang)
