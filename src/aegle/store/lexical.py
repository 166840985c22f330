"""The evidence engine's lexical index on SQLite FTS5 (the `LexicalIndex` port).

A derived index over the corpus, independent of the application database (it works the same
when the app runs on PostgreSQL): one SQLite file under the evidence cache folder, named by a
hash of the passages' token streams, so the next start with the same corpus opens it instead
of building it, and a changed corpus (`aegle corpus add`, a new glossary word) builds a new one.
A damaged or foreign file is rebuilt, never trusted.

Text is segmented by the engine's tokenizer (rjieba with the medical dictionary, English
folding); FTS5 stores the tokens joined by spaces and splits on whitespace only, and every
query term is quoted. Ranking is the engine's BM25 bit for bit: FTS5's own `bm25()` uses
another IDF (log((N - n + 0.5) / (n + 0.5)), floored at 1e-6), so it only picks candidates,
which are rescored with `aegle.evidence.bm25`'s formula. Since our IDF is never below FTS5's, a
passage outside FTS5's top C scores at most `ratio * F_C` (ratio: the largest quotient of the
two IDFs over the query's terms, F_C: FTS5's C-th score); when the k-th rescored passage beats
that bound the top k is exact, else C grows until it does (at worst: every matching passage).
"""

from __future__ import annotations

import contextlib
import hashlib
import math
import os
import sqlite3
import tempfile
import weakref
from collections import Counter
from pathlib import Path
from queue import SimpleQueue

import numpy as np

from aegle.evidence.bm25 import average_length, idf, max_idf, ranked, saturate

SCHEMA = "1"
# Every character class but separators (Z*) and controls is part of a token: FTS5 splits the
# stored token stream on the spaces between tokens and nowhere else.
TOKENIZER = "unicode61 remove_diacritics 0 categories 'L* M* N* P* S* Cf Cn Co Cs'"
CANDIDATES = 200
MARGIN = 1e-3  # float32 rescoring against FTS5's float64 bound
READERS = 4  # connections shared by the threads that search at once
_SEARCH = "SELECT rowid, rank, body FROM passages WHERE passages MATCH ? ORDER BY rank LIMIT ?"


class Fts5Index:
    """BM25 over SQLite FTS5. `directory` keeps the index file between runs (the evidence
    cache folder); without one it lives in a temporary folder for this object's lifetime."""

    def __init__(self, docs: list[list[str]], *, directory: Path | None = None) -> None:
        self.size = len(docs)
        self.max_idf = max_idf(self.size)
        key = corpus_key(docs)
        self._tmp: tempfile.TemporaryDirectory[str] | None = None
        if directory is None:
            self._tmp = tempfile.TemporaryDirectory(prefix="aegle-lexical-")
            directory = Path(self._tmp.name)
        self.path = directory / f"lexical-{key}.sqlite"
        self.built_now = False
        """The file was (re)built by this object, not reused."""
        opened = _open(self.path, key, self.size)
        if opened is None:
            _build(self.path, key, docs)
            _remove_stale(self.path)
            self.built_now = True
            opened = _open(self.path, key, self.size)
            if opened is None:
                raise sqlite3.DatabaseError(f"lexical index {self.path} unreadable after build")
        self._avg, df = opened
        self.idf = {term: idf(self.size, n) for term, n in df.items()}
        self._fts_idf = {term: _fts5_idf(self.size, n) for term, n in df.items()}
        self._readers: SimpleQueue[sqlite3.Connection] = SimpleQueue()
        readers = [_reader(self.path) for _ in range(READERS)]
        for conn in readers:
            self._readers.put(conn)
        weakref.finalize(self, _close, readers, self._tmp)

    def top(self, query: list[str], k: int) -> list[tuple[int, float]]:
        counts = {t: n for t, n in Counter(query).items() if t in self.idf}
        if not counts or k <= 0:
            return []
        # Repeating a term repeats its phrase, so FTS5 weighs it by its query frequency too.
        match = " OR ".join(_quote(t) for t, n in counts.items() for _ in range(n))
        ratio = max(self.idf[t] / self._fts_idf[t] for t in counts)
        # FTS5 normalises lengths by the exact mean; ours by max(mean, 1) (tiny corpora).
        limit = max(CANDIDATES, 4 * k) if self._avg >= 1.0 else self.size
        conn = self._readers.get()
        try:
            while True:
                rows = conn.execute(_SEARCH, (match, limit)).fetchall()
                ids, scores = self._rescore(rows, counts)
                if len(rows) < limit or limit >= self.size:
                    break  # every matching passage was rescored
                kth = np.partition(scores, limit - k)[limit - k]
                if kth > -float(rows[-1][1]) * ratio * (1 + MARGIN):
                    break
                limit *= 8
        finally:
            self._readers.put(conn)
        return [(int(ids[i]), float(scores[i])) for i in ranked(ids, scores, k)]

    def _rescore(
        self, rows: list[tuple[int, float, str]], counts: dict[str, int]
    ) -> tuple[np.ndarray, np.ndarray]:
        """The engine's BM25 of each candidate, summed in the reference's term order."""
        ids = np.array([r[0] - 1 for r in rows], dtype=np.int64)
        docs = [Counter(r[2].split()) for r in rows]
        lengths = np.array([sum(d.values()) for d in docs], dtype=np.float32)
        scores = np.zeros(len(rows), dtype=np.float32)
        for term, qtf in counts.items():
            tf = np.array([d.get(term, 0) for d in docs], dtype=np.float32)
            scores += np.float32(self.idf[term] * qtf) * saturate(tf, lengths, self._avg)
        return ids, scores


