"""Providers: `none` (no model; callers fall back to extractive answers) and `openai` (any
OpenAI-compatible /chat/completions server: vLLM, llama.cpp server, Ollama, DeepSeek, Qwen...)."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import httpx

from aegle.llm.port import (
    ChatMessage,
    Completion,
    LanguageModel,
    LlmError,
    LlmUnavailable,
    TokenUsage,
)

RETRY_STATUS = frozenset({408, 409, 425, 429, 500, 502, 503, 504})


class NoLanguageModel:
    """The default: there is no model, and saying so is the only thing it does."""

    name = "none"

    def __init__(self) -> None:
        self.usage = TokenUsage()

    def complete(
        self,
        messages: Sequence[ChatMessage],
        *,
        max_tokens: int = 600,
        temperature: float = 0.0,
        json_mode: bool = False,
    ) -> Completion:
        raise LlmUnavailable()

    def stream(
        self, messages: Sequence[ChatMessage], *, max_tokens: int = 600, temperature: float = 0.0
    ) -> Iterator[str]:
        raise LlmUnavailable()


class OpenAICompatible:
    """Chat completions over HTTP with timeouts, retries with exponential backoff (honouring a
    numeric Retry-After), streaming (server-sent events) and token accounting."""

    def __init__(
        self,
        *,
        base_url: str,
        model: str,
        api_key: str | None = None,
        timeout_seconds: float = 30.0,
        max_retries: int = 2,
        backoff_seconds: float = 0.5,
        transport: httpx.BaseTransport | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        headers = {"Content-Type": "application/json"}
        if api_key:
            headers["Authorization"] = f"Bearer {api_key}"
        self.name = model
        self.model = model
        self.max_retries = max_retries
        self.backoff_seconds = backoff_seconds
        self.usage = TokenUsage()
        self._sleep = sleep
        self._client = httpx.Client(
            base_url=base_url.rstrip("/"),
            headers=headers,
            timeout=httpx.Timeout(timeout_seconds),
            transport=transport,
        )

    def close(self) -> None:
        self._client.close()

    def _body(
        self, messages: Sequence[ChatMessage], max_tokens: int, temperature: float
    ) -> dict[str, Any]:
        return {
            "model": self.model,
            "messages": [{"role": m.role, "content": m.content} for m in messages],
            "max_tokens": max_tokens,
            "temperature": temperature,
        }

    def _wait(self, attempt: int, response: httpx.Response | None) -> None:
        delay = self.backoff_seconds * (2**attempt)
        retry_after = response.headers.get("Retry-After") if response is not None else None
        if retry_after and retry_after.isdigit():
            delay = max(delay, min(float(retry_after), 30.0))
        self._sleep(delay)

    def _post(self, body: dict[str, Any]) -> httpx.Response:
        for attempt in range(self.max_retries + 1):
            last = attempt == self.max_retries
            try:
                response = self._client.post("/chat/completions", json=body)
            except httpx.TimeoutException as err:
                if last:
                    raise LlmError("The language model timed out") from err
                self._wait(attempt, None)
                continue
            except httpx.TransportError as err:
                if last:
                    raise LlmError("The language model could not be reached") from err
                self._wait(attempt, None)
                continue
            if response.status_code in RETRY_STATUS and not last:
                self._wait(attempt, response)
                continue
            if response.status_code >= 400:
                raise LlmError(
                    "The language model returned an error",
                    params={"status": response.status_code},
                )
            return response
        raise LlmError("The language model could not be reached")  # pragma: no cover

    def complete(
        self,
        messages: Sequence[ChatMessage],
        *,
        max_tokens: int = 600,
        temperature: float = 0.0,
        json_mode: bool = False,
    ) -> Completion:
        body = self._body(messages, max_tokens, temperature)
        if json_mode:
            body["response_format"] = {"type": "json_object"}
        response = self._post(body)
        try:
            data = response.json()
            choice = data["choices"][0]
            text = choice["message"]["content"] or ""
        except (ValueError, KeyError, IndexError, TypeError) as err:
            raise LlmError("The language model's reply could not be read") from err
        usage = data.get("usage") or {}
        prompt = int(usage.get("prompt_tokens") or 0)
        completion = int(usage.get("completion_tokens") or 0)
        self.usage.add(prompt, completion)
        return Completion(
            text=text,
            model=str(data.get("model") or self.model),
            prompt_tokens=prompt,
            completion_tokens=completion,
            finish_reason=choice.get("finish_reason"),
        )

    def stream(
        self, messages: Sequence[ChatMessage], *, max_tokens: int = 600, temperature: float = 0.0
    ) -> Iterator[str]:
        body = self._body(messages, max_tokens, temperature) | {
            "stream": True,
            "stream_options": {"include_usage": True},
        }
        prompt = completion = 0
        try:
            with self._client.stream("POST", "/chat/completions", json=body) as response:
                if response.status_code >= 400:
                    raise LlmError(
                        "The language model returned an error",
                        params={"status": response.status_code},
                    )
                for line in response.iter_lines():
                    if not line.startswith("data:"):
                        continue
                    payload = line[5:].strip()
                    if payload == "[DONE]":
                        break
                    try:
                        chunk = json.loads(payload)
                    except ValueError as err:
                        raise LlmError("The language model's stream could not be read") from err
                    usage = chunk.get("usage") or {}
                    prompt = int(usage.get("prompt_tokens") or prompt)
                    completion = int(usage.get("completion_tokens") or completion)
                    for choice in chunk.get("choices") or []:
                        delta = (choice.get("delta") or {}).get("content")
                        if delta:
                            yield delta
        except httpx.TimeoutException as err:
            raise LlmError("The language model timed out") from err
        except httpx.TransportError as err:
            raise LlmError("The language model could not be reached") from err
        finally:
            self.usage.add(prompt, completion)


def build_model(
    provider: str,
    *,
    base_url: str | None = None,
    model: str | None = None,
    api_key: str | None = None,
    timeout_seconds: float = 30.0,
    transport: httpx.BaseTransport | None = None,
) -> LanguageModel:
    """The provider named in settings (`llm.provider`); values come in as plain arguments."""
    if provider == "none":
        return NoLanguageModel()
    if provider == "openai":
        if not base_url or not model:
            raise LlmUnavailable("llm.base_url and llm.model are needed for the openai provider")
        return OpenAICompatible(
            base_url=base_url,
            model=model,
            api_key=api_key,
            timeout_seconds=timeout_seconds,
            transport=transport,
        )
    raise LlmUnavailable("Unknown language model provider", params={"provider": provider})
