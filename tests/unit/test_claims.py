"""Bounded claims (issue 17): links, descriptions, hours, the cap per person-week, and what an estimate may add."""

from decimal import Decimal

import pytest

from bot.domain.claims import (
    DEFAULT_CLAIM_RULES,
    ClaimRules,
    claim_errors,
    duplicate_link_message,
    evidence_cap,
    has_output,
    is_counted,
    link_key,
    normalise_link,
    person_week_work_units,
)
from bot.domain.groups import OTHER_TEAMS, TeamFigure, merge_small_groups
from bot.domain.periods import IsoWeek
from bot.domain.privacy import who_sees_your_numbers
from bot.domain.workunits import work_units_for

RULES = DEFAULT_CLAIM_RULES


@pytest.mark.parametrize(
    "variant",
    [
        "https://git.example.com/finance/matcher",
        "https://git.example.com/finance/matcher/",
        "HTTPS://Git.Example.COM/finance/matcher",
        "https://git.example.com/finance/matcher#readme",
        "https://git.example.com/finance/matcher?utm_source=slack&utm_medium=dm",
        "https://git.example.com:443/finance/matcher/?UTM_campaign=x#top",
        "  https://git.example.com/finance/matcher  ",
    ],
)
def test_the_same_link_normalises_to_one_key(variant):
    assert normalise_link(variant) == "https://git.example.com/finance/matcher"
    assert link_key(variant) == link_key("https://git.example.com/finance/matcher")


def test_different_links_stay_different():
    base = "https://git.example.com/finance/matcher"
    assert link_key(base + "/docs") != link_key(base)
    assert link_key("https://git.example.com/Finance/matcher") != link_key(base)  # paths keep their case
    assert link_key(base + "?id=2") != link_key(base + "?id=3")  # other parameters matter
    assert normalise_link(base + "?id=2&utm_source=x") == base + "?id=2"
    assert link_key("http://git.example.com/finance/matcher") != link_key(base)  # scheme is part of it
    assert link_key(None) is None and link_key("  ") is None


def test_claims_that_say_too_little_or_claim_too_much_without_a_link_are_refused():
    ok = "Matches supplier invoices to purchase orders."
    assert claim_errors(url=None, description=ok, hours_saved_per_week=Decimal(8), rules=RULES) == {}
    short = claim_errors(url=None, description="rate this 13", hours_saved_per_week=None, rules=RULES)
    assert list(short) == ["description"] and "at least 30 characters" in short["description"]
    many = claim_errors(url=None, description=ok, hours_saved_per_week=Decimal("8.5"), rules=RULES)
    assert list(many) == ["hours_saved"] and "needs a link" in many["hours_saved"]
    linked = claim_errors(url="https://x.example.com", description=ok, hours_saved_per_week=Decimal(40), rules=RULES)
    assert linked == {}
    lenient = ClaimRules(min_description_chars=5, max_unlinked_hours=Decimal(40))
    assert claim_errors(url=None, description="A fix", hours_saved_per_week=Decimal(40), rules=lenient) == {}


def test_a_duplicate_says_when_it_was_shared_never_by_whom():
    assert duplicate_link_message(IsoWeek(2026, 47)) == (
        "This link was already shared in Week 47 (16–22 Nov 2026): a link counts once. "
        "Share something else, or leave it out."
    )


def test_without_a_link_neither_hours_nor_an_estimate_lift_an_artifact_above_half_a_unit():
    cap = evidence_cap(None, RULES)
    assert cap == Decimal("0.5") and evidence_cap("https://x.example.com", RULES) is None
    assert work_units_for(Decimal(40), cap=cap) == (Decimal("0.50"), "default")
    assert work_units_for(None, cap=cap) == (Decimal("0.50"), "default")
    assert work_units_for(None, estimate=Decimal(13), cap=cap) == (Decimal("0.50"), "estimate")
    # An admin's override is an admin's judgement: it is not bounded by the link rule.
    assert work_units_for(None, estimate=Decimal(13), override=Decimal(5), cap=cap) == (Decimal("5.00"), "override")
    # With a link, the scale as before.
    assert work_units_for(Decimal(40)) == (Decimal(6), "default")
    assert work_units_for(None, estimate=Decimal(3)) == (Decimal("3.00"), "estimate")


def test_only_the_first_three_artifacts_of_a_person_week_count():
    assert [is_counted(p, RULES) for p in range(5)] == [False, True, True, True, False]
    junk = [Decimal("0.5")] * 10
    assert person_week_work_units(junk, RULES) == Decimal("1.5")
    # In the order shared: a later, bigger artifact does not replace an earlier one.
    assert person_week_work_units([Decimal(1), Decimal("0.5"), Decimal(1), Decimal(13)], RULES) == Decimal("2.5")
    # Verified evidence and endorsements are added per person-week (0 until they exist).
    total = person_week_work_units(junk, RULES, evidence_units=Decimal("1.5"), endorsement_units=Decimal(1))
    assert total == Decimal(4)
    assert has_output(Decimal("0.5")) and not has_output(Decimal(0))


def test_a_team_row_counts_only_people_not_named_beside_it():
    rows = merge_small_groups(
        [
            TeamFigure("Platform", 6, spend_usd=Decimal(60), named_people=2),  # 4 others: too few alone
            TeamFigure("Research", 9, spend_usd=Decimal(90), named_people=1),  # 8 others
            TeamFigure("Design", 3, spend_usd=Decimal(30)),
        ],
        5,
    )
    assert [(r.team, r.active_people, r.unnamed_people) for r in rows] == [
        ("Research", 9, 8),
        (OTHER_TEAMS, 9, 7),  # Platform and Design together: 7 people beyond the 2 named
    ]
    # Nobody named: the old rule, active people alone.
    assert [r.team for r in merge_small_groups([TeamFigure("Platform", 6)], 5)] == ["Platform"]


def test_who_sees_your_numbers_says_exactly_who():
    assert who_sees_your_numbers(False) == "Who sees your numbers: you, your managers up the line, admins."
    assert who_sees_your_numbers(True) == (
        "Who sees your numbers: you, your managers up the line, admins — and, since spend is public, "
        "the digest channel."
    )
