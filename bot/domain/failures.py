"""What may be published about a failure: the error's class and a short reason, never its raw text.

Database errors quote the statement and the offending values (emails, names); exceptions in general
may quote anything. Health endpoints are read by whoever can reach them, so they get this summary
and the log keeps the rest.
"""

from __future__ import annotations

import re

REASON_LIMIT = 120
DATABASE_REASON = "a database error (the details are in the log)"
_CLASS = re.compile(r"[A-Za-z_][A-Za-z0-9_.]*(?: \([A-Za-z_][A-Za-z0-9_.]*\))?")
_EMAIL = re.compile(r"[^\s@'\"()<>,;=\[\]]+@[^\s@'\"()<>,;=\[\]]+")
# Markers of a DB-API error's text (SQLAlchemy wraps it as "(psycopg.errors.X) …\n[SQL: …]").
_DATABASE_TEXT = re.compile(r"\[SQL:|\((?:psycopg|psycopg2|sqlite3|asyncpg)[.\w]*\)|DETAIL:|Key \(")


def failure_summary(class_name: str, message: str, *, database: bool = False) -> str:
    """`Class: short reason` for an exception's class name and text; a database error's text is never kept."""
    first_line = message.strip().splitlines()[0] if message.strip() else ""
    if database or _DATABASE_TEXT.search(message):
        reason = DATABASE_REASON
    else:
        reason = _EMAIL.sub("<email>", first_line)
        if len(reason) > REASON_LIMIT:
            reason = reason[: REASON_LIMIT - 1] + "…"
    return f"{class_name}: {reason}" if reason else class_name


def public_failure(recorded: str | None) -> str | None:
    """A recorded `Class: text` (whatever wrote it) as it may be published: the class and a short reason."""
    if not recorded:
        return recorded
    class_name, separator, message = recorded.partition(":")
    if not separator or not _CLASS.fullmatch(class_name.strip()):
        class_name, message = "Error", recorded
    return failure_summary(class_name.strip(), message)
