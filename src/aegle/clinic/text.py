"""Understanding a free-text message (zh / en): findings with negation, duration, age and sex.

Deterministic and dictionary-based: every synonym in the knowledge base is a pattern; a match is
negated when a negation cue opens its clause ("没有发烧", "denies chest pain", "No fever, cough");
findings in a family-history part are kept apart from the person's own. Chinese text is segmented
with rjieba, whose dictionary is extended with every Chinese synonym, so that a cue such as 无
is not mistaken for one inside a word (无力).
"""

from __future__ import annotations

import bisect
import re
import unicodedata
from dataclasses import dataclass, field
from functools import cache

from aegle.clinic.knowledge import Knowledge, load_knowledge

MAX_CHARS = 20_000
_CJK = re.compile(r"[\u4e00-\u9fff]")
_EN_CLAUSE_END = re.compile(r"[.;!?\n]|\bbut\b|\bhowever\b|\balthough\b|\bexcept\b")
_ZH_CLAUSE_END = re.compile(r"[，。；！？,.;!?\n]|但是|但|可是|不过")
_EN_NEG = re.compile(
    r"\b(?:no|not|denies|denied|deny|without|negative for|absence of|never|nor|free of|"
    r"doesn't have|does not have|don't have|do not have|didn't|did not|haven't|hasn't|none)\b"
)
_ZH_NEG = re.compile(r"没有|没|无|不|未|否认|并无|不伴|未见|无明显")
_ZH_NOT_NEG = re.compile(r"有没有|是不是|会不会|能不能|要不要|好不好|是否|不知道|不一定|不清楚")
_EN_FAMILY = re.compile(
    r"family history\s*:|\b(?:his|her|my|the patient's)\s+(?:mother|father|brother|sister|"
    r"parents?|grandmother|grandfather|aunt|uncle)\b"
)
_ZH_FAMILY = re.compile(
    r"家族史|家族|父亲|母亲|爸爸|妈妈|爷爷|奶奶|外公|外婆|兄弟|姐妹|哥哥|姐姐|弟弟|妹妹"
)
_EN_HISTORY = re.compile(
    r"(?:medical|past medical|social|physical) history\s*:"
    r"|\bhistory of\b|\bknown\b|\bdiagnosed with\b"
)
_ZH_NUM = {
    "一": 1,
    "二": 2,
    "两": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
    "十": 10,
    "半": 0.5,
    "几": 3,
}
_UNIT_DAYS = {
    "分钟": 1 / 1440,
    "小时": 1 / 24,
    "天": 1,
    "日": 1,
    "周": 7,
    "星期": 7,
    "礼拜": 7,
    "个月": 30,
    "月": 30,
    "年": 365,
    "minute": 1 / 1440,
    "hour": 1 / 24,
    "day": 1,
    "week": 7,
    "month": 30,
    "year": 365,
}


@dataclass(frozen=True)
class Mention:
    finding: str
    present: bool
    text: str
    family: bool = False
    history: bool = False
    complaint: bool = False
    uncertain: bool = False


@dataclass
class Understanding:
    findings: list[Mention] = field(default_factory=list)
    conditions: list[Mention] = field(default_factory=list)
    age: int | None = None
    sex: str | None = None
    duration_days: float | None = None
    duration_text: str | None = None
    language: str = "en"

    def own(self) -> dict[str, bool]:
        """The person's own findings: a later, more specific mention wins; negation is kept."""
        out: dict[str, bool] = {}
        for m in self.findings:
            if m.family:
                continue
            out[m.finding] = m.present if m.finding not in out else (out[m.finding] or m.present)
        return out


@dataclass(frozen=True)
class _Lexicon:
    en: re.Pattern[str]
    zh: re.Pattern[str] | None
    en_map: dict[str, tuple[str, ...]]
    zh_map: dict[str, tuple[str, ...]]
    words: tuple[str, ...]


