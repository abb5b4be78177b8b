"""Text rules shared by services and renderers: Slack's mrkdwn escape, cutting to a length, spreadsheet-safe cells."""

from __future__ import annotations


def escape(text: str | None) -> str:
    """Escape Slack's control characters (&, <, >) so `<!channel>` stays text."""
    if not text:
        return ""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def team_key(name: str | None) -> str | None:
    """The key a team is found by: its name stripped and casefolded (`Équipe`, `équipe`, `ÉQUIPE` are one team)."""
    # Python's casefold, not SQL lower(): SQLite's lower() leaves non-ASCII letters as they are.
    return name.strip().casefold() if name is not None else None


def truncate(text: str, limit: int) -> str:
    """`text` cut to `limit` characters, an ellipsis marking the cut."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def plural(count: int, singular: str, plural_form: str | None = None) -> str:
    """`count` with its noun: "1 person", "2 people", "0 rows" (`plural_form` defaults to `singular` + "s")."""
    noun = singular if count == 1 else (plural_form or singular + "s")
    return f"{count:,} {noun}"


# What makes a spreadsheet (Excel, LibreOffice, Google Sheets) read a CSV cell as a formula (OWASP "CSV injection").
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_text(text: str) -> str:
    """A text CSV cell a spreadsheet shows as text: one that starts like a formula gets a leading `'`.

    Only for text values: numbers Buildboard writes (a negative Decimal too) stay numbers.
    """
    return "'" + text if text.startswith(FORMULA_STARTS) else text
