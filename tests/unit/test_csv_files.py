from pathlib import Path

import pytest

from bot.ingest.csv_files import iter_usage, read_people
from bot.ingest.errors import BadImportFile, ProblemCollector
from tests.conftest import DATA


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def test_people_file_reads_the_tree():
    people = read_people(DATA / "people.csv")
    assert [p.email for p in people][:2] == ["alice@example.com", "bob@example.com"]
    dan = next(p for p in people if p.email == "dan@example.com")
    assert (dan.manager_email, dan.slack_user_id, dan.timezone) == ("bob@example.com", "U0DAN", None)


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("email,name,team\na@x.com,A,T\n", "line 1, header: missing column(s) manager_email"),
        ("email,name,team,manager_email\nnot-an-email,A,T,\n", "line 2, email: 'not-an-email' is not an email address"),
        ("email,name,team,manager_email\na@x.com,A,T,\na@x.com,B,T,\n", "line 3, email: a@x.com is already on line 2"),
        ("email,name,team,manager_email\na@x.com,A,T,b@x.com\n", "line 2, manager_email: b@x.com is not in the file"),
        ("email,name,team,manager_email\na@x.com,A,T,b@x.com\nb@x.com,B,T,a@x.com\n", "management cycle"),
        ("email,name,team,manager_email,timezone\na@x.com,A,T,,Mars/Olympus\n", "line 2, timezone"),
        ("email,name,team,manager_email,slack_user_id\na@x.com,A,T,,bob\n", "line 2, slack_user_id"),
        ("email,name,team,manager_email\na@x.com,,T,\n", "line 2, name: is empty"),
    ],
)
def test_people_file_problems_name_line_and_field(tmp_path, body, expected):
    with pytest.raises(BadImportFile) as caught:
        read_people(write(tmp_path, "people.csv", body))
    assert expected in str(caught.value)
    assert "nothing imported" in str(caught.value)


def usage_problems(tmp_path, body: str) -> list[str]:
    problems = ProblemCollector("usage.csv")
    list(iter_usage(write(tmp_path, "usage.csv", body), problems))
    return [str(p) for p in problems.problems]


HEADER = "date,email,provider,model,input_tokens,output_tokens,cached_input_tokens,requests,cost_usd\n"


@pytest.mark.parametrize(
    ("row", "expected"),
    [
        ("2026-13-01,a@x.com,openai,gpt-4o,1,1,0,1,", "line 2, date: '2026-13-01' is not a real date"),
        ("23/11/2026,a@x.com,openai,gpt-4o,1,1,0,1,", "line 2, date: '23/11/2026' is not a date like"),
        ("2026-11-01,a@x.com,openai,gpt-4o,-5,1,0,1,", "line 2, input_tokens: -5 is negative"),
        ("2026-11-01,a@x.com,openai,gpt-4o,ten,1,0,1,", "line 2, input_tokens: 'ten' is not a whole number"),
        ("2026-11-01,a@x.com,openai,gpt-4o,10,1,20,1,", "line 2, cached_input_tokens: 20 is more than input_tokens"),
        ("2026-11-01,a@x.com,openai,gpt-4o,10,1,0,1,abc", "line 2, cost_usd: 'abc' is not a number of dollars"),
        ("2026-11-01,a@x.com,Open AI!,gpt-4o,10,1,0,1,", "line 2, provider"),
        ("2026-11-01,a@x.com,openai,,10,1,0,1,", "line 2, model: is empty"),
    ],
)
def test_usage_problems_name_line_and_field(tmp_path, row, expected):
    found = usage_problems(tmp_path, HEADER + row + "\n")
    assert any(expected in p for p in found), found


def test_usage_header_must_have_required_columns(tmp_path):
    found = usage_problems(tmp_path, "date,email,model\n2026-11-01,a@x.com,gpt-4o\n")
    assert found == [
        "line 1, header: missing column(s) provider, input_tokens, output_tokens; expected "
        "date,email,provider,model,input_tokens,output_tokens[,cached_input_tokens,requests,cost_usd]"
    ]


def test_usage_jsonl_has_the_same_fields(tmp_path):
    path = write(
        tmp_path,
        "usage.jsonl",
        '{"date": "2026-11-02", "email": "A@X.com", "provider": "openai", "model": "gpt-4o", '
        '"input_tokens": 10, "output_tokens": 2}\n\n'
        '{"date": "2026-11-02", "email": "a@x.com", "provider": "openai", "model": "gpt-4o"}\n',
    )
    problems = ProblemCollector("usage.jsonl")
    records = list(iter_usage(path, problems))
    assert [(r.email, r.input_tokens, r.cost_usd) for r in records] == [("a@x.com", 10, None)]
    assert [str(p) for p in problems.problems] == ["line 3, input_tokens: is missing"]
