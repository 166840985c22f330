"""Safety screen speed: CPU time per message on short chat messages, real queries and long text.

The screen runs first in every chat turn, so its per-message cost is part of every reply.
Short messages are every line of tests/safety/data/*.jsonl (zh and en, crisis, emergency and
look-alikes); real queries are the KUAKE-QIC train queries (Chinese medical searches). Times are
process CPU time (not wall time), because the machine is shared and wall time follows its load.
Usage: .venv/bin/python bench/safety_speed.py [--repeat 3]
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path

from aegle.safety import load_default

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "tests/safety/data"
KUAKE = ROOT / "../shared/data/kuake-qic/KUAKE-QIC_train.json"


def per_message_ms(screen: object, texts: list[str], repeat: int) -> dict[str, float]:
    """Median, p99 and mean CPU milliseconds per message (best of `repeat` passes per text)."""
    run = screen.screen  # type: ignore[attr-defined]
    best: list[float] = []
    for text in texts:
        locale = "zh-CN" if any("\u4e00" <= ch <= "\u9fff" for ch in text) else "en"
        times = []
        for _ in range(repeat):
            start = time.process_time_ns()
            run(text, locale)
            times.append(time.process_time_ns() - start)
        best.append(min(times) / 1e6)
    best.sort()
    return {
        "messages": len(texts),
        "median_ms": round(statistics.median(best), 4),
        "p99_ms": round(best[int(0.99 * (len(best) - 1))], 4),
        "mean_ms": round(statistics.fmean(best), 4),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    start = time.process_time()
    screen = load_default()
    out: dict[str, object] = {"load_s": round(time.process_time() - start, 3)}
    texts = [
        json.loads(line)["text"]
        for path in sorted(DATA.glob("*.jsonl"))
        for line in path.read_text(encoding="utf-8").splitlines()
        if line.strip()
    ]
    screen.screen("warm up", "en")
    out["eval_messages"] = per_message_ms(screen, texts, args.repeat)
    if KUAKE.exists():
        queries = [r["query"] for r in json.loads(KUAKE.read_text(encoding="utf-8"))]
        out["kuake_queries"] = per_message_ms(screen, queries[:3000], args.repeat)
    long_text = "".join(texts)[:13_000]
    start_ns = time.process_time_ns()
    screen.screen(long_text, "zh-CN")
    out["long_13k_chars_ms"] = round((time.process_time_ns() - start_ns) / 1e6, 1)
    print(json.dumps(out))


if __name__ == "__main__":
    main()
