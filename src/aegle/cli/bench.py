"""`aegle bench api`: chat-turn latency and throughput over loopback, beside a bare FastAPI
JSON endpoint measured in the same run with the same server settings and load generator.

The load generator speaks raw HTTP/1.1 keep-alive on asyncio streams so that the client costs
as little CPU as possible on a small machine (it shares the cores with the server).
"""

from __future__ import annotations

import asyncio
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

import httpx
import typer
from fastapi import FastAPI
from pydantic import BaseModel

app = typer.Typer(help="Benchmarks (results go in docs/benchmarks.md).", no_args_is_help=True)

# The platform workload: one message for each non-consult intent, zh and en. Every turn runs
# auth, the access gate and audit chain, the safety screen, the intent classifier, the skill and
# two inserts. A consultation turn also runs the interview engine; it is measured on its own.
EVIDENCE_QUESTION = ("听说喝醋能软化血管，是真的吗？", "zh")
MESSAGES = (
    ("你好，你能做什么？", "zh"),
    ("帮我看看这个化验单", "zh"),
    ("How is my blood pressure this week?", "en"),
    ("Can I take ibuprofen with aspirin?", "en"),
    ("医保能报销多少？", "zh"),
    ("推荐一个心内科医生", "zh"),
    EVIDENCE_QUESTION,
)
# The same turns without the evidence question: an evidence answer embeds the question
# (onnxruntime, ~10-15 ms of CPU, in a worker thread), which the mixed workload averages in;
# this one is the platform's own cost per turn.
PLATFORM_MESSAGES = tuple(message for message in MESSAGES if message != EVIDENCE_QUESTION)
# A consultation: a complaint, five answers, then "stop" for the result; over and over.
CONSULT = (
    ("我这两天头疼，还流鼻涕、嗓子疼", "zh"),
    *(("不确定", "zh"),) * 5,
    ("结束", "zh"),
)


class Echo(BaseModel):
    text: str
    lang: str | None = None


VARIANTS = 40


def bare_app() -> FastAPI:
    """The baseline: FastAPI parsing a JSON body and answering JSON, nothing else."""
    baseline = FastAPI()

    @baseline.post("/bare")
    def bare(body: Echo) -> dict[str, str]:
        return {"text": body.text}

    return baseline


@dataclass
class Result:
    name: str
    requests: int
    errors: int
    seconds: float
    latencies_ms: list[float]

    @property
    def throughput(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    def percentile(self, q: float) -> float:
        if not self.latencies_ms:
            return float("nan")
        ordered = sorted(self.latencies_ms)
        index = min(len(ordered) - 1, max(0, round(q / 100 * len(ordered)) - 1))
        return ordered[index]

    def summary(self) -> dict[str, float | int | str]:
        return {
            "name": self.name,
            "requests": self.requests,
            "errors": self.errors,
            "seconds": round(self.seconds, 2),
            "throughput_rps": round(self.throughput, 1),
            "p50_ms": round(self.percentile(50), 2),
            "p99_ms": round(self.percentile(99), 2),
            "mean_ms": round(statistics.fmean(self.latencies_ms), 2) if self.latencies_ms else 0,
        }


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _start_server(
    target: str, port: int, env: dict[str, str], workers: int
) -> subprocess.Popen[bytes]:
    command = [
        sys.executable,
        "-m",
        "uvicorn",
        target,
        "--factory",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--log-level",
        "warning",
        "--no-access-log",
        "--workers",
        str(workers),
    ]
    return subprocess.Popen(command, env=env)  # noqa: S603 - fixed argv, our own module


def _wait_ready(url: str, timeout: float = 180.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if httpx.get(url, timeout=1.0).status_code < 500:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"server at {url} did not start")


def _request_bytes(path: str, body: bytes, token: str | None) -> bytes:
    headers = [
        f"POST {path} HTTP/1.1",
        "Host: 127.0.0.1",
        "Content-Type: application/json",
        f"Content-Length: {len(body)}",
    ]
    if token:
        headers.append(f"Authorization: Bearer {token}")
    return ("\r\n".join(headers) + "\r\n\r\n").encode() + body


async def _read_response(reader: asyncio.StreamReader) -> int:
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1])
    length = 0
    for line in head.split(b"\r\n"):
        if line.lower().startswith(b"content-length:"):
            length = int(line.split(b":", 1)[1])
    if length:
        await reader.readexactly(length)
    return status


async def _client(
    port: int, requests: list[bytes], stop_at: float, warm_until: float, result: Result
) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    index = 0
    try:
        while True:
            started = time.perf_counter()
            if started >= stop_at:
                break
            writer.write(requests[index % len(requests)])
            index += 1
            await writer.drain()
            status = await _read_response(reader)
            finished = time.perf_counter()
            if started >= warm_until:
                result.requests += 1
                result.latencies_ms.append((finished - started) * 1000)
                if status >= 400:
                    result.errors += 1
    finally:
        writer.close()


async def _load(
    name: str, port: int, per_client: list[list[bytes]], seconds: float, warmup: float
) -> Result:
    result = Result(name=name, requests=0, errors=0, seconds=seconds, latencies_ms=[])
    now = time.perf_counter()
    warm_until, stop_at = now + warmup, now + warmup + seconds
    await asyncio.gather(
        *(_client(port, requests, stop_at, warm_until, result) for requests in per_client)
    )
    return result


