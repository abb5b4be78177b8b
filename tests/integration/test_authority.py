"""The authority rule itself (bot/services/authority.py), team numbers against a hand-built week, org changes."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import event, insert

from bot.db.models import Person, UsageDaily
from bot.db.usage_weekly import rebuild_usage_weekly
from bot.domain.command_args import Target
from bot.domain.periods import IsoWeek
from bot.services import authority
from bot.services.authority import Viewer
from bot.services.team import team_answer
from bot.slack.blocks.team import team_blocks
from tests.conftest import DATA, NOW, make_settings
from tests.support.organisation import load_branches, load_people

W47 = IsoWeek(2026, 47)


@pytest.fixture
def settings(database_url, slack):
    return make_settings(database_url, slack, admins=("gina@example.com",))


def viewer(ids, name, admin=False):
    return Viewer(ids[name], admin)


def test_who_may_see_whom(rt):
    ids = load_branches(rt.sessions)
    everyone = set(ids)
    below = {
        "alice": everyone - {"alice"},
        "victor": {"bob", "carol", "dan"},
        "bob": {"carol", "dan"},
        "erin": {"frank"},
    }
    with rt.sessions() as session:
        for name in everyone:
            for subject in everyone:
                expected = subject == name or subject in below.get(name, set())
                assert authority.may_see(session, viewer(ids, name), [ids[subject]]) is expected, (name, subject)
                assert authority.may_see(session, viewer(ids, name, admin=True), [ids[subject]])
        # A group is visible only when every member is.
        assert authority.may_see(session, viewer(ids, "victor"), [ids["bob"], ids["carol"]])
        assert not authority.may_see(session, viewer(ids, "bob"), [ids["carol"], ids["frank"]])
        # An admin outside the people file sees everyone; anyone else outside it sees nobody.
        assert authority.may_see(session, Viewer(None, True), [ids["frank"]])
        assert not authority.may_see(session, Viewer(None, False), [ids["frank"]])
        assert authority.reports_count(session, ids["alice"]) == 7
        assert authority.reports_count(session, ids["carol"]) == 0


def test_viewer_for_reads_admins_by_email_or_slack_id(rt, settings):
    ids = load_branches(rt.sessions)
    with rt.sessions() as session:
        gina = session.get(Person, ids["gina"])
        dan = session.get(Person, ids["dan"])
        assert authority.viewer_for(gina, "U0GINA", settings).is_admin
        assert not authority.viewer_for(dan, "U0DAN", settings).is_admin
        assert authority.viewer_for(None, "U0NOBODY", settings) is None
        assert authority.viewer_for(None, "U0ROOT", make_settings(settings.database_url, admins=("u0root",))).is_admin


def test_team_numbers_match_the_hand_built_week(rt, settings):
    ids = load_branches(rt.sessions)
    with rt.sessions() as session:
        answer = team_answer(session, viewer(ids, "bob"), Target(), 1, settings, now=NOW)
    report = answer.report
    t, p = report.totals, report.previous
    # Week 47 for carol and dan, the people below bob: bob's own numbers (33,000 tokens, $3.21, one artifact) are
    # his, not his team's (tests/data/usage_branches.csv + artifacts from load_branches).
    assert (t.people, t.active_people) == (2, 2)
    assert t.tokens == 320_000 + 110_000 + 550_000
    assert t.spend_usd == Decimal("41.17") + Decimal("12.34") + Decimal("77.77")
    assert (t.artifacts, t.work_units) == (2, Decimal("4.5"))
    assert t.cost_per_work_unit == Decimal("29.17")  # 131.28 / 4.5
    assert t.evidenced_spend_usd == Decimal("53.51")  # carol shared something
    assert t.evidence_ratio == Decimal("0.408")
    # Week 46: carol 20.00 (1 artifact), dan 10.00.
    assert (p.tokens, p.spend_usd, p.active_people, p.artifacts) == (165_000, Decimal("30"), 2, 1)
    assert t.change(p)["spend_usd"] == Decimal("3.376")
    assert [line.name for line in report.top_builders] == ["Carol Chen"]
    assert [line.name for line in report.table] == ["Carol Chen", "Dan Diaz"]
    assert report.people_with_numbers == len(report.table) == 2
    assert ids["bob"] not in {line.person_id for line in report.table}


def test_two_weeks_add_up_and_compare_with_the_two_before(rt, settings):
    ids = load_branches(rt.sessions)
    with rt.sessions() as session:
        report = team_answer(session, viewer(ids, "erin"), Target(), 2, settings, now=NOW).report
    assert report.weeks == [IsoWeek(2026, 46), W47]
    assert report.totals.spend_usd == Decimal("66.66") + Decimal(
        "93.48"
    )  # frank's; erin's own $58.91 is not her team's
    assert report.totals.evidenced_spend_usd == Decimal("93.48")  # frank shared in W47 only
    assert report.previous.spend_usd == 0


def _grow_tree(session, size: int, root_email: str) -> int:
    """A manager with `size` people below them (10 per manager), each with usage on one W47 day."""
    root = Person(email=root_email, name="Root", team="Big", created_at=NOW, updated_at=NOW)
    session.add(root)
    session.flush()
    rows = []
    parents = [root.id]
    made = 0
    while made < size:
        batch = []
        for parent in parents:
            for _ in range(10):
                if made >= size:
                    break
                made += 1
                batch.append(
                    {
                        "email": f"p{made}.{root_email}",
                        "name": f"P {made}",
                        "team": "Big",
                        "manager_id": parent,
                        "in_org": True,
                        "active": True,
                        "nudges_enabled": True,
                        "public_opt_out": False,
                        "created_at": NOW,
                        "updated_at": NOW,
                    }
                )
        new_ids = list(session.scalars(insert(Person).returning(Person.id), batch))
        rows += new_ids
        parents = new_ids
    session.execute(
        insert(UsageDaily),
        [
            {
                "person_id": pid,
                "day": date(2026, 11, 17),
                "provider": "openai",
                "model": "gpt-4o",
                "input_tokens": 1000,
                "output_tokens": 100,
                "cost_usd": Decimal("1.5"),
                "cost_source": "reported",
                "source": "csv",
                "updated_at": NOW,
            }
            for pid in rows
        ],
    )
    rebuild_usage_weekly(session)  # the rows above bypassed write_usage
    return root.id


def test_a_large_tree_costs_the_same_queries_as_a_small_one(rt, settings):
    with rt.sessions.begin() as session:
        small = _grow_tree(session, 3, "small@example.com")
        big = _grow_tree(session, 600, "big@example.com")
    statements: list[str] = []

    def count(conn, cursor, statement, *args):
        statements.append(statement)

    event.listen(rt.engine, "before_cursor_execute", count)
    try:
        counts, reports = {}, {}
        for root, size in ((small, 3), (big, 600)):
            statements.clear()
            with rt.sessions.begin() as session:
                report = team_answer(session, Viewer(root, False), Target(), 12, settings, now=NOW).report
            assert report.totals.active_people == size
            assert report.totals.spend_usd == Decimal("1.5") * size
            reports[size] = report
            selects = [s for s in statements if s.lstrip().upper().startswith(("SELECT", "WITH"))]
            counts[size] = len(selects)
    finally:
        event.remove(rt.engine, "before_cursor_execute", count)
    # A handful of aggregates (13 with the coding-agent totals), whatever the size of the tree.
    assert counts[3] == counts[600] <= 13, counts
    # Small teams get the per-person table; a large one a summary and a pointer to the export.
    small_blocks, big_blocks = team_blocks(reports[3]), team_blocks(reports[600])
    assert "Everyone with activity" in str(small_blocks) and "/buildboard export" not in str(small_blocks)
    assert "Everyone with activity" not in str(big_blocks)
    assert "600 people have numbers" in str(big_blocks) and "`/buildboard export`" in str(big_blocks)
    assert len(big_blocks) < 50 and len(str(big_blocks)) < 10_000


def test_reimport_moves_people_and_authority_follows(rt, tmp_path, settings):
    ids = load_branches(rt.sessions)
    moved = tmp_path / "people.csv"
    # dan now reports to erin; frank leaves the company.
    text = (DATA / "people_branches.csv").read_text()
    text = text.replace("Dan Diaz,Platform,bob@example.com", "Dan Diaz,Research,erin@example.com")
    text = "\n".join(line for line in text.splitlines() if not line.startswith("frank@")) + "\n"
    moved.write_text(text)
    report = load_people(rt.sessions, moved)
    assert (report.moved, report.departed) == (1, 1)
    with rt.sessions() as session:
        assert not authority.may_see(session, viewer(ids, "bob"), [ids["dan"]])
        assert authority.may_see(session, viewer(ids, "erin"), [ids["dan"], ids["frank"]])
        erin = team_answer(session, viewer(ids, "erin"), Target(), 1, settings, now=NOW).report
    # frank's history stays in erin's totals; he is shown as having left and is not a top builder.
    assert erin.totals.spend_usd == Decimal("93.48") + Decimal("77.77")  # frank's and dan's, not erin's own
    assert erin.totals.people == 1  # dan; frank has left
    assert [line.name for line in erin.top_builders] == []
    assert {line.name: line.in_org for line in erin.table}["Frank Fox"] is False
