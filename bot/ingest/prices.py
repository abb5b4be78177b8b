"""The price table: USD per token for each model, bundled and overridable.

The bundled `prices.json` follows a subset of LiteLLM's `model_prices_and_context_window.json`
(same field names, dollars per token). Prices change, so operators can lay their own file
over it; the override may carry only `"models"`, and may change just one field of a model.
"""

from __future__ import annotations

import json
import logging
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from importlib.resources import files
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

_MICRO = Decimal("0.000001")
_DECIMAL_LIMIT = 10**28  # the default context's precision: below it, Decimal sums are exact

# Dated snapshots fall back to the undated name: "-20250514", "-2024-08-06", "@20250514", and "-latest".
_DATE_SUFFIX = re.compile(r"(?:[-@]\d{8}|-\d{4}-\d{2}-\d{2}|-latest)$")

_PRICE_FIELDS = {
    "input_cost_per_token": "input",
    "output_cost_per_token": "output",
    "cache_read_input_token_cost": "cached_input",
    "cache_creation_input_token_cost": "cache_write",
}


class UnknownModel(Exception):
    """No price is known for this model name, even after the fallbacks."""

    def __init__(self, model: str) -> None:
        super().__init__(f"no price known for model {model!r}: add it to a price override file")
        self.model = model


@dataclass(frozen=True)
class ModelPrice:
    """USD per token. `cache_write` is None where the provider has no separate cache-write price."""

    input: Decimal
    output: Decimal
    cached_input: Decimal
    cache_write: Decimal | None


@dataclass(frozen=True, slots=True)
class MicroRates:
    """A model's prices as whole numbers of 1/(10**6 · `unit`) USD per token, for exact integer costs.

    `cost_micros` equals `PriceTable.cost_usd` in micro-dollars (same half-up rounding) without Decimal
    arithmetic, which big imports would otherwise pay on every row.
    """

    unit: int
    input: int
    output: int
    cached_input: int
    cache_write: int

    @classmethod
    def of(cls, price: ModelPrice) -> MicroRates:
        write = price.cache_write if price.cache_write is not None else price.input
        values = (price.input, price.output, price.cached_input, write)
        parts = [value.as_tuple() for value in values]
        if any(v < 0 or not isinstance(p.exponent, int) for v, p in zip(values, parts, strict=True)):
            raise ValueError(f"prices must be finite and not negative: {values}")
        places = max([6] + [-p.exponent for p in parts])  # digits after the point
        scaled = [int("".join(map(str, p.digits))) * 10 ** (p.exponent + places) for p in parts]
        return cls(10 ** (places - 6), *scaled)

    def cost_micros(
        self, input_tokens: int, output_tokens: int, cached_input_tokens: int = 0, cache_write_tokens: int = 0
    ) -> int | None:
        """Cost in micro-dollars, rounded half up, for token counts `PriceTable.cost_usd` accepts.

        None past 28 digits, where `cost_usd`'s Decimal arithmetic would round: call it instead.
        """
        total = (
            (input_tokens - cached_input_tokens - cache_write_tokens) * self.input
            + cached_input_tokens * self.cached_input
            + cache_write_tokens * self.cache_write
            + output_tokens * self.output
        )
        if total >= _DECIMAL_LIMIT:
            return None
        return (2 * total + self.unit) // (2 * self.unit)