def _prepare_chat(
    base: str, clients: int, script: tuple[tuple[str, str], ...], tag: str, variants: int
) -> list[list[bytes]]:
    """One user and one conversation per client, like real people chatting at once."""
    per_client = []
    with httpx.Client(base_url=base, timeout=30) as http:
        for index in range(clients):
            credentials = {"username": f"{tag}{index}", "password": "bench-password-1"}
            http.post("/api/v1/auth/register", json=credentials).raise_for_status()
            token = http.post("/api/v1/auth/login", json=credentials).json()["access_token"]
            headers = {"Authorization": f"Bearer {token}"}
            cid = http.post("/api/v1/conversations", json={}, headers=headers).json()["id"]
            path = f"/api/v1/conversations/{cid}/messages"
            # Distinct texts, so no cache makes a turn cheaper than a real one.
            per_client.append(
                [
                    _request_bytes(
                        path,
                        json.dumps(
                            {
                                "text": text if variants == 1 else f"{text} #{index}-{n}",
                                "lang": lang,
                            }
                        ).encode(),
                        token,
                    )
                    for n in range(variants)
                    for text, lang in script
                ]
            )
    return per_client


@app.command("api")
def bench_api(
    clients: Annotated[int, typer.Option(help="Concurrent clients.")] = 20,
    seconds: Annotated[float, typer.Option(help="Measured seconds per target.")] = 15.0,
    warmup: Annotated[float, typer.Option(help="Unmeasured warm-up seconds.")] = 3.0,
    workers: Annotated[
        int, typer.Option(help="Server worker processes, the same for both servers.")
    ] = 1,
    as_json: Annotated[bool, typer.Option("--json", help="Machine-readable output.")] = False,
) -> None:
    """Chat-turn p50/p99 and throughput vs a bare FastAPI endpoint, embedded default."""
    with tempfile.TemporaryDirectory(prefix="aegle-bench-") as tmp:
        env = {key: value for key, value in os.environ.items() if not key.startswith("AEGLE_")}
        env.update(
            {
                "AEGLE_PRESET": "dev",
                "AEGLE_APP__DEBUG": "false",
                "AEGLE_APP__VAR_DIR": str(Path(tmp) / "var"),
                # Logins are not what is measured; keep argon2id but light for set-up.
                "AEGLE_AUTH__ARGON2_TIME_COST": "1",
                "AEGLE_AUTH__ARGON2_MEMORY_KIB": "8192",
                "AEGLE_AUTH__LOGIN_MAX_FAILURES": "1000",
            }
        )
        subprocess.run([sys.executable, "-m", "aegle.cli", "db", "upgrade"], env=env, check=True)
        # As a deployment does before serving: the evidence vectors exist (a no-op once cached),
        # so the server does not embed the corpus in the background while it is measured.
        subprocess.run([sys.executable, "-m", "aegle.cli", "corpus", "index"], env=env, check=True)
        results = []
        port = _free_port()
        server = _start_server("aegle.cli.bench:bare_app", port, env, workers)
        try:
            _wait_ready(f"http://127.0.0.1:{port}/docs")
            body = json.dumps({"text": "你好", "lang": "zh"}).encode()
            per_client = [[_request_bytes("/bare", body, None)] for _ in range(clients)]
            results.append(
                asyncio.run(_load("bare FastAPI JSON endpoint", port, per_client, seconds, warmup))
            )
        finally:
            server.terminate()
            server.wait(timeout=30)
        port = _free_port()
        server = _start_server("aegle.server:create_app", port, env, workers)
        try:
            base = f"http://127.0.0.1:{port}"
            _wait_ready(base + "/api/v1/health")
            chat_load = _prepare_chat(base, clients, MESSAGES, "chat", VARIANTS)
            platform_load = _prepare_chat(base, clients, PLATFORM_MESSAGES, "plain", VARIANTS)
            consult_load = _prepare_chat(base, clients, CONSULT, "consult", 1)
            results.append(asyncio.run(_load("Aegle chat turn", port, chat_load, seconds, warmup)))
            results.append(
                asyncio.run(_load("chat turn, no evidence", port, platform_load, seconds, warmup))
            )
            results.append(
                asyncio.run(_load("Aegle consultation turn", port, consult_load, seconds, warmup))
            )
        finally:
            server.terminate()
            server.wait(timeout=30)
    bare, chat, platform_turn, _ = results
    report: dict[str, Any] = {
        "clients": clients,
        "workers": workers,
        "cpus": os.cpu_count(),
        "results": [r.summary() for r in results],
        "chat_vs_bare_throughput": round(chat.throughput / bare.throughput, 3),
        "no_evidence_vs_bare_throughput": round(platform_turn.throughput / bare.throughput, 3),
        "targets": {"p50_ms": 20, "p99_ms": 100, "throughput_ratio": 0.25},
    }
    if as_json:
        typer.echo(json.dumps(report, indent=2))
        return
    for row in (r.summary() for r in results):
        typer.echo(
            f"{row['name']:28} {row['throughput_rps']:8.1f} req/s  p50 {row['p50_ms']:6.2f} ms"
            f"  p99 {row['p99_ms']:7.2f} ms  errors {row['errors']}"
        )
    typer.echo(f"chat / bare throughput: {report['chat_vs_bare_throughput']:.1%}")
    typer.echo(f"chat without evidence / bare: {report['no_evidence_vs_bare_throughput']:.1%}")
