"""OpenAI-compatible provider over an in-memory httpx transport: retries, timeouts, streaming,
token accounting. No network."""

from __future__ import annotations

import json

import httpx
import pytest

from aegle.llm import ChatMessage, LlmError, LlmUnavailable, NoLanguageModel, build_model
from aegle.llm.providers import OpenAICompatible

MESSAGES = [ChatMessage("system", "rules"), ChatMessage("user", "hello")]


def reply(text: str, prompt: int = 11, completion: int = 7) -> httpx.Response:
    return httpx.Response(
        200,
        json={
            "model": "tiny",
            "choices": [
                {"message": {"role": "assistant", "content": text}, "finish_reason": "stop"}
            ],
            "usage": {"prompt_tokens": prompt, "completion_tokens": completion},
        },
    )


def provider(handler: httpx.MockTransport, waits: list[float] | None = None) -> OpenAICompatible:
    return OpenAICompatible(
        base_url="http://llm.test/v1",
        model="tiny",
        api_key="k",
        max_retries=2,
        backoff_seconds=0.25,
        transport=handler,
        sleep=(waits.append if waits is not None else lambda _: None),
    )


def test_completion_sends_the_openai_shape_and_counts_tokens() -> None:
    seen: list[httpx.Request] = []

    def handle(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return reply("hi there")

    llm = provider(httpx.MockTransport(handle))
    out = llm.complete(MESSAGES, json_mode=True, max_tokens=50)
    assert out.text == "hi there"
    body = json.loads(seen[0].content)
    assert seen[0].url == "http://llm.test/v1/chat/completions"
    assert seen[0].headers["Authorization"] == "Bearer k"
    assert body["model"] == "tiny"
    assert body["max_tokens"] == 50
    assert body["response_format"] == {"type": "json_object"}
    assert body["messages"][1] == {"role": "user", "content": "hello"}
    llm.complete(MESSAGES)
    assert (llm.usage.prompt_tokens, llm.usage.completion_tokens, llm.usage.requests) == (22, 14, 2)
    assert llm.usage.total_tokens == 36


def test_retries_with_exponential_backoff_then_succeeds() -> None:
    calls = iter([httpx.Response(503), httpx.Response(429, headers={"Retry-After": "2"})])
    waits: list[float] = []

    def handle(request: httpx.Request) -> httpx.Response:
        return next(calls, reply("ok"))

    out = provider(httpx.MockTransport(handle), waits).complete(MESSAGES)
    assert out.text == "ok"
    assert waits == [0.25, 2.0]  # 0.25 * 2**0, then Retry-After wins over 0.5


def test_gives_up_after_the_retry_budget() -> None:
    count = 0

    def handle(request: httpx.Request) -> httpx.Response:
        nonlocal count
        count += 1
        return httpx.Response(502)

    with pytest.raises(LlmError):
        provider(httpx.MockTransport(handle)).complete(MESSAGES)
    assert count == 3


def test_timeouts_and_client_errors_become_llm_errors() -> None:
    def timeout(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("slow", request=request)

    with pytest.raises(LlmError, match="timed out"):
        provider(httpx.MockTransport(timeout)).complete(MESSAGES)

    def bad_request(request: httpx.Request) -> httpx.Response:
        return httpx.Response(400, json={"error": "bad"})

    with pytest.raises(LlmError):
        provider(httpx.MockTransport(bad_request)).complete(MESSAGES)

    def garbage(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, text="not json")

    with pytest.raises(LlmError, match="could not be read"):
        provider(httpx.MockTransport(garbage)).complete(MESSAGES)


def test_streaming_yields_deltas_and_records_usage() -> None:
    events = [
        {"choices": [{"delta": {"role": "assistant"}}]},
        {"choices": [{"delta": {"content": "Hel"}}]},
        {"choices": [{"delta": {"content": "lo"}}]},
        {"choices": [], "usage": {"prompt_tokens": 5, "completion_tokens": 2}},
    ]
    body = "".join(f"data: {json.dumps(e)}\n\n" for e in events) + "data: [DONE]\n\n"

    def handle(request: httpx.Request) -> httpx.Response:
        assert json.loads(request.content)["stream"] is True
        return httpx.Response(200, text=body, headers={"Content-Type": "text/event-stream"})

    llm = provider(httpx.MockTransport(handle))
    assert "".join(llm.stream(MESSAGES)) == "Hello"
    assert (llm.usage.prompt_tokens, llm.usage.completion_tokens) == (5, 2)


def test_none_provider_and_factory() -> None:
    with pytest.raises(LlmUnavailable):
        NoLanguageModel().complete(MESSAGES)
    assert build_model("none").name == "none"
    with pytest.raises(LlmUnavailable):
        build_model("openai", base_url=None, model=None)
    with pytest.raises(LlmUnavailable):
        build_model("mystery")
    assert build_model("openai", base_url="http://x/v1", model="m").name == "m"
