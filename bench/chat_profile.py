"""Where a chat turn's CPU goes: the app driven in-process through raw ASGI calls (no sockets,
no load generator), so the figure is the server's own cost per turn.

    python bench/chat_profile.py [--turns 1400] [--profile] [--sort tottime]

With `--commits`, every SQLite commit is timed too (median, p99, the stalls over 2 ms).
Prints CPU milliseconds per chat turn (the `aegle bench api` workload's messages, distinct
texts) and, beside it, the bare FastAPI endpoint's cost measured the same way. With
`--profile`, a cProfile listing follows. Figures go in docs/benchmarks.md (Platform).
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import json
import os
import pstats
import tempfile
import time
from collections.abc import Awaitable, Callable, MutableMapping
from pathlib import Path
from typing import Any

Scope = MutableMapping[str, Any]
App = Callable[[Scope, Callable[[], Awaitable[Any]], Callable[[Any], Awaitable[None]]], Any]


async def call(
    app: App, method: str, path: str, body: Any = None, token: str | None = None
) -> tuple[int, bytes]:
    raw = json.dumps(body).encode() if body is not None else b""
    headers = [(b"host", b"bench"), (b"content-type", b"application/json")]
    headers.append((b"content-length", str(len(raw)).encode()))
    if token:
        headers.append((b"authorization", f"Bearer {token}".encode()))
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": headers,
        "client": ("127.0.0.1", 1),
        "server": ("127.0.0.1", 80),
    }
    sent = False
    status = 0
    chunks: list[bytes] = []

    async def receive() -> dict[str, Any]:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": raw, "more_body": False}
        await asyncio.sleep(3600)
        return {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]
        elif message["type"] == "http.response.body":
            chunks.append(message.get("body", b""))

    await app(scope, receive, send)
    return status, b"".join(chunks)


async def cpu_per_call(
    app: App, method: str, path: str, bodies: list[Any], token: str | None
) -> tuple[float, float]:
    """CPU ms per call: (the serving thread's, the whole process's). Work handed to other
    threads (the WAL checkpointer) shows only in the second."""
    thread_started, process_started = time.thread_time(), time.process_time()
    for body in bodies:
        status, answer = await call(app, method, path, body, token)
        if status >= 400:
            raise RuntimeError(f"{path}: {status} {answer[:200]!r}")
    thread = (time.thread_time() - thread_started) / len(bodies) * 1000
    return thread, (time.process_time() - process_started) / len(bodies) * 1000


COMMIT_SECONDS: list[float] = []


def time_every_commit() -> None:
    """Time each SQLite COMMIT of the run (`--commits`): the driver's connections get a
    factory whose commit records its duration. Set before the app opens any connection."""
    import sqlite3

    class TimedCommits(sqlite3.Connection):
        def commit(self) -> None:
            started = time.perf_counter()
            super().commit()
            COMMIT_SECONDS.append(time.perf_counter() - started)

    connect = sqlite3.connect

    def timed_connect(*args: Any, **kwargs: Any) -> sqlite3.Connection:
        return connect(*args, **{**kwargs, "factory": TimedCommits})

    sqlite3.connect = timed_connect  # type: ignore[assignment]
    sqlite3.dbapi2.connect = timed_connect  # type: ignore[assignment]


def commit_summary() -> str:
    times = sorted(COMMIT_SECONDS)
    if not times:
        return "no commits timed"
    slow = [t for t in times if t > 0.002]
    return (
        f"{len(times)} commits: median {times[len(times) // 2] * 1000:.3f} ms,"
        f" p99 {times[int(len(times) * 0.99)] * 1000:.2f} ms, max {times[-1] * 1000:.1f} ms;"
        f" {len(slow)} over 2 ms ({sum(slow) * 1000:.1f} ms);"
        f" all {sum(times) * 1000:.1f} ms, mean {sum(times) / len(times) * 1000:.3f} ms"
    )


async def main(turns: int, profile: bool, sort: str) -> None:
    from aegle.cli.bench import PLATFORM_MESSAGES as MESSAGES
    from aegle.cli.bench import bare_app
    from aegle.server import create_app
    from aegle.settings import load_settings

    with tempfile.TemporaryDirectory(prefix="aegle-profile-") as tmp:
        settings = load_settings(
            preset="dev",
            app={"debug": False, "var_dir": Path(tmp) / "var"},
            auth={"argon2_time_cost": 1, "argon2_memory_kib": 8192},
        )
        from aegle.bootstrap import Platform

        platform = Platform(settings)
        platform.upgrade_database()
        app = create_app(platform=platform)
        credentials = {"username": "profiled", "password": "bench-password-1"}
        await call(app, "POST", "/api/v1/auth/register", credentials)
        _, login = await call(app, "POST", "/api/v1/auth/login", credentials)
        token = json.loads(login)["access_token"]
        _, created = await call(app, "POST", "/api/v1/conversations", {}, token)
        path = f"/api/v1/conversations/{json.loads(created)['id']}/messages"
        bodies = [
            {"text": f"{text} #{n}", "lang": lang}
            for n in range(turns // len(MESSAGES) + 2)
            for text, lang in MESSAGES
        ]
        await cpu_per_call(app, "POST", path, bodies[:50], token)  # warm caches and indexes
        profiler = cProfile.Profile() if profile else None
        if profiler:
            profiler.enable()
        chat = await cpu_per_call(app, "POST", path, bodies[50 : 50 + turns], token)
        if profiler:
            profiler.disable()
        bare = bare_app()
        echo = [{"text": "你好", "lang": "zh"}] * 3000
        await cpu_per_call(bare, "POST", "/bare", echo[:200], None)
        bare_ms = await cpu_per_call(bare, "POST", "/bare", echo, None)
        platform.close()
    print(
        f"chat turn: {chat[0]:.3f} ms CPU in the serving thread ({chat[1]:.3f} ms all threads);"
        f" bare endpoint: {bare_ms[0]:.3f} ms CPU"
    )
    print(f"load average before the run: {os.getloadavg()[0]:.2f}")
    if COMMIT_SECONDS:
        print(commit_summary())
    if profiler:
        pstats.Stats(profiler).sort_stats(sort).print_stats(40)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--turns", type=int, default=1400)
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--sort", default="cumulative")
    parser.add_argument("--commits", action="store_true", help="time every SQLite commit")
    options = parser.parse_args()
    if options.commits:
        time_every_commit()
    asyncio.run(main(options.turns, options.profile, options.sort))
