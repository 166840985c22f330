"""LLM providers behind one port (`LanguageModel`): `none` (default, offline) and `openai` (any
OpenAI-compatible server). Answers written by a model obey the evidence rules: retrieved ids only,
every sentence verified against its cited passage."""

from aegle.llm.port import (
    ChatMessage,
    Completion,
    LanguageModel,
    LlmError,
    LlmUnavailable,
    TokenUsage,
)
from aegle.llm.providers import NoLanguageModel, OpenAICompatible, build_model

__all__ = [
    "ChatMessage",
    "Completion",
    "LanguageModel",
    "LlmError",
    "LlmUnavailable",
    "NoLanguageModel",
    "OpenAICompatible",
    "TokenUsage",
    "build_model",
]
