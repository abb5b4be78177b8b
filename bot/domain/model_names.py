"""One spelling per AI model: `GPT-4o`, ` gpt-4o ` and `gpt-4o` are the same model."""

from __future__ import annotations

import re

_SPACES = re.compile(r"\s+")


def normalise_model_name(name: str) -> str:
    """The stored name of a model: lower case, no surrounding spaces, inner runs of spaces as one."""
    return _SPACES.sub(" ", name.strip()).lower()
