"""The date a report's sample was taken, read from its printed header.

Collection dates win over receipt and report dates, because a trend follows the body, not the
laboratory's queue. Only unambiguous forms are read: year first (2024-03-05, 2024/3/5,
2024.03.05, 2024年3月5日) and English month names (5 Mar 2024, March 5, 2024). Day-month
order in 05/03/2024 differs by country, so such dates are left for the person to give.
"""

from __future__ import annotations

import re
from datetime import date

_NUMERIC = r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?"
_MONTHS = {
    name: index
    for index, names in enumerate(
        (
            ("jan", "january"),
            ("feb", "february"),
            ("mar", "march"),
            ("apr", "april"),
            ("may",),
            ("jun", "june"),
            ("jul", "july"),
            ("aug", "august"),
            ("sep", "sept", "september"),
            ("oct", "october"),
            ("nov", "november"),
            ("dec", "december"),
        ),
        start=1,
    )
    for name in names
}
_MONTH = "|".join(sorted(_MONTHS, key=len, reverse=True))
_DAY_MONTH_YEAR = rf"(\d{{1,2}})[ -]({_MONTH})\.?[ -,]*(\d{{4}})"
_MONTH_DAY_YEAR = rf"({_MONTH})\.?\s+(\d{{1,2}}),?\s+(\d{{4}})"

# Labels in order of preference (collection first); each followed by a date within the line.
_LABELS = (
    r"采样(?:时间|日期)|采集(?:时间|日期)|采血(?:时间|日期)|取样(?:时间|日期)"
    r"|collect(?:ed|ion)(?:\s+(?:date|time|on))?|specimen\s+collected|sample\s+(?:date|taken)"
    r"|date\s+collected|drawn",
    r"送检(?:时间|日期)|接收(?:时间|日期)|签收(?:时间|日期)|收样(?:时间|日期)|received",
    r"检验(?:时间|日期)|报告(?:时间|日期)|审核(?:时间|日期)|report(?:ed)?(?:\s+date)?"
    r"|date\s+reported|\bdate\b(?!\s*of\s*birth)|(?<!出生)日期",
)
_LABEL_RES = tuple(
    re.compile(rf"(?:{labels})\s*[:：]?\s*(?P<rest>.{{0,40}})", re.IGNORECASE) for labels in _LABELS
)
_DATE_RES = (
    re.compile(_NUMERIC),
    re.compile(_DAY_MONTH_YEAR, re.IGNORECASE),
    re.compile(_MONTH_DAY_YEAR, re.IGNORECASE),
)


def _first_date(text: str) -> date | None:
    found: list[tuple[int, date]] = []
    for index, pattern in enumerate(_DATE_RES):
        match = pattern.search(text)
        if match is None:
            continue
        parts = match.groups()
        try:
            if index == 0:
                value = date(int(parts[0]), int(parts[1]), int(parts[2]))
            elif index == 1:
                value = date(int(parts[2]), _MONTHS[parts[1].casefold()], int(parts[0]))
            else:
                value = date(int(parts[2]), _MONTHS[parts[0].casefold()], int(parts[1]))
        except ValueError:
            continue
        found.append((match.start(), value))
    return min(found)[1] if found else None


def report_date(text: str, *, not_after: date | None = None) -> date | None:
    """The sample date printed on the report, or None when none is printed unambiguously.

    Dates after `not_after` (normally today) are ignored as misreadings.

    >>> report_date("姓名 张三  采样时间: 2024-03-05 08:12  报告时间 2024-03-06")
    datetime.date(2024, 3, 5)
    >>> report_date("Collected: 5 Mar 2024 07:40") is not None
    True
    >>> report_date("Date: 05/03/2024") is None
    True
    >>> report_date("出生日期 1980-01-01  Date of birth 1980-01-01") is None
    True
    """
    for pattern in _LABEL_RES:
        for match in pattern.finditer(text):
            value = _first_date(match.group("rest"))
            if value is None or value.year < 1900:
                continue
            if not_after is not None and value > not_after:
                continue
            return value
    return None
