"""A file's state as far as a cache needs it: read a configuration file again only when it changed.

`/buildboard me` and every team report read the seats file and the titles file; parsing them each time
was 0.6 ms of a 17 ms answer. A cache keyed by the path and this state keeps an operator's edit taking
effect at the next answer, without a restart.
"""

from __future__ import annotations

import os
from pathlib import Path

FileState = tuple[str, int, int] | None


def file_state(path: str | Path) -> FileState:
    """(path, modification time in ns, size), or None when the file cannot be looked at (the read then says why)."""
    try:
        stat = os.stat(path)
    except OSError:
        return None
    return str(path), stat.st_mtime_ns, stat.st_size
