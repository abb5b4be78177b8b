"""The injected LLM client (openai SDK); every feature works without it."""

from bot.llm.client import LlmAnswer, LlmClient, build_llm, llm_status

__all__ = ["LlmAnswer", "LlmClient", "build_llm", "llm_status"]
