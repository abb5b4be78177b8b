import csv
import itertools
from collections import Counter, defaultdict
from datetime import UTC, date, datetime, timedelta

import pytest

from bot.demo.synthetic import (
    TIMEZONES,
    SyntheticPerson,
    generate_people,
    generate_usage,
    slack_users,
    usage_days,
    write_people_csv,
    write_usage_csv,
)
from bot.ingest.prices import PriceTable

END = date(2026, 11, 25)  # a Wednesday: the last full week ends Sunday 22 November


@pytest.fixture(scope="module")
def people() -> list[SyntheticPerson]:
    return generate_people(240)


@pytest.fixture(scope="module")
def usage(people) -> list[dict]:
    return list(generate_usage(people, weeks=4, end_date=END))


def chain_length(person, by_email):
    """People from the top of the tree down to `person`, inclusive; fails on a cycle."""
    seen = {person.email}
    length = 1
    while person.manager_email is not None:
        person = by_email[person.manager_email]
        assert person.email not in seen, "cycle in the management chain"
        seen.add(person.email)
        length += 1
    return length


def test_people_are_deterministic(people):
    assert generate_people(240) == people
    assert generate_people(240, seed=8) != people


def test_usage_is_deterministic(people, usage):
    assert list(generate_usage(people, weeks=4, end_date=END)) == usage
    assert list(generate_usage(people, weeks=4, end_date=END, seed=8)) != usage


@pytest.mark.parametrize(
    ("count", "max_depth"), [(1, 8), (2, 8), (7, 8), (11, 8), (240, 8), (3_000, 8), (3_000, 3), (500, 2)]
)
def test_tree_is_valid(count, max_depth):
    people = generate_people(count, max_depth=max_depth)
    assert len(people) == count
    by_email = {person.email: person for person in people}
    assert len(by_email) == count
    roots = [person for person in people if person.manager_email is None]
    assert len(roots) == 1
    for person in people:
        assert person.manager_email is None or person.manager_email in by_email
        assert chain_length(person, by_email) <= max_depth


def test_tree_looks_like_an_organisation():
    people = generate_people(3_000)
    spans = Counter(person.manager_email for person in people if person.manager_email)
    typical = sum(1 for span in spans.values() if 5 <= span <= 10)
    assert typical / len(spans) > 0.9
    by_email = {person.email: person for person in people}
    assert max(chain_length(person, by_email) for person in people) >= 4
    # Teams: reports of a first-line manager share the manager's team; names are reused with a number.
    teams = {person.team for person in people}
    assert "Executive" in teams
    assert any(team.endswith(" 2") for team in teams)
    for person in people:
        if person.email not in spans and person.manager_email:
            assert person.team == by_email[person.manager_email].team


def test_identities_are_unique_and_well_formed(people):
    assert len({person.email for person in people}) == len(people)
    assert len({person.name for person in people}) == len(people)
    assert len({person.slack_user_id for person in people}) == len(people)
    zones = {zone for zone, _ in TIMEZONES}
    for person in people:
        local, domain = person.email.split("@")
        assert domain == "example.com"
        assert local.replace(".", "").isalnum() and local.count(".") == 1
        assert person.slack_user_id.startswith("U") and len(person.slack_user_id) == 9
        assert person.slack_user_id[1:].isalnum() and person.slack_user_id[1:] == person.slack_user_id[1:].upper()
        assert person.timezone in zones
        assert person.team


def test_many_people_stay_unique():
    people = generate_people(25_000, seed=3)
    assert len({person.email for person in people}) == 25_000
    assert len({person.name for person in people}) == 25_000
    assert len({person.slack_user_id for person in people}) == 25_000
    assert any(person.email.split("@")[0][-1].isdigit() for person in people)  # first.last2@example.com


def test_bad_arguments():
    assert generate_people(0) == []
    with pytest.raises(ValueError):
        generate_people(-1)
    with pytest.raises(ValueError):
        generate_people(5, max_depth=1)


def test_usage_only_uses_priced_models(usage):
    prices = PriceTable.load()
    for model, provider in {(row["model"], row["provider"]) for row in usage}:
        assert prices.knows(model), model
        assert prices.provider_for(model) == provider


def test_usage_covers_full_iso_weeks_ending_last_sunday(usage):
    days = {row["date"] for row in usage}
    assert min(days) == date(2026, 10, 26)  # a Monday, four weeks back
    assert max(days) == date(2026, 11, 22)  # the Sunday on or before END
    assert min(days).isoweekday() == 1 and max(days).isoweekday() == 7


