"""Finding the keys a file gives twice, in 12 bytes a row: the keys and their lines in arrays, sorted once.

A dict of every key seen (about 170 bytes a row with its line) held 1.4 GB for the 8 million usage rows
of a million people's week. Here each row appends a 64-bit key and a 32-bit line number, and the
repeats are found at the end by one stable sort (numpy, in C) instead of a lookup per row.
"""

from __future__ import annotations

from array import array
from typing import NamedTuple

# Below this many keys a dict pass is cheaper than importing numpy (about 60 ms), and small.
SORT_FROM = 200_000


class Repeat(NamedTuple):
    key: int
    line: int  # where the key came again
    first_line: int  # where it came first


class RepeatedKeys:
    """Keys (integers in 0 … 2**64 - 1) with the line each came from, in the order they came."""

    __slots__ = ("_keys", "_lines")

    def __init__(self) -> None:
        self._keys = array("Q")
        self._lines = array("I")

    def add(self, key: int, line: int) -> None:
        self._keys.append(key)
        self._lines.append(line)

    def __len__(self) -> int:
        return len(self._keys)

    def repeats(self, limit: int | None = None, *, sort_from: int | None = None) -> tuple[list[Repeat], int]:
        """The first `limit` (default: all) keys that came again after their first, with both lines, in the
        order they came; and how many there were in all (a file given twice repeats every row)."""
        if not self._keys:
            return [], 0
        if len(self._keys) < (SORT_FROM if sort_from is None else sort_from):
            first: dict[int, int] = {}  # key → the position it came first
            found: list[Repeat] = []
            count = 0
            for at, key in enumerate(self._keys):
                earlier = first.setdefault(key, at)
                if earlier != at:
                    count += 1
                    if limit is None or len(found) < limit:
                        found.append(Repeat(key, self._lines[at], self._lines[earlier]))
            return found, count
        import numpy as np

        keys = np.frombuffer(self._keys, dtype=np.uint64)
        order = np.argsort(keys, kind="stable")  # equal keys stay in the order they came
        ranked = keys[order]
        again = np.empty(len(ranked), dtype=bool)
        again[0] = False
        np.equal(ranked[1:], ranked[:-1], out=again[1:])
        repeated = np.flatnonzero(again)
        if not len(repeated):
            return [], 0
        # For each position of the sorted keys, the position where its run of equal keys starts.
        run_start = np.maximum.accumulate(np.where(again, 0, np.arange(len(ranked))))
        at, first_at = order[repeated], order[run_start[repeated]]
        came = np.argsort(at)[:limit]  # back in the order the repeats came
        lines = np.frombuffer(self._lines, dtype=np.uint32)
        found = [
            Repeat(int(key), int(line), int(first))
            for key, line, first in zip(ranked[repeated][came], lines[at][came], lines[first_at][came], strict=True)
        ]
        return found, len(repeated)
