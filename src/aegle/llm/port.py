"""The language-model port: one Protocol every provider implements."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Literal, Protocol

from aegle.core.errors import AegleError
from aegle.core.i18n import N_

Role = Literal["system", "user", "assistant"]


@dataclass(frozen=True)
class ChatMessage:
    role: Role
    content: str


@dataclass
class TokenUsage:
    """Tokens spent, as reported by the server (counted per provider instance)."""

    prompt_tokens: int = 0
    completion_tokens: int = 0
    requests: int = 0

    @property
    def total_tokens(self) -> int:
        return self.prompt_tokens + self.completion_tokens

    def add(self, prompt: int, completion: int) -> None:
        self.prompt_tokens += prompt
        self.completion_tokens += completion
        self.requests += 1


@dataclass(frozen=True)
class Completion:
    text: str
    model: str
    prompt_tokens: int = 0
    completion_tokens: int = 0
    finish_reason: str | None = None


class LlmError(AegleError):
    status = 502
    code = "llm_error"
    title = N_("The language model could not answer")


class LlmUnavailable(LlmError):
    status = 503
    code = "llm_unavailable"
    title = N_("No language model is configured")


class LanguageModel(Protocol):
    name: str
    usage: TokenUsage

    def complete(
        self,
        messages: Sequence[ChatMessage],
        *,
        max_tokens: int = 600,
        temperature: float = 0.0,
        json_mode: bool = False,
    ) -> Completion: ...

    def stream(
        self, messages: Sequence[ChatMessage], *, max_tokens: int = 600, temperature: float = 0.0
    ) -> Iterator[str]: ...