def normalize(text: str) -> str:
    """NFKC, lower case, and hyphens between words read as spaces ("left-lower" = "left lower")."""
    text = unicodedata.normalize("NFKC", text)[:MAX_CHARS]
    return re.sub(r"(?<=[a-z])-(?=[a-z])", " ", text.lower())


def _build(kb: Knowledge) -> _Lexicon:
    en_map: dict[str, set[str]] = {}
    zh_map: dict[str, set[str]] = {}

    def add(target: dict[str, set[str]], term: str, key: str) -> None:
        term = normalize(term).strip()
        if len(term) >= 1:
            target.setdefault(term, set()).add(key)

    for f in kb.findings.values():
        for s in f.synonyms.en:
            add(en_map, s, f"f:{f.id}")
        for s in f.synonyms.zh:
            add(zh_map, s, f"f:{f.id}")
        if not f.history and not f.derived_from and f.kind == "boolean":
            add(en_map, f.name.en, f"f:{f.id}")
    for c in kb.conditions.values():
        for s in c.synonyms.en:
            add(en_map, s, f"c:{c.id}")
        for s in c.synonyms.zh:
            add(zh_map, s, f"c:{c.id}")
        add(en_map, c.name.en, f"c:{c.id}")
        add(zh_map, c.name.zh, f"c:{c.id}")
    en_terms = sorted(en_map, key=len, reverse=True)
    zh_terms = sorted((t for t in zh_map if _CJK.search(t) or len(t) > 2), key=len, reverse=True)
    en = re.compile(
        r"(?<![a-z0-9])(?:" + "|".join(_en_term(t) for t in en_terms) + r")(?![a-z0-9])"
    )
    zh = re.compile("|".join(_zh_term(t) for t in zh_terms)) if zh_terms else None
    return _Lexicon(
        en=en,
        zh=zh,
        en_map={k: tuple(sorted(v)) for k, v in en_map.items()},
        zh_map={k: tuple(sorted(v)) for k, v in zh_map.items()},
        words=tuple(t for t in zh_terms if _CJK.search(t)),
    )


def _en_term(term: str) -> str:
    """A synonym as a pattern; "*" stands for up to three words ("pain * chest")."""
    parts = [re.escape(p.strip()) for p in term.split("*")]
    return r"(?:[a-z'-]+ ){0,3}".join(
        p + (" " if i < len(parts) - 1 else "") for i, p in enumerate(parts)
    ).replace("  ", " ")


def _zh_term(term: str) -> str:
    """A Chinese synonym as a pattern; "*" stands for up to four characters (腿*肿)."""
    return r"[\u4e00-\u9fff]{0,4}".join(re.escape(p) for p in term.split("*"))


@cache
def _lexicon() -> _Lexicon:
    return _build(load_knowledge())


@cache
def _segmenter() -> object | None:
    """rjieba with the knowledge's Chinese terms added (None if rjieba is unavailable)."""
    try:
        import rjieba
    except ImportError:  # pragma: no cover - rjieba is a declared dependency
        return None
    jieba = rjieba.Jieba()
    for word in _lexicon().words:
        jieba.add_word(word, 50_000, "n")
    return jieba


def segment(text: str) -> list[str]:
    """Chinese word segmentation with the medical user dictionary."""
    seg = _segmenter()
    if seg is None:
        return list(text)
    words: list[str] = seg.cut(text)  # type: ignore[attr-defined]
    return words


class _Clauses:
    """Clause boundaries computed once per text, looked up by bisection (long texts stay fast)."""

    def __init__(self, text: str, pattern: re.Pattern[str]) -> None:
        self.ends = [m.end() for m in pattern.finditer(text)]

    def start_of(self, pos: int) -> int:
        i = bisect.bisect_right(self.ends, pos) - 1
        # A boundary ending exactly at or before pos opens the clause that holds pos.
        while i >= 0 and self.ends[i] > pos:
            i -= 1
        return self.ends[i] if i >= 0 else 0


