"""`award_titles` against the plain reference it replaced: random weeks and random rules, the same awards.

The domain function reads each metric as stored and makes Decimals of the holders' values only; the
reference below converts every person's value to a Decimal, as the rule file describes each metric. Ties,
minimums, `min_value`, both directions, `winners = "all"` and every tie-break must come out the same, values
written the same.
"""

from __future__ import annotations

import random
from decimal import Decimal

import pytest

from bot.domain.claims import has_output
from bot.domain.stats import PersonWeek
from bot.domain.titles import (
    METRICS,
    TIE_BREAKS,
    TitleAward,
    TitleHistory,
    TitleRule,
    _break_ties,
    award_titles,
    load_rules,
)


def reference_metric(metric, week, previous, history):
    """Each metric as the rule file describes it, a Decimal for everyone (None: the rule does not apply)."""
    if metric == "cost_per_work_unit":
        return week.cost_per_work_unit
    if metric == "work_units_gain":
        return Decimal(week.work_units) - Decimal(previous.work_units if previous else 0)
    if metric == "first_artifact":
        return Decimal(1) if week.person_id in history.first_artifact_people else None
    return Decimal(getattr(week, metric))


def reference_awards(weeks, previous_weeks, history, *, rules, require_artifact, eligible, longest_runs):
    candidates = [w for w in weeks if has_output(w.work_units) and (eligible is None or w.person_id in eligible)]
    awards = []
    for rule in rules:
        scored = []
        for week in candidates:
            if rule.needs_artifact(require_artifact) and week.artifacts <= 0:
                continue
            if not (
                week.tokens >= rule.min_tokens
                and week.active_days >= rule.min_active_days
                and week.artifacts >= rule.min_artifacts
                and week.spend_usd >= rule.min_spend_usd
                and week.work_units >= rule.min_work_units
            ):
                continue
            value = reference_metric(rule.metric, week, previous_weeks.get(week.person_id), history)
            if value is not None and (rule.min_value is None or value >= rule.min_value):
                scored.append((week, value))
        if not scored:
            continue
        if rule.winners == "all":
            holders = scored
        else:
            best = (max if rule.direction == "highest" else min)(v for _, v in scored)
            tied = [w for w, v in scored if v == best]
            holders = [(w, best) for w in _break_ties(rule, tied, previous_weeks, history, longest_runs)]
        before = history.previous_holders.get(rule.key, {})
        for week, value in sorted(holders, key=lambda h: h[0].person_id):
            awards.append(
                TitleAward(rule.key, rule.name, rule.emoji, week.person_id, value, before.get(week.person_id, 0) + 1)
            )
    return awards


def random_week(rng: random.Random, pid: int) -> PersonWeek:
    # Few distinct values, so that ties are common; some people without output, some without artifacts.
    artifacts = rng.choice([0, 0, 1, 2, 3])
    return PersonWeek(
        pid,
        rng.choice([0, 1, 500, 500, 2_000_000]),
        Decimal(rng.choice(["0", "0.5", "10", "10.00", "12.345", "400"])),
        rng.choice([0, 1, 3, 5, 7, 7]),
        artifacts,
        Decimal(rng.choice(["0", "0.5", "1", "1.0", "2.50", "13"])) if artifacts or rng.random() < 0.3 else Decimal(0),
        rng.choice([0, 2, 7]),
    )


def random_rule(rng: random.Random, n: int) -> TitleRule:
    return TitleRule(
        key=f"rule_{n}",
        name=f"Rule {n}",
        metric=rng.choice(METRICS),
        emoji=":star:",
        direction=rng.choice(["highest", "lowest"]),
        requires_artifact=rng.choice(["always", "setting", "never"]),
        winners=rng.choice(["one", "one", "all"]),
        tie_break=tuple(rng.sample(TIE_BREAKS, rng.choice([0, 1, 2, 3]))),
        min_tokens=rng.choice([0, 0, 1, 600]),
        min_spend_usd=Decimal(rng.choice(["0", "0", "10"])),
        min_active_days=rng.choice([0, 0, 1, 5]),
        min_artifacts=rng.choice([0, 0, 1, 2]),
        min_work_units=Decimal(rng.choice(["0", "0", "0.01", "1"])),
        min_value=rng.choice([None, None, Decimal(0), Decimal(1), Decimal("10.5")]),
    )


@pytest.mark.parametrize("seed", range(40))
def test_award_titles_gives_the_reference_awards(seed):
    rng = random.Random(seed)
    people = rng.choice([1, 5, 40, 300])
    weeks = [random_week(rng, pid) for pid in range(1, people + 1)]
    previous = {w.person_id: random_week(rng, w.person_id) for w in weeks if rng.random() < 0.6}
    history = TitleHistory(
        first_artifact_people=frozenset(w.person_id for w in weeks if rng.random() < 0.3),
        previous_holders={f"rule_{n}": {w.person_id: rng.choice([1, 2]) for w in weeks[:3]} for n in range(3)},
    )
    rules = [random_rule(rng, n) for n in range(rng.choice([1, 4, 8]))] + (load_rules() if seed % 2 else [])
    eligible = None if rng.random() < 0.5 else {w.person_id for w in weeks if rng.random() < 0.8}
    runs = {w.person_id: rng.choice([1, 2, 3]) for w in weeks}
    asked: list[list[int]] = []

    def longest_runs(ids):
        asked.append(sorted(ids))
        return {pid: runs[pid] for pid in ids}

    for require_artifact in (True, False):
        kwargs = dict(rules=rules, require_artifact=require_artifact, eligible=eligible, longest_runs=longest_runs)
        got = award_titles(iter(weeks), previous, history, **kwargs)
        expected = reference_awards(weeks, previous, history, **kwargs)
        assert got == expected
        # The values are written as the reference writes them: 10.00 stays 10.00, 2000000 stays 2000000.
        assert [str(a.metric_value) for a in got] == [str(a.metric_value) for a in expected]
        assert all(isinstance(a.metric_value, Decimal) for a in got)
