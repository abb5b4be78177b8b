"""A team of 3 never appears by name in a public post: team figures merge small teams into "Other teams"."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

from bot.db.usage_weekly import rebuild_usage_weekly
from bot.domain.groups import OTHER_TEAMS
from bot.domain.periods import IsoWeek
from bot.ingest.csv_files import read_people
from bot.services.digest import compute_digest, run_digest, team_figures
from bot.services.erasure import forget
from bot.services.people import import_people
from tests.conftest import DIGEST_CHANNEL, NOW
from tests.support.personal_data import ids
from tests.support.usage_rows import usage

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
        for email, person_id in ids(session).items():
            if email != "idle@example.com":
                session.add(usage(person_id, date(2026, 11, 17), tokens=1000, cost="2.00"))
        rebuild_usage_weekly(session)  # the rows above bypassed write_usage


def test_team_rows_merge_small_teams(rt, tmp_path):
    build_org(rt.sessions, tmp_path)
    with rt.sessions() as session:
        rows = team_figures(session, W47, rt.settings.min_group_size)
        everyone = team_figures(session, W47, 1)
    assert {f.team: f.active_people for f in everyone} == TEAMS
    # Skunkworks (3) is too small; the merged row would be too, so it also absorbs Search (5), the smallest.
    assert [(r.team, r.active_people, r.tokens, r.spend_usd) for r in rows] == [
        ("Payments", 6, 9000, Decimal("12")),
        (OTHER_TEAMS, 8, 12000, Decimal("16")),
    ]


def test_a_team_of_three_never_appears_by_name_in_a_public_post(rt, slack, tmp_path):
    build_org(rt.sessions, tmp_path)
    with rt.sessions() as session:
        digest = compute_digest(session, W47, rt.settings)
    assert all(f.active_people >= rt.settings.min_group_size for f in digest.teams)
    assert run_digest(rt.sessions, rt.sender, rt.settings, week=W47, now=NOW).status == "posted"
    public = json.dumps(slack.messages_in(DIGEST_CHANNEL), ensure_ascii=False)
    public += json.dumps([f["bytes"].decode(errors="replace") for f in slack.uploaded_files])
    assert "Payments" in public and OTHER_TEAMS in public  # the team thread really lists teams
    assert "Skunkworks" not in public and "Search" not in public


def test_a_forgotten_persons_team_is_not_inferred_from_team_rows(rt, slack, tmp_path):
    """Forgetting someone takes their team away: a team shrinking below the minimum is then merged."""
    build_org(rt.sessions, tmp_path)
    forget(rt.sessions, email="search0@example.com", now=NOW)
    with rt.sessions() as session:
        teams = {f.team: f for f in team_figures(session, W47, 1)}
    assert teams["Search"].active_people == 4 and teams["No team"].active_people == 1
    with rt.sessions() as session:
        assert "Search" not in [f.team for f in team_figures(session, W47, rt.settings.min_group_size)]