def _zh_negated(text: str, start: int, clauses: _Clauses | None = None) -> bool:
    clauses = clauses or _Clauses(text[:start], _ZH_CLAUSE_END)
    before = text[clauses.start_of(start) : start]
    if not before:
        return False
    masked = _ZH_NOT_NEG.sub(lambda m: "□" * len(m.group(0)), before)
    cue = None
    for m in _ZH_NEG.finditer(masked):
        cue = m
    if cue is None:
        return False
    # A cue inside a longer word (e.g. 不舒服, 无力) before the term does not negate it: check
    # with the segmenter that the cue stands as (the start of) its own word.
    words = segment(before[cue.start() :])
    return bool(words) and (
        words[0] in ("没有", "没", "无", "不", "未", "否认", "并无", "不伴", "未见", "无明显")
        or words[0].startswith(("没", "无", "未"))
    )


def _en_negated(text: str, start: int, clauses: _Clauses | None = None) -> bool:
    clauses = clauses or _Clauses(text[:start], _EN_CLAUSE_END)
    before = text[clauses.start_of(start) : start]
    cue = None
    for m in _EN_NEG.finditer(before):
        cue = m
    if cue is None:
        return False
    between = before[cue.end() :]
    # "No fever, cough or chills": the cue carries over short comma-separated lists, but not
    # over a new statement ("no fever, she reports a cough").
    if "," in between:
        after_comma = between[between.index(",") :]
        if re.search(
            r"\b(?:reports?|has|have|had|complains?|presents?|is|was|started|but)\b", after_comma
        ):
            return False
    return between.count(",") <= 6


_EN_HEDGE = re.compile(
    r"\b(?:maybe|perhaps|possibly|might|may have|probably|i think|not sure if|a bit of|slight|"
    r"mild|kind of|sort of)\b"
)
_ZH_HEDGE = re.compile(r"可能|好像|似乎|也许|大概|不确定|有点|有些|一点|轻微|隐约")


def _hedged(text: str, start: int, is_zh: bool, clauses: _Clauses | None = None) -> bool:
    """A hedge word earlier in the same clause ("可能有点发烧", "maybe a fever")."""
    clauses = clauses or _Clauses(text[:start], _ZH_CLAUSE_END if is_zh else _EN_CLAUSE_END)
    before = text[clauses.start_of(start) : start]
    return bool((_ZH_HEDGE if is_zh else _EN_HEDGE).search(before))


def _sections(
    text: str, family: re.Pattern[str], history: re.Pattern[str] | None
) -> list[tuple[int, int, bool, bool]]:
    """Split into sentences and flag the family-history and past-history ones."""
    out: list[tuple[int, int, bool, bool]] = []
    pos = 0
    for m in re.finditer(r"[.。!！?？;；\n]|$", text):
        end = m.end()
        if end <= pos and m.group(0) == "":
            break
        chunk = text[pos:end]
        fam = bool(family.search(chunk))
        hist = bool(history.search(chunk)) if history is not None else False
        out.append((pos, end, fam, hist))
        pos = end
        if m.group(0) == "":
            break
    return out


_COMPLAINT = re.compile(r"chief complaints?\s*:|presenting complaint\s*:|主诉[:：]?")


def _complaint_span(text: str, sections: list[tuple[int, int, bool, bool]]) -> tuple[int, int]:
    """Where the reason for consulting is stated: a "chief complaint:" sentence, else the first
    sentence that is not only demographics."""
    m = _COMPLAINT.search(text)
    if m:
        end = min((e for s, e, _, _ in sections if e > m.end()), default=len(text))
        return m.start(), end
    for s, e, fam, _ in sections:
        chunk = text[s:e]
        if fam or re.fullmatch(r"[\s\d\w-]*(?:year|岁)[\w\s-]*[.。]?\s*", chunk):
            continue
        return s, e
    return 0, 0


