"""Text normalisation shared by every safety pattern.

Patterns are written against the normalised form only, so the same rule catches full-width
input (ＣＨＥＳＴ ＰＡＩＮ, ！), mixed case, curly apostrophes, spaced-out Chinese (不 想 活 了) and
the traditional characters that occur in our lexicon.
"""

from __future__ import annotations

import re
import unicodedata

# Traditional -> simplified for the characters our patterns use (a full converter would be a
# data dependency; this table covers the safety and intent lexicons, which is what matters).
_TRADITIONAL = (
    "麼么傷伤殺杀腦脑臟脏嚥咽氣气風风說说話话頭头暈晕醫医藥药過过沒没來来開开車车體体覺觉難难"
    "壓压悶闷腳脚臉脸無无識识喚唤續续鐘钟燒烧燙烫農农嗆呛腫肿蟄蜇針针劑剂樓楼結结輕轻絕绝著着"
    "這这個个們们會会為为嗎吗還还後后種种應应該该發发現现從从讓让見见動动側侧邊边東东連连講讲"
    "啞哑聽听視视線线嚴严劇剧濕湿鬱郁憂忧潰溃斷断離离別别兒儿寶宝媽妈閉闭緊紧張张幫帮謝谢檢检"
    "驗验報报告告單单糖糖歲岁險险費费銷销預预約约掛挂號号門门診诊藥药劑剂療疗調调絡络專专業业"
    "腸肠胃胃腎肾膽胆癥症狀状懷怀孕孕嘔呕吐吐癇痫搐搐驚惊厥厥燙烫灼灼電电擊击溺溺麻麻癱瘫瘓痪"
    "彈弹槍枪刀刀傷伤毆殴衝冲紀纪錄录嗎吗麽么啟启隨随證证據据實实問问題题訴诉喪丧尋寻輕轻願愿"
    "熱热燒烧咳咳嗽嗽喉喉嚨咙塊块淚泪愛爱恨恨慮虑緒绪憤愤暴暴歡欢厭厌倦倦憊惫脫脱陽阳壽寿險险"
    "絞绞膚肤蟲虫蜂蜂螫螫喪丧痺痹療疗劑剂濃浓髒脏囉啰糊糊塗涂際际縣县區区歷历鮮鲜蝦虾堅坚"
)
_TRAD_TO_SIMP = str.maketrans(
    {_TRADITIONAL[i]: _TRADITIONAL[i + 1] for i in range(0, len(_TRADITIONAL) - 1, 2)}
)
_APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "`": "'", "\u00b4": "'", "\u02bc": "'"})
_INVISIBLE = re.compile(r"[\u200b-\u200f\u2060\ufeff\u00ad]")
_SPACES = re.compile(r"\s+")
# People type contractions without the apostrophe ("cant breathe", "dont"); patterns expect it.
_BARE_CONTRACTION = re.compile(
    r"(?<![a-z])(can|don|doesn|didn|isn|wasn|won|couldn|wouldn|haven|hasn|aren|weren)t(?![a-z])"
)
_BARE_I = re.compile(r"(?<![a-z])i(m|ve)(?![a-z])")
# Misspellings seen in real red-flag messages, mapped to the word the patterns expect. Only
# tokens that are not themselves English words, so no correct text is ever changed.
_TYPOS = {
    "wnat": "want",
    "wnt": "want",
    "chets": "chest",
    "chesst": "chest",
    "cheast": "chest",
    "alot": "a lot",
    "strok": "stroke",
    "sucide": "suicide",
    "suicde": "suicide",
    "suiside": "suicide",
    "sucidal": "suicidal",
    "suicidle": "suicidal",
    "unconcious": "unconscious",
    "unconsious": "unconscious",
    "siezure": "seizure",
    "seizuer": "seizure",
    "seazure": "seizure",
    "breating": "breathing",
    "brething": "breathing",
    "breahting": "breathing",
    "bleading": "bleeding",
    "bleedin": "bleeding",
    "overdoes": "overdose",
    "myslef": "myself",
    "mysef": "myself",
    "kil": "kill",
    "pils": "pills",
    "preganant": "pregnant",
    "pregant": "pregnant",
    "pregnat": "pregnant",
    "diabetc": "diabetic",
    "vomitting": "vomiting",
    "swollowed": "swallowed",
    "swalowed": "swallowed",
    "collasped": "collapsed",
    "colapsed": "collapsed",
}
_TYPO = re.compile(
    r"(?<![a-z'])(" + "|".join(sorted(_TYPOS, key=len, reverse=True)) + r")(?![a-z'])"
)
_CJK = r"\u3400-\u9fff\uf900-\ufaff"
_SPACE_BETWEEN_CJK = re.compile(rf"(?<=[{_CJK}]) (?=[{_CJK}])")


def normalize(text: str) -> str:
    """Return the canonical form every safety and intent pattern is matched against.

    NFKC folds full-width letters, digits and punctuation (，！？：；) to ASCII; the ideographic
    full stop 。 stays. Case is folded, curly apostrophes become ', whitespace collapses to one
    space and spaces between two CJK characters are dropped.

    >>> normalize("我 不 想 活 了！ I CAN’T  breathe, dont")
    "我不想活了! i can't breathe, don't"
    """
    folded = unicodedata.normalize("NFKC", text)
    folded = _INVISIBLE.sub("", folded)
    folded = folded.translate(_TRAD_TO_SIMP).translate(_APOSTROPHES).casefold()
    folded = _SPACES.sub(" ", folded)
    folded = _BARE_CONTRACTION.sub(r"\1't", folded)
    folded = _BARE_I.sub(r"i'\1", folded)
    folded = _TYPO.sub(lambda m: _TYPOS[m.group(1)], folded)
    return _SPACE_BETWEEN_CJK.sub("", folded).strip()
