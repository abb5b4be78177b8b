"""The one OpenAI client Buildboard uses: created once from settings and injected (Runtime.llm).

`build_llm(settings)` returns None when the feature is off or no key is set; every caller then uses
its plain fallback. Calls use Chat Completions with structured output
(`response_format={"type": "json_schema", "json_schema": {..., "strict": true}}`), short timeouts
and few retries (the SDK's own: 429 honouring Retry-After, 5xx, timeouts). `ask` never raises for
an API problem: it returns an `LlmAnswer` whose `data` is None and whose `error` says why, and a
malformed answer (not JSON, not the schema, refused, cut short) counts as no answer. Nothing here
is called on Slack's 3-second path.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Protocol

from bot.llm.schema import problems, wire
from bot.settings import Settings

if TYPE_CHECKING:
    import openai

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class LlmAnswer:
    """What one call produced: the checked data, or why there is none, and the tokens it used."""

    purpose: str
    model: str
    data: dict[str, Any] | None
    error: str | None = None
    input_tokens: int = 0
    cached_input_tokens: int = 0
    output_tokens: int = 0
    cost_usd: Decimal | None = None
    billed: bool = False  # a completion came back, so tokens were spent (even if the answer was unusable)

    @property
    def ok(self) -> bool:
        return self.data is not None


class ModelPrices(Protocol):
    """What the client needs of the price table (bot/ingest/prices.py): is a model known, what did a call cost."""

    def knows(self, model: str) -> bool: ...

    def cost_usd(
        self, model: str, *, input_tokens: int, output_tokens: int, cached_input_tokens: int = 0
    ) -> Decimal: ...


class LlmClient:
    """Structured questions to one model through the official openai SDK."""

    def __init__(self, client: openai.OpenAI, model: str, prices: ModelPrices | None = None) -> None:
        self._client = client
        self.model = model
        self._prices = prices

    def ask(
        self,
        *,
        purpose: str,
        instructions: str,
        data: str,
        schema_name: str,
        schema: dict[str, Any],
        max_output_tokens: int = 600,
    ) -> LlmAnswer:
        """Ask for JSON matching `schema`; `instructions` go in the system message, `data` in the user one."""
        import openai  # the SDK is large: imported by the first call, not by every command that may call

        try:
            completion = self._client.chat.completions.create(
                model=self.model,
                messages=[{"role": "system", "content": instructions}, {"role": "user", "content": data}],
                response_format={
                    "type": "json_schema",
                    "json_schema": {"name": schema_name, "strict": True, "schema": wire(schema)},
                },
                max_completion_tokens=max_output_tokens,
            )
        except openai.APITimeoutError:
            return self._failed(purpose, "timed out")
        except openai.RateLimitError:
            return self._failed(purpose, "rate limited (429)")
        except openai.APIStatusError as exc:
            return self._failed(purpose, f"HTTP {exc.status_code}")
        except openai.APIConnectionError:
            return self._failed(purpose, "could not connect")
        except openai.OpenAIError as exc:  # e.g. a body the SDK cannot read
            return self._failed(purpose, f"unreadable answer ({type(exc).__name__})")

        model = str(getattr(completion, "model", None) or self.model)[:120]
        usage = getattr(completion, "usage", None)
        input_tokens = int(getattr(usage, "prompt_tokens", 0) or 0)
        output_tokens = int(getattr(usage, "completion_tokens", 0) or 0)
        details = getattr(usage, "prompt_tokens_details", None)
        cached = min(int(getattr(details, "cached_tokens", 0) or 0), input_tokens)
        spent = dict(
            purpose=purpose,
            model=model,
            input_tokens=input_tokens,
            cached_input_tokens=cached,
            output_tokens=output_tokens,
            cost_usd=self._cost(model, input_tokens, cached, output_tokens),
            billed=True,
        )
        error, data = self._read(completion, schema)
        if error is not None:
            log.warning("LLM answer for %s unusable: %s", purpose, error)
            return LlmAnswer(data=None, error=error, **spent)
        return LlmAnswer(data=data, **spent)

    @staticmethod
    def _read(completion: Any, schema: dict[str, Any]) -> tuple[str | None, dict[str, Any] | None]:
        choices = getattr(completion, "choices", None) or []
        if not choices:
            return "malformed answer: no choices", None
        choice = choices[0]
        message = getattr(choice, "message", None)
        if message is None:
            return "malformed answer: no message", None
        if getattr(message, "refusal", None):
            return "the model refused", None
        if getattr(choice, "finish_reason", None) not in ("stop", None):
            return f"answer cut short ({choice.finish_reason})", None
        content = getattr(message, "content", None)
        if not isinstance(content, str):
            return "malformed answer: no text", None
        try:
            data = json.loads(content)
        except ValueError:
            return "malformed answer: not JSON", None
        found = problems(schema, data)
        if found:
            return "malformed answer: " + "; ".join(found[:3])[:150], None
        return None, data

    def _cost(self, model: str, input_tokens: int, cached: int, output_tokens: int) -> Decimal | None:
        if self._prices is None or not self._prices.knows(model):
            return None
        return self._prices.cost_usd(
            model, input_tokens=input_tokens, output_tokens=output_tokens, cached_input_tokens=cached
        )

    def _failed(self, purpose: str, error: str) -> LlmAnswer:
        log.warning("LLM call for %s failed: %s", purpose, error)
        return LlmAnswer(purpose=purpose, model=self.model, data=None, error=error)


def llm_status(settings: Settings) -> str | None:
    """Why there is no LLM (None when there is one)."""
    if not settings.llm_enabled:
        return "BUILDBOARD_LLM_ENABLED is off"
    if settings.openai_api_key is None or not settings.openai_api_key.get_secret_value().strip():
        return "OPENAI_API_KEY is not set"
    return None


def build_llm(settings: Settings, prices: ModelPrices | None) -> LlmClient | None:
    """The process's LLM client, or None when the features are off or no key is set.

    `prices` (the price table, from the composition root) turns each call's tokens into its cost;
    None leaves calls unpriced (their tokens are still recorded).
    """
    if llm_status(settings) is not None:
        return None
    assert settings.openai_api_key is not None
    import openai

    client = openai.OpenAI(
        api_key=settings.openai_api_key.get_secret_value(),
        base_url=settings.openai_base_url or None,
        timeout=settings.llm_timeout_seconds,
        max_retries=settings.llm_max_retries,
    )
    return LlmClient(client, settings.llm_model, prices)
