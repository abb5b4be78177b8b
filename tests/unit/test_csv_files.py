from decimal import Decimal
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


def people_problems(tmp_path, body: str) -> list[str]:
    with pytest.raises(BadImportFile) as caught:
        read_people(write(tmp_path, "people.csv", body))
    return [str(p) for p in caught.value.problems]


def test_a_people_row_with_fewer_fields_than_the_header_is_refused_with_its_line(tmp_path):
    body = "email,name,team,manager_email\na@x.com,A,T,\nb@x.com,B,T\nc@x.com,C,T,a@x.com,extra\n"
    assert people_problems(tmp_path, body) == [
        "line 3, row: has fewer fields than the header (3, not 4)",
        "line 4, row: has more fields than the header (5, not 4)",
    ]


def test_blank_lines_in_a_people_file_are_skipped_and_lines_keep_their_numbers(tmp_path):
    body = (
        "email,name,team,manager_email,timezone\n\na@x.com,A,T,,Europe/Berlin\n\n"
        "b@x.com,B,T,a@x.com,Europe/Berlin\nc@x.com,C,T,a@x.com,Mars/Olympus\n\n"
    )
    assert people_problems(tmp_path, body) == [
        "line 6, timezone: 'Mars/Olympus' is not an IANA time zone (like Europe/Berlin)"
    ]
    fixed = read_people(write(tmp_path, "fixed.csv", body.replace("Mars/Olympus", "Europe/Berlin")))
    assert [(r.line, r.email, r.manager_email, r.timezone) for r in fixed] == [
        (3, "a@x.com", None, "Europe/Berlin"),
        (5, "b@x.com", "a@x.com", "Europe/Berlin"),
        (6, "c@x.com", "a@x.com", "Europe/Berlin"),
    ]


def test_a_usage_row_with_fewer_fields_than_the_header_is_refused_with_its_line(tmp_path):
    found = usage_problems(tmp_path, HEADER + "2026-11-01,a@x.com,openai,gpt-4o,10,1\n")
    assert found == ["line 2, row: has fewer fields than the header (6, not 9)"]


def test_a_cycle_is_reported_with_the_other_problems_sorted_by_line(tmp_path):
    body = (
        "email,name,team,manager_email\n"
        "a@x.com,A,T,b@x.com\n"  # 2: a → b → a
        "b@x.com,B,T,a@x.com\n"
        "c@x.com,,T,\n"  # 4: no name
        "d@x.com,D,T,nobody@x.com\n"  # 5: manager not in the file
        "e@x.com,E,T,e@x.com\n"  # 6: own manager (not also a cycle)
    )
    assert people_problems(tmp_path, body) == [
        "line 2, manager_email: management cycle: a@x.com → b@x.com → a@x.com",
        "line 4, name: is empty",
        "line 5, manager_email: nobody@x.com is not in the file",
        "line 6, manager_email: a person cannot be their own manager",
    ]


def test_problems_found_late_still_come_first_when_they_are_on_earlier_lines():
    problems = ProblemCollector("f.csv")
    for line in range(30, 60):
        problems.add(line, "x", "late")
    problems.add(3, "y", "early")
    assert [p.line for p in problems.problems][:3] == [3, 30, 31]
    assert len(problems.problems) == 20 and problems.more == 11


def test_extra_people_columns_are_read_past_with_a_note_and_departed_rows_left_out(tmp_path):
    notes: list[str] = []
    body = (
        "email,name,team,manager_email,slack_user_id,timezone,in_org,active\n"
        "a@x.com,A,T,,,,True,True\n"
        "b@x.com,B,T,a@x.com,,,False,True\n"
    )
    people = read_people(write(tmp_path, "people.csv", body), notes)
    assert [p.email for p in people] == ["a@x.com"]
    assert notes == ["ignored columns in_org, active", "1 person with in_org false left out (departed)"]


@pytest.mark.parametrize("name", ["usage.jsonl", "usage.ndjson", "usage.json"])
def test_json_lines_are_read_from_jsonl_ndjson_and_json(tmp_path, name):
    line = '{"date": "2026-11-02", "email": "a@x.com", "provider": "openai", "model": " GPT-4o ", '
    path = write(tmp_path, name, line + '"input_tokens": 10, "output_tokens": 2}\n' + line + '"input_tokens": -1}\n')
    problems = ProblemCollector(name)
    records = list(iter_usage(path, problems))
    assert [(r.line, r.model, r.input_tokens) for r in records] == [(1, "gpt-4o", 10)]
    assert [str(p) for p in problems.problems] == ["line 2, output_tokens: is missing"]


def test_a_json_array_is_read_with_each_objects_line(tmp_path):
    path = write(
        tmp_path,
        "usage.json",
        '[\n{"date": "2026-11-02", "email": "a@x.com", "provider": "openai", "model": "gpt-4o",'
        ' "input_tokens": 10, "output_tokens": 2},\n'
        '{"date": "2026-11-03", "email": "a@x.com", "provider": "openai", "model": "gpt-4o",'
        ' "input_tokens": "x", "output_tokens": 2}\n]\n',
    )
    problems = ProblemCollector("usage.json")
    assert [r.line for r in iter_usage(path, problems)] == [2]
    assert [str(p) for p in problems.problems] == ["line 3, input_tokens: 'x' is not a whole number"]


def test_model_names_are_normalised_in_csv(tmp_path):
    path = write(tmp_path, "usage.csv", HEADER + "2026-11-01,a@x.com,openai,  GPT-4o ,10,1,0,1,\n")
    assert [r.model for r in iter_usage(path, ProblemCollector("usage.csv"))] == ["gpt-4o"]


def test_an_exported_usage_file_reads_as_it_is(tmp_path):
    notes: list[str] = []
    header = "date,email,matched,provider,model,input_tokens,cached_input_tokens,output_tokens,total_tokens,"
    path = write(
        tmp_path,
        "usage.csv",
        header + "requests,cost_usd,cost_source,source\n"
        "2026-11-02,a@x.com,yes,openai,gpt-4o,10,0,2,12,1,0.5,price_table,csv\n"
        "2026-11-02,b@x.com,yes,anthropic,claude-sonnet-4,10,0,2,12,1,7.25,reported,anthropic\n"
        "2026-11-02,,forgotten,openai,gpt-4o,10,0,2,12,1,0.5,price_table,csv\n",
    )
    problems = ProblemCollector("usage.csv")
    records = list(iter_usage(path, problems, notes))
    assert not problems
    assert [(r.email, r.cost_usd) for r in records] == [("a@x.com", None), ("b@x.com", Decimal("7.25"))]
    assert notes == [
        "ignored columns matched, total_tokens, cost_source, source",
        "1 row of forgotten people left out (they have no email)",
    ]


def test_a_json_array_that_is_not_closed_is_refused(tmp_path):
    path = write(tmp_path, "usage.json", '[\n{"date": "2026-11-02"},\n')
    problems = ProblemCollector("usage.json")
    list(iter_usage(path, problems))
    assert [str(p) for p in problems.problems][-1] == "line 3, json: the array is not closed with ]"
