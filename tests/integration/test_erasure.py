"""`buildboard forget EMAIL`: nothing identifies the person afterwards, while every week's totals still add up."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from bot.cli import main
from bot.db.engine import make_engine, make_session_factory
from bot.db.models import (
    Artifact,
    AuditView,
    Award,
    FlagCandidate,
    Nudge,
    OutboxMessage,
    PeriodFigures,
    Person,
    UsageDaily,
)
from bot.domain.periods import IsoWeek
from bot.services.audit import views_of
from bot.services.digest import compute_digest, run_digest
from bot.services.erasure import UnknownPerson, forget
from bot.services.period_figures import KEPT_SPANS, build_period_figures
from bot.services.stats import org_week, person_weeks
from tests.conftest import NOW
from tests.support.organisation import load_org
from tests.support.personal_data import (
    add_personal_history,
    all_exports,
    dump_tables,
    ids,
    sqlite_bytes_at_rest,
    traces_in_database,
)

W46, W47 = IsoWeek(2026, 46), IsoWeek(2026, 47)
CAROL = ["carol@example.com", "Carol Chen", "U0CAROL"]


def weekly_figures(sessions):
    with sessions() as session:
        return {
            week: (
                org_week(session, week),
                sorted((w.tokens, w.spend_usd) for w in person_weeks(session, week).values()),
            )
            for week in (W46, W47)
        }


def test_forget_leaves_no_trace_and_keeps_every_weekly_total(rt, slack, monkeypatch, database_url, capsys):
    load_org(rt.sessions)
    add_personal_history(rt.sessions)
    # The digest named her (a mention in a message we keep to send it only once).
    assert run_digest(rt.sessions, rt.sender, rt.settings, week=W47, now=NOW).status == "posted"
    with rt.sessions() as session:
        assert traces_in_database(session, CAROL)  # the needles are really there before
        assert "carol@example.com" in all_exports(session)
        carol_id = ids(session)["carol@example.com"]
        her_awards = session.scalar(select(func.count()).select_from(Award).where(Award.person_id == carol_id))
        assert her_awards >= 1
    before = weekly_figures(rt.sessions)
    # Her sums over the team periods, kept for large groups' reports (and whether her spend might be flagged).
    build_period_figures(rt.sessions, W47, rt.settings, NOW)
    with rt.sessions() as session:
        her_sums = session.scalar(
            select(func.count()).select_from(PeriodFigures).where(PeriodFigures.person_id == carol_id)
        )
        assert her_sums == len(KEPT_SPANS)

    monkeypatch.setenv("DATABASE_URL", database_url)
    assert main(["forget", "Carol@Example.com"]) == 0
    printed = capsys.readouterr().out
    assert printed.startswith("forgot carol@example.com; removed:")
    for line in (
        "nudges: 1",
        f"awards: {her_awards}",
        "audit rows about them: 1",
        "audit rows naming them as the viewer: 1",
        f"their kept period sums: {her_sums}",
    ):
        assert line in printed
    assert "artifacts' titles, links and descriptions: 2" in printed
    assert "kept without identity: 4 usage rows (in organisation totals)" in printed

    with rt.sessions() as session:
        assert traces_in_database(session, CAROL) == []
        exported = all_exports(session).lower()
        assert not [n for n in CAROL if n.lower() in exported]
        person = session.get(Person, carol_id)
        assert (person.email, person.name, person.slack_user_id, person.team, person.timezone) == (None,) * 5
        assert person.forgotten_at is not None and not person.in_org and not person.active and person.public_opt_out
        assert session.scalar(select(func.count()).select_from(Nudge)) == 0
        assert session.scalar(select(func.count()).select_from(Award).where(Award.person_id == carol_id)) == 0
        for kept in (PeriodFigures, FlagCandidate):
            assert session.scalar(select(func.count()).select_from(kept).where(kept.person_id == carol_id)) == 0
        assert session.scalars(select(Artifact.title).distinct()).all() == [None]
        # Dan keeps the fact that his numbers were seen, not by whom.
        dan = ids(session)["dan@example.com"]
        viewers = session.execute(select(AuditView.viewer_person_id, AuditView.action, AuditView.root_person_id))
        assert sorted(viewers, key=str) == sorted(
            [(None, "user", dan), (ids(session)["bob@example.com"], "team", dan)], key=str
        )
        assert sorted(str(v.viewer_name) for v in views_of(session, dan, now=NOW)) == ["Bob Baker", "None"]
        # The message addressed to her is gone; the showcase keeps its text without her nor her artifact's title.
        payloads = {m.idempotency_key: m.payload for m in session.scalars(select(OutboxMessage))}
        assert f"nudge:{carol_id}:2026-W47" not in payloads
        assert payloads["showcase:2026-W47:1"]["text"] == "someone shared [forgotten]"
        # Her reports (none) and her usage: still there, on the anonymous row.
        assert session.scalar(select(func.count()).select_from(UsageDaily).where(UsageDaily.person_id == carol_id)) == 4
        # A re-computed digest of that week has the same totals and does not name her.
        digest = compute_digest(session, W47, rt.settings)
        assert carol_id not in [e.person_id for e in digest.leaderboard]
    assert weekly_figures(rt.sessions) == before


def test_forget_is_idempotent_and_refuses_unknown_emails(rt, monkeypatch, database_url, capsys):
    load_org(rt.sessions)
    add_personal_history(rt.sessions)
    monkeypatch.setenv("DATABASE_URL", database_url)
    assert main(["forget", "carol@example.com"]) == 0
    with rt.sessions() as session:
        after_once = dump_tables(session)
    capsys.readouterr()
    assert main(["forget", "carol@example.com"]) == 2
    err = capsys.readouterr().err
    assert err.strip().splitlines()[-1] == (
        "buildboard: no one with email carol@example.com is stored (never imported, or already forgotten); "
        "nothing was erased"
    )
    assert main(["forget", "nobody@example.com"]) == 2
    assert "no one with email nobody@example.com is stored" in capsys.readouterr().err
    assert main(["forget", "carol"]) == 2
    assert "is not an email address" in capsys.readouterr().err
    with rt.sessions() as session:
        assert dump_tables(session) == after_once


def test_a_forgotten_manager_hands_their_reports_to_their_own_manager(rt):
    load_org(rt.sessions)
    forget(rt.sessions, email="bob@example.com", now=NOW)
    with rt.sessions() as session:
        people = {p.email: p for p in session.scalars(select(Person).where(Person.email.is_not(None)))}
        alice = people["alice@example.com"].id
        assert people["carol@example.com"].manager_id == alice and people["dan@example.com"].manager_id == alice


def test_unknown_person_is_refused_by_the_service(rt):
    with pytest.raises(UnknownPerson):
        forget(rt.sessions, email="ghost@example.com", now=NOW)


def test_erased_strings_are_not_in_the_sqlite_file_bytes(tmp_path):
    """secure_delete zeroes freed content and the write-ahead log is truncated: the bytes hold no trace."""
    path = tmp_path / "erase.db"
    engine = make_engine(f"sqlite:///{path}")
    sessions = make_session_factory(engine)
    try:
        load_org(sessions)
        add_personal_history(sessions)
        raw = sqlite_bytes_at_rest([path, tmp_path / "erase.db-wal"])
        assert b"carol@example.com" in raw and b"carol chen" in raw  # really written before
        report = forget(sessions, email="carol@example.com", now=NOW)
        assert report.wal_truncated is True
        files = [path, tmp_path / "erase.db-wal", tmp_path / "erase.db-shm"]
        raw = sqlite_bytes_at_rest(files)
        for needle in ("carol@example.com", "carol chen", "u0carol"):
            assert needle.encode() not in raw, needle
        # Everyone else is still there.
        assert b"dan@example.com" in raw
    finally:
        engine.dispose()


def test_export_files_hold_only_anonymous_usage_after_forgetting(rt):
    load_org(rt.sessions)
    forget(rt.sessions, email="carol@example.com", now=NOW)
    with rt.sessions() as session:
        from io import StringIO

        from bot.services.exports import export_usage

        out = StringIO()
        export_usage(session, week=W47, fmt="json", out=out)
    rows = json.loads(out.getvalue())
    forgotten = [r for r in rows if r["matched"] == "forgotten"]
    assert [(r["date"], r["email"], r["total_tokens"]) for r in forgotten] == [
        ("2026-11-16", "", 500_000),
        ("2026-11-17", "", 250_000),
        ("2026-11-17", "", 110_000),
    ]


def test_forget_clears_views_recorded_by_slack_id_before_the_viewer_joined_the_people_file(rt):
    from bot.domain.reports import ViewedGroup
    from bot.services.audit import record_view

    load_org(rt.sessions)
    with rt.sessions.begin() as session:
        people = ids(session)
        # Carol looked at Dan as an admin given by Slack id, before she was in the people file.
        record_view(
            session,
            viewer_id=None,
            viewer_slack_user_id="U0CAROL",
            group=ViewedGroup("person", people["dan@example.com"]),
            action="user",
            detail=None,
            now=NOW,
        )
        dan = people["dan@example.com"]
    forget(rt.sessions, email="carol@example.com", now=NOW)
    with rt.sessions() as session:
        assert session.scalar(select(func.count()).where(AuditView.viewer_slack_user_id == "U0CAROL")) == 0
        [view] = views_of(session, dan, now=NOW)
        assert view.viewer_name is None and view.viewer_slack_user_id is None