def _parse_age_sex(text: str, u: Understanding) -> None:
    m = re.search(r"(\d{1,3})\s*(?:-|\s)?(?:year|yr)s?(?:-|\s)?old", text)
    if m:
        u.age = int(m.group(1))
    else:
        m = re.search(r"(\d{1,2})\s*(?:-|\s)?(?:month|week)s?(?:-|\s)?old", text)
        if m:
            u.age = 0
        else:
            m = re.search(r"(\d{1,3})\s*(?:岁|周岁)", text)
            if m:
                u.age = int(m.group(1))
            elif re.search(r"\b(?:i am|i'm|aged?)\s+(\d{1,3})\b", text):
                m2 = re.search(r"\b(?:i am|i'm|aged?)\s+(\d{1,3})\b", text)
                assert m2 is not None
                u.age = int(m2.group(1))
            elif re.search(r"(\d{1,2})\s*个?月大|(\d{1,2})\s*个月的?(?:宝宝|婴儿|孩子)", text):
                u.age = 0
            else:
                # "三个月" alone is usually a duration; a baby's age says 大 or names the baby.
                m3 = re.search(
                    r"([一二两三四五六七八九十]{1,3})(?:周岁|岁半|岁|个月大|个多月大|个月的?(?:宝宝|婴儿|孩子))"
                    r"|(?:宝宝|婴儿|孩子|宝贝)[^，。,.]{0,2}?([一二两三四五六七八九十]{1,3})个多?月",
                    text,
                )
                if m3 and (m3.group(1) is None or "月" in m3.group(0)):
                    u.age = 0
                elif m3:
                    u.age = _zh_number(m3.group(1))
    if u.age is not None and u.age > 120:
        u.age = None
    if re.search(r"\b(?:female|woman|girl|lady)\b|女", text):
        u.sex = "F"
    elif re.search(r"\b(?:male|man|boy|gentleman)\b|男", text):
        u.sex = "M"
    elif re.search(r"\b(?:she|her|pregnant)\b|怀孕|孕妇", text):
        u.sex = "F"
    elif re.search(r"\b(?:he|his)\b", text):
        u.sex = "M"


def _zh_number(raw: str) -> int:
    """一 .. 九十九 written in Chinese numerals."""
    digits = {
        "一": 1,
        "二": 2,
        "两": 2,
        "三": 3,
        "四": 4,
        "五": 5,
        "六": 6,
        "七": 7,
        "八": 8,
        "九": 9,
    }
    if "十" in raw:
        tens, _, ones = raw.partition("十")
        return digits.get(tens, 1) * 10 + digits.get(ones, 0)
    return digits.get(raw, 0)


def _parse_duration(text: str, u: Understanding) -> None:
    m = re.search(
        r"(\d+(?:\.\d+)?|[一二两三四五六七八九十半几]+)\s*(?:多)?(分钟|小时|个月|天|日|周|星期|礼拜|月|年)",
        text,
    )
    if m:
        raw = m.group(1)
        n = float(raw) if raw[0].isdigit() else float(sum(_ZH_NUM.get(ch, 0) for ch in raw))
        n = n or 1.0
        u.duration_days = n * _UNIT_DAYS[m.group(2)]
        u.duration_text = m.group(0)
        return
    m = re.search(
        r"(\d+(?:\.\d+)?|a|an|one|two|three|four|five|six|seven|ten|several|few)\s+"
        r"(minute|hour|day|week|month|year)s?(?![- ]?old)",
        text,
    )
    if m:
        words = {
            "a": 1,
            "an": 1,
            "one": 1,
            "two": 2,
            "three": 3,
            "four": 4,
            "five": 5,
            "six": 6,
            "seven": 7,
            "ten": 10,
            "several": 3,
            "few": 3,
        }
        raw = m.group(1)
        n = float(raw) if raw[0].isdigit() else float(words[raw])
        u.duration_days = n * _UNIT_DAYS[m.group(2)]
        u.duration_text = m.group(0)


def _wildcard_keys(term: str, mapping: dict[str, tuple[str, ...]], is_zh: bool) -> tuple[str, ...]:
    """Keys of the wildcard synonym(s) that produced this match."""
    keys: set[str] = set()
    for syn, ks in _wildcards(id(mapping), is_zh, mapping):
        if syn.fullmatch(term):
            keys.update(ks)
    return tuple(sorted(keys))


