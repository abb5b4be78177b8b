import random
from decimal import Decimal
from typing import NamedTuple

from bot.domain.ranking import best, best_rows, rank, rank_key, ranks_by_spend
from bot.domain.stats import OrgWeek, PersonWeek, change_ratio


def week(pid, tokens=0, spend="0", artifacts=0, units="0"):
    return PersonWeek(pid, tokens, Decimal(spend), 1 if tokens else 0, artifacts, Decimal(units))


def test_output_ranks_before_tokens():
    burner = week(1, tokens=10_000_000, spend="900")
    builder = week(2, tokens=100_000, spend="20", artifacts=2, units="2")
    assert [w.person_id for w in rank([burner, builder])] == [2, 1]
    assert [w.person_id for w in rank([burner, builder], "tokens")] == [1, 2]


def test_ties_on_work_units_go_to_the_cheaper_builder():
    pricey = week(1, tokens=500, spend="300", artifacts=1, units="3")
    thrifty = week(2, tokens=500, spend="30", artifacts=1, units="3")
    assert [w.person_id for w in rank([pricey, thrifty])] == [2, 1]
    assert thrifty.cost_per_work_unit == Decimal("10.00")


def test_inactive_people_are_not_ranked():
    assert rank([week(1), week(2, tokens=5, spend="1")]) == [week(2, tokens=5, spend="1")]


def test_ranks_by_spend_are_one_based():
    assert ranks_by_spend([week(1, 5, "3"), week(2, 5, "9"), week(3)]) == {2: 1, 1: 2}


def test_evidence_ratio_and_change():
    org = OrgWeek(
        tokens=10,
        spend_usd=Decimal("200"),
        active_people=3,
        artifacts=1,
        work_units=Decimal(1),
        people_with_artifacts_spend_usd=Decimal("50"),
    )
    assert org.evidence_ratio == Decimal("0.250")
    assert change_ratio(150, 100) == Decimal("0.500")
    assert change_ratio(5, 0) is None


def test_best_is_the_head_of_the_full_ranking_for_every_rule():
    rng = random.Random(5)
    weeks = [
        PersonWeek(
            pid,
            rng.choice([0, 10, 500, 500, 9000]),
            Decimal(rng.choice(["0", "1.50", "1.50", "40"])),
            rng.randint(0, 7),
            rng.choice([0, 0, 1, 2]),
            Decimal(rng.choice(["0", "1", "3", "3"])),
        )
        for pid in rng.sample(range(1, 10_000), 600)
    ]
    for rank_by in ("work_units", "tokens", "spend"):
        full = sorted(weeks, key=lambda w: rank_key(w, rank_by))  # everyone given, active or not
        for count in (1, 10, 200, len(full) + 5):
            assert best(weeks, count, rank_by) == full[:count]
        active = [w for w in weeks if w.tokens > 0 or w.artifacts > 0]
        assert best(active, 10, rank_by) == rank(weeks, rank_by)[:10]  # rank() leaves out who did nothing
        assert best(weeks, 0, rank_by) == []


class RawLine(NamedTuple):
    """A report's line as SQLite gives its sums: floats where PersonWeek holds Decimals."""

    person_id: int
    tokens: int
    spend_usd: float
    work_units: float | int

    def stats(self) -> PersonWeek:
        return PersonWeek(self.person_id, self.tokens, Decimal(self.spend_usd), 1, 1, Decimal(self.work_units))


def test_best_rows_are_the_head_of_the_full_ranking_of_their_figures():
    """best_rows looks at the leading figure of every row and builds the full key for those that reach the count-th
    largest only: the head must be the full ranking's, ties and floats included."""
    rng = random.Random(11)
    lines = [
        RawLine(pid, rng.choice([0, 10, 500, 500]), rng.choice([0.0, 1.5, 1.5, 40.25]), rng.choice([0, 1, 2.5, 3, 3.0]))
        for pid in rng.sample(range(1, 10_000), 800)
    ]
    for rank_by in ("work_units", "tokens", "spend"):
        full = sorted(lines, key=lambda line: rank_key(line.stats(), rank_by))
        for count in (1, 5, 37, len(full) + 1):
            assert best_rows(lines, count, rank_by, RawLine.stats) == full[:count]