class PriceTable:
    """Model → ModelPrice, with fallbacks for dated snapshots and provider prefixes."""

    def __init__(
        self,
        prices: Mapping[str, ModelPrice],
        *,
        source: str,
        retrieved: str,
        providers: Mapping[str, str] | None = None,
    ) -> None:
        self._prices = dict(prices)
        self._providers = dict(providers or {})
        self._resolved: dict[str, str | None] = {}
        self._rates: dict[str, MicroRates] = {}
        self.source = source
        self.retrieved = retrieved

    @classmethod
    def load(cls, override_path: str | Path | None = None) -> PriceTable:
        """The bundled table, with `override_path` (same format) merged on top."""
        bundled_text = (files("bot.ingest") / "prices.json").read_text(encoding="utf-8")
        bundled = _parse_document(bundled_text, "bundled prices.json")
        raw_models: dict[str, dict[str, Any]] = {name: dict(entry) for name, entry in bundled["models"].items()}
        meta = bundled.get("_meta") or {}
        source = str(meta.get("source", "bundled prices.json"))
        retrieved = str(meta.get("retrieved", ""))

        if override_path is not None:
            path = Path(override_path)
            label = str(path)
            try:
                text = path.read_text(encoding="utf-8")
            except OSError as exc:
                raise ValueError(f"price file {label}: cannot be read ({exc.strerror or exc})") from None
            override = _parse_document(text, label)
            for name, entry in override["models"].items():
                # Field-level merge: an override may correct one price of a model we already know.
                raw_models[name] = {**raw_models.get(name, {}), **entry}
            override_meta = override.get("_meta") or {}
            source = f"{source}; overridden by {override_meta.get('source', label)}"
            retrieved = str(override_meta.get("retrieved", retrieved))
            overridden = set(override["models"])
        else:
            label, overridden = "bundled prices.json", set()

        prices: dict[str, ModelPrice] = {}
        providers: dict[str, str] = {}
        for name, entry in raw_models.items():
            where = label if name in overridden else "bundled prices.json"
            prices[name] = _model_price(entry, name, where)
            if isinstance(entry.get("provider"), str):
                providers[name] = entry["provider"]
        return cls(prices, source=source, retrieved=retrieved, providers=providers)

    def price_for(self, model: str) -> ModelPrice:
        """Exact name; else without a date suffix; else without a provider prefix; else UnknownModel."""
        name = self._resolve(model)
        if name is None:
            raise UnknownModel(model)
        return self._prices[name]

    def micro_rates(self, model: str) -> MicroRates | None:
        """The model's prices for integer arithmetic (see MicroRates); None when unknown (no UnknownModel)."""
        name = self._resolve(model)
        if name is None:
            return None
        rates = self._rates.get(name)
        if rates is None:
            rates = self._rates[name] = MicroRates.of(self._prices[name])
        return rates

    def knows(self, model: str) -> bool:
        return self._resolve(model) is not None

    def provider_for(self, model: str) -> str | None:
        """'openai' or 'anthropic' as the table records it; None when unknown or unrecorded."""
        name = self._resolve(model)
        return self._providers.get(name) if name is not None else None

    @property
    def models(self) -> list[str]:
        return sorted(self._prices)

    def cost_usd(
        self,
        model: str,
        *,
        input_tokens: int,
        output_tokens: int,
        cached_input_tokens: int = 0,
        cache_write_tokens: int = 0,
    ) -> Decimal:
        """Cost in USD to the micro-dollar. `input_tokens` includes cached and cache-write tokens."""
        for field, value in (
            ("input_tokens", input_tokens),
            ("output_tokens", output_tokens),
            ("cached_input_tokens", cached_input_tokens),
            ("cache_write_tokens", cache_write_tokens),
        ):
            if value < 0:
                raise ValueError(f"{field} is negative ({value})")
        if cached_input_tokens + cache_write_tokens > input_tokens:
            raise ValueError(
                f"cached_input_tokens ({cached_input_tokens}) + cache_write_tokens ({cache_write_tokens}) "
                f"exceed input_tokens ({input_tokens}), which must include them"
            )
        price = self.price_for(model)
        uncached = input_tokens - cached_input_tokens - cache_write_tokens
        write_price = price.cache_write if price.cache_write is not None else price.input
        cost = (
            uncached * price.input
            + cached_input_tokens * price.cached_input
            + cache_write_tokens * write_price
            + output_tokens * price.output
        )
        return cost.quantize(_MICRO, rounding=ROUND_HALF_UP)

    def _resolve(self, model: str) -> str | None:
        try:
            return self._resolved[model]
        except KeyError:
            pass
        name = self._lookup(model)
        # Model names are a small set; caching them makes per-row pricing of big imports cheap.
        if len(self._resolved) < 10_000:
            self._resolved[model] = name
        return name

    def _lookup(self, model: str) -> str | None:
        candidate = model.strip()
        seen: set[str] = set()
        for name in (candidate, candidate.lower()):
            while name and name not in seen:
                seen.add(name)
                for attempt in (name, _DATE_SUFFIX.sub("", name)):
                    if attempt in self._prices:
                        return attempt
                # "openai/gpt-4o", "anthropic/claude-sonnet-4-20250514": drop one prefix and retry.
                name = name.split("/", 1)[1] if "/" in name else ""
        return None