@pytest.mark.parametrize(
    ("end", "last_sunday"),
    [
        (date(2026, 11, 22), date(2026, 11, 22)),  # a Sunday counts itself
        (date(2026, 11, 23), date(2026, 11, 22)),
        (date(2026, 11, 28), date(2026, 11, 22)),
    ],
)
def test_usage_days(end, last_sunday):
    days = usage_days(2, end)
    assert len(days) == 14
    assert days[-1] == last_sunday
    assert days[0] == last_sunday - timedelta(days=13)
    assert usage_days(0, end) == []


def test_usage_rows_are_sane(usage):
    fields = {"date", "email", "provider", "model", "input_tokens", "cached_input_tokens", "output_tokens", "requests"}
    for row in usage:
        assert set(row) == fields
        assert "cost_usd" not in row
        assert row["input_tokens"] > 0
        assert 0 <= row["cached_input_tokens"] <= row["input_tokens"]
        assert row["output_tokens"] >= 0
        assert row["requests"] >= 1


def test_usage_is_one_row_per_person_day_model(usage):
    keys = Counter((row["date"], row["email"], row["model"]) for row in usage)
    assert max(keys.values()) == 1


def test_usage_looks_realistic(people, usage):
    active = {row["email"] for row in usage}
    inactive_share = 1 - len(active) / len(people)
    assert 0.07 < inactive_share < 0.25
    per_weekday = Counter(row["date"].isoweekday() for row in usage)
    assert min(per_weekday[day] for day in range(1, 6)) > 1.5 * max(per_weekday[6], per_weekday[7])
    tokens = defaultdict(int)
    for row in usage:
        tokens[row["email"]] += row["input_tokens"]
    ranked = sorted(tokens.values(), reverse=True)
    top_tenth = sum(ranked[: len(ranked) // 10])
    assert top_tenth > 0.5 * sum(ranked)  # heavy-tailed: a few tokenmaxxers burn most tokens
    models_per_person = Counter(len({row["model"] for row in usage if row["email"] == email}) for email in active)
    assert set(models_per_person) <= {1, 2, 3}


def test_usage_streams(people):
    rows = generate_usage(people, weeks=13, end_date=END)
    assert iter(rows) is rows
    first = list(itertools.islice(rows, 5))
    assert len(first) == 5


def test_write_csvs(tmp_path, people, usage):
    people_path = tmp_path / "people.csv"
    write_people_csv(people, people_path)
    with open(people_path, newline="", encoding="utf-8") as handle:
        read = list(csv.DictReader(handle))
    assert list(read[0]) == ["email", "name", "team", "manager_email", "slack_user_id", "timezone"]
    assert len(read) == len(people)
    assert read[0]["manager_email"] == ""
    assert read[1]["manager_email"] == people[1].manager_email

    usage_path = tmp_path / "usage.csv"
    assert write_usage_csv(iter(usage[:100]), usage_path) == 100
    with open(usage_path, newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert list(rows[0]) == [
        "date",
        "email",
        "provider",
        "model",
        "input_tokens",
        "output_tokens",
        "cached_input_tokens",
        "requests",
    ]
    assert rows[0]["date"] == usage[0]["date"].isoformat()
    assert int(rows[0]["input_tokens"]) == usage[0]["input_tokens"]


def test_slack_users(people):
    winter = datetime(2026, 1, 15, tzinfo=UTC)
    users = slack_users(people, at=winter)
    assert len(users) == len(people)
    first, person = users[0], people[0]
    assert first["id"] == person.slack_user_id
    assert first["real_name"] == person.name
    assert first["tz"] == person.timezone
    assert first["deleted"] is False and first["is_bot"] is False
    assert first["profile"]["email"] == person.email
    assert first["profile"]["real_name"] == person.name
    assert first["profile"]["display_name"]
    offsets = {user["tz"]: user["tz_offset"] for user in users}
    expected = {
        "America/New_York": -5 * 3600,
        "America/Los_Angeles": -8 * 3600,
        "Europe/London": 0,
        "Europe/Berlin": 3600,
        "Asia/Kolkata": 19800,
        "Asia/Tokyo": 9 * 3600,
        "UTC": 0,
    }
    for zone, offset in offsets.items():
        assert offset == expected[zone]
