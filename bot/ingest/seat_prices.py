"""The seats file: each plan's monthly price per seat (TOML), bundled and overridable with BUILDBOARD_SEATS_FILE."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from importlib.resources import files
from pathlib import Path
from typing import Any

from bot.domain.seats import SeatPlan
from bot.ingest.file_state import FileState, file_state

_FIELDS = {"tool", "provider", "label", "monthly_usd", "source", "as_of", "observable"}


@dataclass(frozen=True)
class SeatPrices:
    """Plans by key (cursor_teams, copilot_business, …)."""

    plans: dict[str, SeatPlan]
    observable: frozenset[str]  # plans whose tool reports activity

    @classmethod
    def load(cls, override_path: str | Path | None = None) -> SeatPrices:
        """The bundled plans, with the override file's plans laid over them field by field.

        Parsed once per state of the override file (`file_state`): an edit is read at the next call. The
        answer is shared between callers and threads, so nobody may change it.
        """
        if not override_path:
            return _load(None, None)
        return _load(str(override_path), file_state(override_path))

    def plan(self, key: str) -> SeatPlan | None:
        return self.plans.get(key)

    def default_plan(self, tool: str) -> SeatPlan | None:
        """The first plan listed for a tool (e.g. cursor → cursor_teams)."""
        return next((p for p in self.plans.values() if p.tool == tool), None)


@lru_cache(maxsize=8)
def _load(override_path: str | None, state: FileState) -> SeatPrices:
    """SeatPrices.load for one state of the override file (`state` is the cache key: never read here)."""
    raw = _parse(files("bot.ingest").joinpath("seats.toml").read_text(encoding="utf-8"), "seats.toml (bundled)")
    if override_path:
        label = str(override_path)
        try:
            text = Path(override_path).read_text(encoding="utf-8")
        except OSError as exc:
            raise ValueError(f"seats file {label}: cannot be read ({exc.strerror or exc})") from None
        for key, entry in _parse(text, label).items():
            raw[key] = {**raw.get(key, {}), **entry}
    plans: dict[str, SeatPlan] = {}
    observable = set()
    for key, entry in raw.items():
        plans[key] = _plan(key, entry, str(override_path or "seats.toml"))
        if entry.get("observable", True):
            observable.add(key)
    return SeatPrices(plans, frozenset(observable))


def _parse(text: str, label: str) -> dict[str, dict[str, Any]]:
    try:
        document = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ValueError(f"seats file {label}: not valid TOML ({exc})") from None
    plans = document.get("plans", {})
    if not isinstance(plans, dict) or not all(isinstance(v, dict) for v in plans.values()):
        raise ValueError(f"seats file {label}: expected [plans.<name>] tables")
    for key, entry in plans.items():
        unknown = set(entry) - _FIELDS
        if unknown:
            raise ValueError(f"seats file {label}: plan {key!r} has unknown field {sorted(unknown)[0]!r}")
    return {key: dict(entry) for key, entry in plans.items()}


def _plan(key: str, entry: dict[str, Any], label: str) -> SeatPlan:
    for required in ("tool", "provider"):
        if not isinstance(entry.get(required), str) or not entry[required].strip():
            raise ValueError(f"seats file {label}: plan {key!r} needs a {required!r}")
    raw_price = entry.get("monthly_usd")
    price: Decimal | None = None
    if raw_price is not None:
        try:
            price = Decimal(str(raw_price))
        except InvalidOperation:
            raise ValueError(f"seats file {label}: plan {key!r}: monthly_usd {raw_price!r} is not a number") from None
        if not price.is_finite() or price < 0:
            raise ValueError(f"seats file {label}: plan {key!r}: monthly_usd must be a price of 0 or more")
    return SeatPlan(
        key=key,
        tool=entry["tool"].strip(),
        provider=entry["provider"].strip(),
        monthly_usd=price,
        label=str(entry.get("label") or key),
        source=str(entry.get("source") or ""),
        as_of=str(entry.get("as_of") or ""),
    )