def _parse_document(text: str, label: str) -> dict[str, Any]:
    """Parse a price file; a ValueError names the file and what is wrong with it."""
    try:
        document = json.loads(text, parse_float=Decimal)
    except json.JSONDecodeError as exc:
        raise ValueError(
            f"price file {label}: not valid JSON ({exc.msg} at line {exc.lineno}, column {exc.colno})"
        ) from None
    if not isinstance(document, dict):
        raise ValueError(f'price file {label}: expected a JSON object with a "models" object at the top')
    if "models" not in document:
        raise ValueError(f'price file {label}: missing the "models" object (model name → prices)')
    models = document["models"]
    if not isinstance(models, dict):
        raise ValueError(f'price file {label}: "models" must be an object of model name → prices')
    for name, entry in models.items():
        if not isinstance(entry, dict):
            raise ValueError(f"price file {label}: model {name!r} must be an object of prices")
    meta = document.get("_meta")
    if meta is not None and not isinstance(meta, dict):
        raise ValueError(f'price file {label}: "_meta" must be an object')
    return document


def _model_price(entry: Mapping[str, Any], name: str, label: str) -> ModelPrice:
    values: dict[str, Decimal | None] = {}
    for field, attribute in _PRICE_FIELDS.items():
        raw = entry.get(field)
        values[attribute] = None if raw is None else _price(raw, name, field, label)
    for field in ("input_cost_per_token", "output_cost_per_token"):
        if values[_PRICE_FIELDS[field]] is None:
            raise ValueError(f"price file {label}: model {name!r} has no {field!r}")
    provider = entry.get("provider")
    if provider is not None and not isinstance(provider, str):
        raise ValueError(f'price file {label}: model {name!r} has a non-text "provider"')
    input_price, output_price = values["input"], values["output"]
    if input_price is None or output_price is None:  # checked above; this narrows the types
        raise ValueError(f"price file {label}: model {name!r} lacks an input or output price")
    return ModelPrice(
        input=input_price,
        output=output_price,
        # No cache-read price (e.g. embeddings): cached tokens cost what uncached ones do.
        cached_input=values["cached_input"] if values["cached_input"] is not None else input_price,
        cache_write=values["cache_write"],
    )


def _price(raw: Any, name: str, field: str, label: str) -> Decimal:
    problem = f"price file {label}: model {name!r} field {field!r}"
    if isinstance(raw, bool) or not isinstance(raw, int | float | Decimal):
        raise ValueError(f"{problem} must be a number of USD per token, not {raw!r}")
    if isinstance(raw, float) and not math.isfinite(raw):
        raise ValueError(f"{problem} must be finite, not {raw!r}")
    try:
        value = raw if isinstance(raw, Decimal) else Decimal(str(raw))
    except InvalidOperation:
        raise ValueError(f"{problem} is not a number: {raw!r}") from None
    if not value.is_finite():
        raise ValueError(f"{problem} must be finite, not {raw!r}")
    if value < 0:
        raise ValueError(f"{problem} must not be negative ({raw})")
    return value


def prices_for_llm(prices_file: Path | str | None) -> PriceTable | None:
    """The price table that prices Buildboard's own LLM calls; None (calls unpriced) when the override is broken.

    A broken BUILDBOARD_PRICES_FILE must not switch the AI features off: it is reported and the calls
    are recorded without a cost.
    """
    try:
        return PriceTable.load(prices_file)
    except ValueError as exc:
        log.warning("LLM costs not priced: %s", exc)
        return None
