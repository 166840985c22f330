"""Triage safety on textbook presentations: emergencies are never triaged below `emergency`, and
minor self-limiting problems are not sent to the emergency department."""

from __future__ import annotations

import pytest

from aegle.clinic.engine import Interview
from aegle.clinic.result import build_result

EMERGENT = {"emergency", "emergency_ambulance"}

EMERGENCIES = [
    (
        "en",
        "A 30-year-old woman with sudden shortness of breath and sharp chest pain worse on "
        "breathing, after a long flight. Heart racing.",
    ),
    ("en", "65 year old man, sudden weakness of the right arm and slurred speech since an hour."),
    ("en", "19 year old with fever, severe headache, stiff neck and a rash that does not fade."),
    (
        "en",
        "A 12 year old boy with right lower abdominal pain, nausea and fever since this "
        "morning, pain worse when walking.",
    ),
    (
        "en",
        "A 25 year old with type 1 diabetes, vomiting, abdominal pain, very thirsty and "
        "breathing fast.",
    ),
    ("en", "After eating peanuts my lips are swelling and I am wheezing and can't breathe."),
    (
        "en",
        "28 year old woman, missed period, severe lower abdominal pain and vaginal bleeding, "
        "feels faint.",
    ),
    ("en", "Asthmatic, severe shortness of breath, can't finish sentences, inhaler not helping."),
    ("zh", "58岁男性，胸口压榨样疼痛半小时，出冷汗，疼到左胳膊"),
    ("zh", "突然口角歪斜，说话不清，右手没力气"),
    ("zh", "吐血，还拉黑便，头晕"),
]

MINOR = [
    ("en", "A 25 year old with runny nose, sneezing and a mild sore throat for 2 days."),
    ("en", "Low back pain after lifting boxes yesterday, no numbness or weakness."),
    ("en", "Itchy watery eyes and sneezing every spring."),
    ("zh", "流鼻涕打喷嚏两天，嗓子有点疼，没有发烧"),
    ("zh", "脸上长痘痘"),
]


@pytest.mark.parametrize(("lang", "message"), EMERGENCIES)
def test_emergencies_are_never_under_triaged(lang: str, message: str) -> None:
    iv = Interview.start(lang="zh-CN" if lang == "zh" else "en", message=message, max_questions=0)
    result = build_result(iv)
    assert result["triage"]["level"] in EMERGENT, result["triage"]


@pytest.mark.parametrize(("lang", "message"), MINOR)
def test_minor_problems_stay_out_of_the_emergency_department(lang: str, message: str) -> None:
    iv = Interview.start(lang="zh-CN" if lang == "zh" else "en", message=message, max_questions=0)
    result = build_result(iv)
    assert result["triage"]["level"] in ("self_care", "routine"), result["triage"]
