"""A team of 3 never appears by name in a public post: team figures merge small teams into "Other teams"."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

from bot.domain.groups import OTHER_TEAMS
from bot.domain.periods import IsoWeek
from bot.ingest.csv_files import read_people
from bot.services.digest import compute_digest, run_digest
from bot.services.people import import_people
from bot.services.teams import public_team_figures, team_figures
from tests.conftest import DIGEST_CHANNEL, NOW
from tests.scenario.privacy_helpers import ids
from tests.scenario.test_retention import usage

W47 = IsoWeek(2026, 47)
TEAMS = {"Payments": 6, "Search": 5, "Skunkworks": 3}


def build_org(sessions, tmp_path):
    lines = ["email,name,team,manager_email"]
    for team, size in TEAMS.items():
        for i in range(size):
            lines.append(f"{team.lower()}{i}@example.com,Person {team[:2]}{i},{team},")
    lines.append("idle@example.com,Idle Person,Payments,")  # in a team, but no usage: not counted
    path = tmp_path / "people.csv"
    path.write_text("\n".join(lines) + "\n")
    with sessions.begin() as session:
        import_people(session, read_people(path), now=NOW)
        people = ids(session)
        for email, person_id in people.items():
            if email != "idle@example.com":
                session.add(usage(person_id, date(2026, 11, 17), tokens=1000, cost="2.00"))


def test_team_rows_merge_small_teams(rt, tmp_path):
    build_org(rt.sessions, tmp_path)
    with rt.sessions() as session:
        raw = {f.team: f.active_people for f in team_figures(session, W47)}
        rows = public_team_figures(session, W47, rt.settings)
    assert raw == TEAMS
    # Skunkworks (3) is too small; the merged row would be too, so it also absorbs Search (5), the smallest.
    assert [(r.team, r.active_people, r.tokens, r.spend_usd) for r in rows] == [
        ("Payments", 6, 9000, Decimal("12")),
        (OTHER_TEAMS, 8, 12000, Decimal("16")),
    ]


def test_a_team_of_three_never_appears_by_name_in_a_public_post(rt, slack, tmp_path):
    build_org(rt.sessions, tmp_path)
    with rt.sessions() as session:
        digest = compute_digest(session, W47, rt.settings)
    teams = [f.team for f in digest.extras["teams"]]
    assert "Payments" in teams and "Skunkworks" not in teams
    assert all(f.active_people >= rt.settings.min_group_size for f in digest.extras["teams"])
    assert run_digest(rt.sessions, rt.sender, rt.settings, week=W47, now=NOW).status == "posted"
    posted = [m for m in slack.posted_messages if m["channel"] == DIGEST_CHANNEL]
    assert posted
    public = json.dumps(posted, ensure_ascii=False)
    assert "Skunkworks" not in public


def test_a_smaller_minimum_shows_more_teams(rt, tmp_path, database_url, slack):
    from tests.conftest import make_settings

    build_org(rt.sessions, tmp_path)
    with rt.sessions() as session:
        rows = public_team_figures(session, W47, make_settings(database_url, slack, min_group_size=3))
    assert sorted(r.team for r in rows) == ["Payments", "Search", "Skunkworks"]