_WILDCARD_CACHE: dict[int, list[tuple[re.Pattern[str], tuple[str, ...]]]] = {}


def _wildcards(
    key: int, is_zh: bool, mapping: dict[str, tuple[str, ...]]
) -> list[tuple[re.Pattern[str], tuple[str, ...]]]:
    if key not in _WILDCARD_CACHE:
        make = _zh_term if is_zh else _en_term
        _WILDCARD_CACHE[key] = [(re.compile(make(t)), ks) for t, ks in mapping.items() if "*" in t]
    return _WILDCARD_CACHE[key]


def understand(text: str, lex: _Lexicon | None = None) -> Understanding:
    """Read one free-text message. Never raises on odd input; unknown words are ignored."""
    lex = lex or _lexicon()
    norm = normalize(text or "")
    u = Understanding(language="zh" if _CJK.search(norm) else "en")
    if not norm.strip():
        return u
    _parse_age_sex(norm, u)
    _parse_duration(norm, u)
    family_re = re.compile(_EN_FAMILY.pattern + "|" + _ZH_FAMILY.pattern)
    sections = _sections(norm, family_re, _EN_HISTORY)
    seen: set[tuple[str, int]] = set()
    complaint_span = _complaint_span(norm, sections)
    patterns: list[tuple[re.Pattern[str], dict[str, tuple[str, ...]], bool]] = [
        (lex.en, lex.en_map, False)
    ]
    if lex.zh is not None:
        patterns.append((lex.zh, lex.zh_map, True))
    section_starts = [sec[0] for sec in sections]
    for pattern, mapping, is_zh in patterns:
        clauses = _Clauses(norm, _ZH_CLAUSE_END if is_zh else _EN_CLAUSE_END)
        for m in pattern.finditer(norm):
            term = m.group(0)
            keys = mapping.get(term) or _wildcard_keys(term, mapping, is_zh)
            fam = hist = False
            k = bisect.bisect_right(section_starts, m.start()) - 1
            if k >= 0 and sections[k][0] <= m.start() < sections[k][1]:
                fam, hist = sections[k][2], sections[k][3]
            if is_zh:
                negated = _zh_negated(norm, m.start(), clauses)
            else:
                negated = _en_negated(norm, m.start(), clauses)
            complaint = complaint_span[0] <= m.start() < complaint_span[1]
            uncertain = _hedged(norm, m.start(), is_zh, clauses)
            for key in keys:
                kind, _, ident = key.partition(":")
                if (key, m.start()) in seen:
                    continue
                seen.add((key, m.start()))
                mention = Mention(
                    ident,
                    not negated,
                    term,
                    family=fam,
                    history=hist,
                    complaint=complaint,
                    uncertain=uncertain,
                )
                (u.findings if kind == "f" else u.conditions).append(mention)
    return u


YES_WORDS = re.compile(
    r"^\s*(?:(?:yes|yeah|yep|y|true|sure|correct|i do|i have|i did)\b|是|有|对|嗯|会|经常|偶尔)"
)
NO_WORDS = re.compile(
    r"^\s*(?:(?:no|nope|n|false|never|not really|i don't|i do not|none)\b"
    r"|否|不是|没|无|不|从不|从来没)"
)
UNKNOWN_WORDS = re.compile(
    r"^\s*(?:don't know|dont know|do not know|not sure|unsure|unknown|不知道|不清楚|不确定|说不清)"
)


def yes_no(text: str) -> bool | None:
    """A short free-text answer as yes / no / unknown (None)."""
    t = normalize(text).strip()
    if not t or UNKNOWN_WORDS.search(t):
        return None
    if NO_WORDS.search(t):
        return False
    if YES_WORDS.search(t):
        return True
    return None


__all__ = ["Mention", "Understanding", "segment", "understand", "yes_no"]
