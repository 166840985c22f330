"""A second-stage crisis screen: a naive Bayes score over character and word n-grams.

The rules catch what the lexicon names; unseen indirect crisis language keeps slipping past them
(docs/safety.md). This model scores how much a message resembles the labelled crisis messages in
`tests/safety/data/` (written by the project, no third-party text) and is used only to *add* a
crisis alarm to a message on which no rule fired. It is deterministic and needs no download:
the weights are a JSON file in `knowledge/`, rebuilt with

    python -m aegle.safety.ngram OUT.json SET.jsonl [SET.jsonl ...]

Features: Chinese character 1- to 3-grams inside runs of CJK characters, English words and word
pairs, all on the normalised text. The score is the sum of log presence-likelihood ratios
(Bernoulli naive Bayes without the absent-feature terms; McCallum and Nigam 1998) divided by the
square root of the number of features, so long messages do not score high by length alone; only
the features of the message are looked up, so the cost is linear in its length.

The threshold was chosen without looking at any test set: leave-one-set-out cross-validation
over the training sets, smallest threshold whose benign false-positive rate stays under 1%.
Messages with fewer than `min_features` features (about five Chinese characters or six English
words: 谢谢, 再见, a one-tap answer) carry too little evidence and are never scored as crisis.
"""

from __future__ import annotations

import json
import math
import re
import sys
from collections import Counter
from collections.abc import Iterable
from itertools import pairwise
from pathlib import Path

from aegle.core.errors import ConfigurationError
from aegle.safety.normalize import normalize

MODEL_PATH = Path(__file__).resolve().parent / "knowledge" / "crisis_ngrams.json"
_CJK_RUN = re.compile(r"[\u4e00-\u9fff]+")
_WORD = re.compile(r"[a-z']+")


def features(normal: str) -> set[str]:
    """The n-gram features of an already normalised text."""
    found: set[str] = set()
    for run in _CJK_RUN.findall(normal):
        for size in (1, 2, 3):
            found.update("z:" + run[i : i + size] for i in range(len(run) - size + 1))
    words = _WORD.findall(normal)
    found.update("e:" + word for word in words)
    found.update(f"e:{a} {b}" for a, b in pairwise(words))
    return found


class NgramModel:
    """Weights per feature and the threshold above which a message reads as crisis language."""

    def __init__(
        self,
        weights: dict[str, float],
        threshold: float,
        trained_on: list[str],
        min_features: int = 12,
    ) -> None:
        self.weights = weights
        self.threshold = threshold
        self.trained_on = trained_on
        self.min_features = min_features

    @classmethod
    def load(cls, path: Path = MODEL_PATH) -> NgramModel:
        try:
            raw = json.loads(path.read_text(encoding="utf-8"))
            weights = {str(k): float(v) for k, v in raw["weights"].items()}
            return cls(
                weights,
                float(raw["threshold"]),
                [str(s) for s in raw["trained_on"]],
                int(raw["min_features"]),
            )
        except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
            raise ConfigurationError(f"invalid crisis n-gram model {path.name}: {exc}") from exc

    def score(self, normal: str) -> float:
        return self._score(features(normal))

    def _score(self, found: set[str]) -> float:
        weights = self.weights
        return sum(weights.get(feature, 0.0) for feature in found) / math.sqrt(max(1, len(found)))

    def is_crisis(self, normal: str) -> bool:
        found = features(normal)
        return len(found) >= self.min_features and self._score(found) > self.threshold


def train(examples: Iterable[tuple[str, bool]]) -> dict[str, float]:
    """Log presence-likelihood ratios (crisis vs not) per feature, with +0.5 smoothing."""
    positive: Counter[str] = Counter()
    negative: Counter[str] = Counter()
    n_pos = n_neg = 0
    for text, is_crisis in examples:
        found = features(normalize(text))
        if is_crisis:
            positive.update(found)
            n_pos += 1
        else:
            negative.update(found)
            n_neg += 1
    return {
        feature: round(
            math.log((positive[feature] + 0.5) / (n_pos + 1))
            - math.log((negative[feature] + 0.5) / (n_neg + 1)),
            3,
        )
        for feature in sorted(set(positive) | set(negative))
    }


def main(argv: list[str]) -> int:
    """Train on labelled JSONL sets ({"text", "label"}) and write the model file."""
    if len(argv) < 3:
        print("usage: python -m aegle.safety.ngram OUT.json SET.jsonl [SET.jsonl ...]")
        return 2
    out, sets = Path(argv[1]), [Path(p) for p in argv[2:]]
    rows = [
        json.loads(line)
        for path in sets
        for line in path.read_text(encoding="utf-8").splitlines()
        if line.strip()
    ]
    weights = train((row["text"], row["label"] == "crisis") for row in rows)
    old = json.loads(out.read_text(encoding="utf-8")) if out.exists() else {}
    model = {
        "trained_on": sorted(p.name for p in sets),
        "threshold": old.get("threshold", 3.5),
        "min_features": old.get("min_features", 12),
        "weights": weights,
    }
    out.write_text(json.dumps(model, ensure_ascii=False, separators=(",", ":")), encoding="utf-8")
    print(f"{len(weights)} features from {len(rows)} messages -> {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
