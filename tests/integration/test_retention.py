"""Retention folds exactly the per-person usage past BUILDBOARD_RETENTION_DAYS into anonymous daily totals."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import func, select

from bot.cli import main
from bot.db.models import AnonymousUsageDaily, CodeActivityDaily, UsageDaily
from bot.db.usage_weekly import rebuild_usage_weekly
from bot.domain.periods import IsoWeek
from bot.services.retention import retention_cutoff, run_retention
from bot.services.stats import org_week
from tests.conftest import NOW, make_settings
from tests.support.organisation import load_people
from tests.support.personal_data import ids
from tests.support.usage_rows import usage

# NOW is 2026-11-25; 400 days earlier is 2025-10-21, the first day still kept per person.
CUTOFF = date(2025, 10, 21)


def seed(sessions) -> dict[str, int]:
    load_people(sessions)
    with sessions.begin() as session:
        people = ids(session)
        carol, dan, erin = people["carol@example.com"], people["dan@example.com"], people["erin@example.com"]
        session.add_all(
            [
                usage(carol, CUTOFF - timedelta(days=1), tokens=1000, cost="1.50"),
                usage(dan, CUTOFF - timedelta(days=1), tokens=3000, cost="2.25", requests=5),
                usage(dan, CUTOFF - timedelta(days=1), model="gpt-4o-mini", tokens=500, cost="0.10"),
                usage(erin, CUTOFF - timedelta(days=40), tokens=7000, cost="9.00"),
                usage(carol, CUTOFF, tokens=2000, cost="3.00"),  # the limit itself is kept
                usage(erin, CUTOFF + timedelta(days=1), tokens=4000, cost="4.00"),
                CodeActivityDaily(
                    person_id=carol, day=CUTOFF - timedelta(days=1), provider="claude_code", updated_at=NOW
                ),
                CodeActivityDaily(person_id=carol, day=CUTOFF, provider="claude_code", updated_at=NOW),
                # An earlier fold (or erasure) left a total for that day and model: it must be added to.
                AnonymousUsageDaily(
                    day=CUTOFF - timedelta(days=1),
                    provider="openai",
                    model="gpt-4o",
                    people=4,
                    input_tokens=10_000,
                    cached_input_tokens=0,
                    output_tokens=1_000,
                    requests=7,
                    cost_usd=Decimal("11.00"),
                ),
            ]
        )
        rebuild_usage_weekly(session)  # the rows above bypassed write_usage
    return people


def week_totals(sessions, days: list[date]):
    with sessions() as session:
        return {
            d: (org_week(session, w).tokens, org_week(session, w).spend_usd)
            for d in days
            for w in [IsoWeek.containing(d)]
        }


def test_retention_folds_exactly_the_rows_past_the_limit(rt):
    assert retention_cutoff(NOW, rt.settings) == CUTOFF
    seed(rt.sessions)
    affected_days = [CUTOFF - timedelta(days=40), CUTOFF - timedelta(days=1), CUTOFF]
    before = week_totals(rt.sessions, affected_days)

    report = run_retention(rt.sessions, rt.settings, NOW)
    assert (report.usage_rows, report.people, report.first_day, report.last_day) == (
        4,
        3,
        CUTOFF - timedelta(days=40),
        CUTOFF - timedelta(days=1),
    )
    assert report.tokens == 1500 + 4500 + 750 + 10500 and report.cost_usd == Decimal("12.85")
    assert report.code_activity_rows == 1

    with rt.sessions() as session:
        kept = session.execute(select(UsageDaily.day, UsageDaily.input_tokens).order_by(UsageDaily.day)).all()
        assert kept == [(CUTOFF, 2000), (CUTOFF + timedelta(days=1), 4000)]
        folded = session.execute(
            select(
                AnonymousUsageDaily.day,
                AnonymousUsageDaily.model,
                AnonymousUsageDaily.people,
                AnonymousUsageDaily.input_tokens,
                AnonymousUsageDaily.cached_input_tokens,
                AnonymousUsageDaily.output_tokens,
                AnonymousUsageDaily.requests,
                AnonymousUsageDaily.cost_usd,
            ).order_by(AnonymousUsageDaily.day, AnonymousUsageDaily.model)
        ).all()
        assert [tuple(str(v) for v in row) for row in folded] == [
            ("2025-09-11", "gpt-4o", "1", "7000", "700", "3500", "2", "9.000000"),
            # 10 000 already there + Carol's 1 000 + Dan's 3 000; people 4 + 2.
            ("2025-10-20", "gpt-4o", "6", "14000", "400", "3000", "14", "14.750000"),
            ("2025-10-20", "gpt-4o-mini", "1", "500", "50", "250", "2", "0.100000"),
        ]
        assert session.scalars(select(CodeActivityDaily.day)).all() == [CUTOFF]
    assert week_totals(rt.sessions, affected_days) == before

    again = run_retention(rt.sessions, rt.settings, NOW)
    assert (again.usage_rows, again.code_activity_rows) == (0, 0)
    assert again.summary() == "nothing is older than the retention limit (usage before 2025-10-21)"


def test_dry_run_reports_and_changes_nothing(rt):
    seed(rt.sessions)
    report = run_retention(rt.sessions, rt.settings, NOW, dry_run=True)
    assert report.summary() == (
        "would fold 4 per-person usage rows of 3 people from 2025-09-11 to 2025-10-20 (17,250 tokens, $12.85) "
        "into anonymous daily totals; would delete 1 code activity row (retention: usage before 2025-10-21)"
    )
    with rt.sessions() as session:
        assert session.scalar(select(func.count()).select_from(UsageDaily)) == 6
        assert session.scalar(select(func.sum(AnonymousUsageDaily.input_tokens))) == 10_000


def test_a_shorter_retention_folds_more(rt, database_url, slack):
    seed(rt.sessions)
    settings = make_settings(database_url, slack, retention_days=30)
    report = run_retention(rt.sessions, settings, NOW)
    assert report.usage_rows == 6 and report.cutoff == date(2026, 10, 26)


def test_retention_command(rt, monkeypatch, database_url, capsys):
    people = seed(rt.sessions)
    today = datetime.now(UTC).date()
    with rt.sessions.begin() as session:
        session.execute(UsageDaily.__table__.delete())
        session.add_all(
            [usage(people["dan@example.com"], today - timedelta(days=500)), usage(people["dan@example.com"], today)]
        )
        rebuild_usage_weekly(session)
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("BUILDBOARD_RETENTION_DAYS", "400")
    assert main(["retention", "--dry-run"]) == 0
    assert capsys.readouterr().out.startswith("would fold 1 per-person usage row of 1 person")
    assert main(["retention"]) == 0
    assert capsys.readouterr().out.startswith("folded 1 per-person usage row of 1 person")
    with rt.sessions() as session:
        assert session.scalars(select(UsageDaily.day)).all() == [today]
