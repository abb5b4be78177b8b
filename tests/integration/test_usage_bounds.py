"""Usage values are bounded: tokens ≤ 10^15, cost ≤ $10^7 a row, days from 2015-01-01 to tomorrow (UTC).

Anything else is refused on its line with nothing imported, the same on SQLite and PostgreSQL, through
the CSV fast path, the CSV full checks, JSON Lines and a provider's sync.
"""

from __future__ import annotations

import json
from datetime import date

import pytest
from sqlalchemy import func, select

from bot.cli import main
from bot.db.models import UsageDaily
from tests.conftest import DATA
from tests.fakes.openai_admin import CompletionsUsage, FakeOpenAIAdmin
from tests.support.organisation import load_people, load_usage
from tests.support.sync import run_sync, sync_settings

HEADER = "date,email,provider,model,input_tokens,output_tokens,cached_input_tokens,requests,cost_usd"
GOOD = "2026-11-21,bob@example.com,openai,gpt-4o,1000,100,0,1,"
# NOW is 2026-11-25 12:00 UTC: tomorrow in UTC is the 26th.
OUT_OF_BOUNDS = {
    "cost 1e400": ("2026-11-22,bob@example.com,openai,gpt-4o,1000,100,0,1,1e400", "cost_usd"),
    "cost over $10^7": ("2026-11-22,bob@example.com,openai,gpt-4o,1000,100,0,1,10000000.01", "cost_usd"),
    "24-digit tokens": ("2026-11-22,bob@example.com,openai,gpt-4o,100000000000000000000000,1,0,1,", "input_tokens"),
    "tokens over 10^15": ("2026-11-22,bob@example.com,openai,gpt-4o,1,1000000000000001,0,1,", "output_tokens"),
    "before 2015": ("2014-12-31,bob@example.com,openai,gpt-4o,1000,100,0,1,", "date"),
    "after tomorrow": ("2026-11-27,bob@example.com,openai,gpt-4o,1000,100,0,1,", "date"),
    "priced over $10^7": ("2026-11-22,bob@example.com,openai,gpt-4o,1000000000000000,0,0,1,", "cost_usd"),
}


def stored_rows(sessions) -> int:
    with sessions() as session:
        return session.scalar(select(func.count()).select_from(UsageDaily)) or 0


def _full_path(row: str) -> str:
    """The same row with a space before the token count: the fast path leaves it to the full checks."""
    fields = row.split(",")
    fields[5] = " " + fields[5]
    return ",".join(fields)


@pytest.mark.parametrize("path_kind", ["fast", "full"])
@pytest.mark.parametrize("case", sorted(OUT_OF_BOUNDS))
def test_a_csv_value_out_of_bounds_refuses_the_file_on_its_line(sessions, tmp_path, case, path_kind):
    load_people(sessions)
    row, field = OUT_OF_BOUNDS[case]
    usage = tmp_path / "usage.csv"
    usage.write_text("\n".join([HEADER, GOOD, row if path_kind == "fast" else _full_path(row)]) + "\n")
    _, problems = load_usage(sessions, usage)
    assert [(p.line, p.field) for p in problems.problems] == [(3, field)]
    assert "outside" in problems.problems[0].message  # says what is allowed
    assert stored_rows(sessions) == 0


def test_the_bounds_themselves_are_allowed(sessions, tmp_path):
    load_people(sessions)
    usage = tmp_path / "usage.csv"
    rows = [
        "2015-01-01,bob@example.com,openai,gpt-4o,1000,100,0,1,",
        "2026-11-26,bob@example.com,openai,gpt-4o,1000,100,0,1,",  # tomorrow in UTC
        "2026-11-20,bob@example.com,openai,gpt-4o,1000000000000000,1000000000000000,0,1,10000000",
    ]
    usage.write_text("\n".join([HEADER, *rows]) + "\n")
    report, problems = load_usage(sessions, usage)
    assert not problems.problems and report.rows == 3
    assert stored_rows(sessions) == 3


def test_json_lines_out_of_bounds_are_refused_on_their_line(sessions, tmp_path):
    load_people(sessions)
    base = {"date": "2026-11-22", "email": "bob@example.com", "provider": "openai", "model": "gpt-4o"}
    lines = [
        {**base, "date": "2026-11-21", "input_tokens": 10, "output_tokens": 1},
        {**base, "input_tokens": 10, "output_tokens": 1, "cost_usd": "1e400"},
        {**base, "model": "o3", "input_tokens": 10**24, "output_tokens": 1},
        {**base, "date": "1999-01-01", "input_tokens": 10, "output_tokens": 1},
    ]
    usage = tmp_path / "usage.jsonl"
    usage.write_text("".join(json.dumps(line) + "\n" for line in lines))
    _, problems = load_usage(sessions, usage)
    assert [(p.line, p.field) for p in problems.problems] == [(2, "cost_usd"), (3, "input_tokens"), (4, "date")]
    assert stored_rows(sessions) == 0


def test_cli_refuses_an_infinite_cost_in_one_line_without_a_traceback(
    database_url, sessions, monkeypatch, capsys, tmp_path
):
    monkeypatch.setenv("DATABASE_URL", database_url)
    assert main(["org", "import", str(DATA / "people.csv")]) == 0
    usage = tmp_path / "usage.csv"
    usage.write_text(
        "\n".join(
            [HEADER, GOOD, OUT_OF_BOUNDS["cost 1e400"][0], OUT_OF_BOUNDS["24-digit tokens"][0].replace("gpt-4o", "o3")]
        )
    )
    capsys.readouterr()
    assert main(["usage", "import", str(usage)]) == 2
    err = capsys.readouterr().err
    assert "nothing was imported" in err and "Traceback" not in err
    assert "line 3, cost_usd: 1E+400 is outside $0 to $10,000,000 a row" in err
    assert "line 4, input_tokens: 100000000000000000000000 is outside 0 to 1,000,000,000,000,000 tokens a row" in err
    assert stored_rows(sessions) == 0


def test_a_provider_answering_an_absurd_count_writes_nothing_of_that_window(database_url, slack, sessions):
    load_people(sessions)
    with FakeOpenAIAdmin(buckets_per_page=2) as fake:
        fake.add_user("user_bob", "bob@example.com")
        fake.completions += [
            CompletionsUsage(date(2026, 11, 20), "user_bob", "gpt-4o", 1_000, 100),
            CompletionsUsage(date(2026, 11, 21), "user_bob", "gpt-4o", 10**24, 100),
        ]
        settings = sync_settings(database_url, slack, openai_fake=fake)
        report = run_sync("openai", sessions, settings, date(2026, 11, 20), date(2026, 11, 22))
    assert not report.ok
    assert "input_tokens" in report.error and "outside 0 to 1,000,000,000,000,000" in report.error
    assert "nothing was written for 2026-11-20 to 2026-11-22" in report.error
    assert "bob@example.com" not in report.error
    assert report.retry_command() == "buildboard usage sync openai --since 2026-11-20 --until 2026-11-22"
    assert stored_rows(sessions) == 0