def corpus_key(docs: list[list[str]]) -> str:
    """Names the index of these token streams (and this schema and tokenizer)."""
    digest = hashlib.sha256(f"{SCHEMA}\x1d{TOKENIZER}\x1d{len(docs)}".encode())
    for doc in docs:
        digest.update(" ".join(doc).encode())
        digest.update(b"\x1e")
    return digest.hexdigest()[:24]


def _quote(term: str) -> str:
    return '"' + term.replace('"', '""') + '"'


def _fts5_idf(size: int, df: int) -> float:
    """FTS5's IDF (fts5_aux.c), for the candidate bound."""
    value = math.log((size - df + 0.5) / (df + 0.5))
    return value if value > 0 else 1e-6


def _reader(path: Path) -> sqlite3.Connection:
    # Shared by threads one at a time (through the pool); opened once, so a file replaced
    # by another process later is never mixed with this one.
    return sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, check_same_thread=False)


def _close(readers: list[sqlite3.Connection], tmp: tempfile.TemporaryDirectory[str] | None) -> None:
    for conn in readers:
        conn.close()
    if tmp is not None:
        tmp.cleanup()


def _open(path: Path, key: str, size: int) -> tuple[float, dict[str, int]] | None:
    """(mean length, document frequency per term) of a valid index file for this corpus, else
    None (missing, damaged, foreign or for another corpus)."""
    if not path.is_file():
        return None
    try:
        conn = _reader(path)
        try:
            meta = dict(conn.execute("SELECT key, value FROM meta").fetchall())
            if meta.get("schema") != SCHEMA or meta.get("key") != key:
                return None
            if int(meta["size"]) != size:
                return None
            df = dict(conn.execute("SELECT term, doc FROM vocabulary").fetchall())
            total = conn.execute("SELECT sum(cnt) FROM vocabulary").fetchone()[0] or 0
            if total != int(meta["tokens"]):
                return None
            return float(meta["avg"]), df
        finally:
            conn.close()
    except (sqlite3.Error, KeyError, ValueError):
        return None


def _build(path: Path, key: str, docs: list[list[str]]) -> None:
    """Write the index to a temporary file beside `path`, then move it into place (atomic:
    a reader never sees half a file; two processes building it at once both succeed)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=path.stem + "-", suffix=".tmp", dir=path.parent)
    os.close(fd)
    try:
        conn = sqlite3.connect(tmp)
        try:
            conn.execute("PRAGMA journal_mode=OFF")
            conn.execute("PRAGMA synchronous=OFF")
            conn.execute(f'CREATE VIRTUAL TABLE passages USING fts5(body, tokenize="{TOKENIZER}")')
            conn.execute("CREATE VIRTUAL TABLE vocabulary USING fts5vocab(passages, 'row')")
            conn.execute("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
            conn.executemany(
                "INSERT INTO passages (rowid, body) VALUES (?, ?)",
                ((i + 1, " ".join(doc)) for i, doc in enumerate(docs)),
            )
            conn.execute("INSERT INTO passages (passages) VALUES ('optimize')")
            lengths = np.array([len(d) for d in docs], dtype=np.float32)
            tokens = int(sum(len(d) for d in docs))
            stored = conn.execute("SELECT sum(cnt) FROM vocabulary").fetchone()[0] or 0
            if stored != tokens:  # FTS5 split a token: the rescoring would be wrong
                raise ValueError(f"FTS5 stored {stored} tokens, the corpus has {tokens}")
            conn.executemany(
                "INSERT INTO meta VALUES (?, ?)",
                [
                    ("schema", SCHEMA),
                    ("key", key),
                    ("size", str(len(docs))),
                    ("tokens", str(tokens)),
                    ("avg", repr(average_length(lengths))),
                ],
            )
            conn.commit()
        finally:
            conn.close()
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _remove_stale(path: Path) -> None:
    """Index files of earlier corpora (processes still reading one keep their open copy)."""
    for other in path.parent.glob("lexical-*.sqlite"):
        if other != path:
            with contextlib.suppress(OSError):
                other.unlink()
