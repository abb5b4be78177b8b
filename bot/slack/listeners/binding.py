"""How a listener callback gets the Runtime: bound by keyword, so Bolt injects only Slack's arguments."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

from bot.runtime import Runtime


def with_runtime(callback: Callable[..., None], runtime: Runtime, **more: Any) -> Callable[..., None]:
    """`callback` with `runtime=runtime` (and any `more` keywords) bound, ready for `app.action(ID)(...)`.

    Bolt picks the arguments to inject from inspect.getfullargspec(inspect.unwrap(f)).args. A partial's
    keyword becomes keyword-only there, so Bolt leaves `runtime` alone. functools.wraps would set
    __wrapped__, Bolt would see `runtime` again and pass None: only the name is copied, for Bolt's logs.
    """
    bound = partial(callback, runtime=runtime, **more)
    bound.__name__ = callback.__name__  # type: ignore[attr-defined]
    return bound
