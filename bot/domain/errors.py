"""The one kind of error an operator can fix: printed by `buildboard` as one line, no traceback."""

from __future__ import annotations


class OperatorError(Exception):
    """A problem the person running Buildboard can fix (a setting, a file, a database URL, an option).

    Its text is the whole message: one line, naming what to change. `exit_code` is the process's status.
    """

    exit_code = 2
