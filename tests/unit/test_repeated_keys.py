"""Repeated keys are found the same way by the dict pass (small inputs) and the sort (large ones)."""

import random
import sys

import pytest

from bot.ingest.repeated_keys import Repeat, RepeatedKeys


def reference(rows: list[tuple[int, int]]) -> list[Repeat]:
    first: dict[int, int] = {}
    found = []
    for key, line in rows:
        if key in first:
            found.append(Repeat(key, line, first[key]))
        else:
            first[key] = line
    return found


def keys_of(rows: list[tuple[int, int]]) -> RepeatedKeys:
    keys = RepeatedKeys()
    for key, line in rows:
        keys.add(key, line)
    return keys


@pytest.mark.parametrize("seed", range(8))
@pytest.mark.parametrize("sort_from", [0, 10**9], ids=["sorted", "dict"])
def test_every_repeat_is_found_with_its_first_line_in_the_order_it_came(seed, sort_from):
    rng = random.Random(seed)
    pool = [rng.randrange(2**64) for _ in range(rng.randint(1, 400))] + [0, 2**64 - 1]
    with_lines = seed % 2 == 0  # a provider's records all have line 0
    rows = [(rng.choice(pool), line + 2 if with_lines else 0) for line in range(rng.randint(0, 3_000))]
    expected = reference(rows)
    assert keys_of(rows).repeats(sort_from=sort_from) == (expected, len(expected))
    assert keys_of(rows).repeats(5, sort_from=sort_from) == (expected[:5], len(expected))


@pytest.mark.parametrize("sort_from", [0, 10**9], ids=["sorted", "dict"])
def test_no_repeats(sort_from):
    assert RepeatedKeys().repeats(sort_from=sort_from) == ([], 0)
    assert keys_of([(5, 2), (6, 3), (2**64 - 1, 4)]).repeats(sort_from=sort_from) == ([], 0)


def test_a_key_three_times_names_the_first_line_twice():
    rows = [(7, 2), (8, 3), (7, 4), (7, 5)]
    assert keys_of(rows).repeats(sort_from=0) == ([Repeat(7, 4, 2), Repeat(7, 5, 2)], 2)


def test_about_twelve_bytes_a_row():
    rows = 100_000
    keys = keys_of([(i * 7919, i) for i in range(rows)])
    held = sys.getsizeof(keys._keys) + sys.getsizeof(keys._lines)  # the arrays with their spare capacity
    assert 12 * rows <= held < 14 * rows
