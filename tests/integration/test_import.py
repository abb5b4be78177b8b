"""Import through the CLI and the services: all-or-nothing, repeatable, priced."""

from decimal import Decimal

from sqlalchemy import func, select

from bot.cli import main
from bot.db.models import Person, UsageDaily
from tests.conftest import DATA
from tests.support.organisation import load_org, load_people, load_usage


def usage_rows(sessions):
    with sessions() as session:
        return session.execute(
            select(
                Person.email,
                UsageDaily.day,
                UsageDaily.model,
                UsageDaily.input_tokens,
                UsageDaily.cost_usd,
                UsageDaily.cost_source,
                UsageDaily.updated_at,
            )
            .join(Person)
            .order_by(UsageDaily.day, Person.email, UsageDaily.model)
        ).all()


def test_costs_come_from_the_file_or_the_price_table(sessions):
    report = load_org(sessions)
    rows = {(r.email, str(r.day), r.model): r for r in usage_rows(sessions)}
    # Given in the file.
    assert rows[("carol@example.com", "2026-11-16", "claude-sonnet-4")].cost_usd == Decimal("60")
    # Priced: 600k uncached × $2.50/M + 400k cached × $1.25/M + 200k output × $10/M = $4.00
    dan = rows[("dan@example.com", "2026-11-18", "gpt-4o")]
    assert (dan.cost_usd, dan.cost_source) == (Decimal("4"), "price_table")
    assert report.rows == 8
    assert report.cost_usd == Decimal("184.75")


def test_reimporting_the_same_rows_changes_nothing(sessions):
    load_org(sessions)
    before = usage_rows(sessions)
    report, problems = load_usage(sessions)
    assert not problems
    assert usage_rows(sessions) == before  # not even updated_at moved


def test_a_bad_file_imports_nothing(sessions, tmp_path):
    load_people(sessions)
    good = (DATA / "usage.csv").read_text().splitlines()
    bad = tmp_path / "usage.csv"
    # Seven good rows, then a negative token count on line 9.
    bad.write_text("\n".join(good[:8] + ["2026-11-21,bob@example.com,openai,gpt-4o,-1,5,0,1,"]) + "\n")
    _, problems = load_usage(sessions, bad)
    assert [str(p) for p in problems.problems] == ["line 9, input_tokens: -1 is negative"]
    with sessions() as session:
        assert session.scalar(select(func.count()).select_from(UsageDaily)) == 0


def test_duplicate_keys_in_one_file_are_refused(sessions, tmp_path):
    load_people(sessions)
    path = tmp_path / "usage.csv"
    path.write_text(
        "date,email,provider,model,input_tokens,output_tokens\n"
        "2026-11-16,bob@example.com,openai,gpt-4o,1,1\n"
        "2026-11-16,BOB@example.com,openai,gpt-4o,2,2\n"
    )
    _, problems = load_usage(sessions, path)
    assert [str(p) for p in problems.problems] == [
        "line 3, date: bob@example.com · 2026-11-16 · openai · gpt-4o is already on line 2"
    ]


def test_unknown_emails_are_kept_unmatched_then_attributed(sessions, tmp_path):
    path = tmp_path / "usage.csv"
    path.write_text(
        "date,email,provider,model,input_tokens,output_tokens,cost_usd\n"
        "2026-11-16,zoe@example.com,openai,gpt-4o,100,10,1.50\n"
    )
    report, problems = load_usage(sessions, path)
    assert not problems and report.unmatched_emails == {"zoe@example.com"}
    people = tmp_path / "people.csv"
    people.write_text((DATA / "people.csv").read_text() + "zoe@example.com,Zoe Zhang,Research,erin@example.com,,\n")
    imported = load_people(sessions, people)
    assert imported.matched_usage == 1
    with sessions() as session:
        zoe = session.scalars(select(Person).where(Person.email == "zoe@example.com")).one()
        assert (zoe.name, zoe.in_org) == ("Zoe Zhang", True)
        assert session.scalar(select(func.sum(UsageDaily.cost_usd)).where(UsageDaily.person_id == zoe.id)) == Decimal(
            "1.5"
        )


def test_strict_import_refuses_unknown_emails(sessions, tmp_path):
    path = tmp_path / "usage.csv"
    path.write_text(
        "date,email,provider,model,input_tokens,output_tokens\n2026-11-16,zoe@example.com,openai,gpt-4o,1,1\n"
    )
    _, problems = load_usage(sessions, path, strict=True)
    assert [str(p) for p in problems.problems] == ["line 2, email: zoe@example.com is not in the people file"]


def test_unknown_models_are_reported_not_priced_at_zero_silently(sessions, tmp_path):
    load_people(sessions)
    path = tmp_path / "usage.csv"
    path.write_text(
        "date,email,provider,model,input_tokens,output_tokens\n"
        "2026-11-16,bob@example.com,openai,mystery-model-9,1000,10\n"
    )
    report, problems = load_usage(sessions, path)
    assert not problems
    assert report.unpriced_models == {"mystery-model-9": 1010}
    assert [r.cost_source for r in usage_rows(sessions)] == ["unpriced"]


def test_people_reimport_moves_and_departs(sessions, tmp_path):
    load_people(sessions)
    moved = tmp_path / "people.csv"
    lines = (DATA / "people.csv").read_text().splitlines()
    # Dan moves under Erin; Carol leaves.
    lines = [
        line.replace(
            "dan@example.com,Dan Diaz,Platform,bob@example.com", "dan@example.com,Dan Diaz,Research,erin@example.com"
        )
        for line in lines
        if not line.startswith("carol@")
    ]
    moved.write_text("\n".join(lines) + "\n")
    report = load_people(sessions, moved)
    assert (report.moved, report.departed, report.added) == (1, 1, 0)
    with sessions() as session:
        carol = session.scalars(select(Person).where(Person.email == "carol@example.com")).one()
        assert carol.in_org is False


def test_cli_import_and_export_round_trip(database_url, sessions, monkeypatch, capsys):
    monkeypatch.setenv("DATABASE_URL", database_url)
    assert main(["org", "import", str(DATA / "people.csv")]) == 0
    assert main(["usage", "import", str(DATA / "usage.csv")]) == 0
    capsys.readouterr()
    assert main(["export", "usage", "--week", "2026-W47"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == (
        "date,email,matched,provider,model,input_tokens,cached_input_tokens,output_tokens,"
        "total_tokens,requests,cost_usd,cost_source,source"
    )
    assert "2026-11-18,dan@example.com,yes,openai,gpt-4o,1000000,400000,200000,1200000,50,4,price_table,csv" in lines
    assert len(lines) == 1 + 6
    assert main(["export", "people", "--format", "json"]) == 0
    people = __import__("json").loads(capsys.readouterr().out)
    assert [p["email"] for p in people][:1] == ["alice@example.com"]
    assert next(p for p in people if p["email"] == "carol@example.com")["manager_email"] == "bob@example.com"


def test_cli_refuses_a_bad_file_with_line_and_field(database_url, sessions, monkeypatch, capsys, tmp_path):
    monkeypatch.setenv("DATABASE_URL", database_url)
    bad = tmp_path / "people.csv"
    bad.write_text("email,name,team,manager_email\nann@x.com,Ann,T,nobody@x.com\n")
    assert main(["org", "import", str(bad)]) == 2
    err = capsys.readouterr().err
    assert "refused, nothing was imported" in err and "line 2, manager_email: nobody@x.com is not in the file" in err
    with sessions() as session:
        assert session.scalar(select(func.count()).select_from(Person)) == 0
