"""The CSV fast path gives exactly what the full per-row checks give: the same records, problems and lines.

`reference_iter_usage` is iter_usage as it was before the fast path (a DictReader, every row through
_record_from_fields); every file here is read both ways and must come out identical.
"""

import csv
import random
from decimal import Decimal
from pathlib import Path

import pytest

from bot.ingest.csv_files import (
    USAGE_OPTIONAL,
    USAGE_REQUIRED,
    _open_csv,
    _record_from_fields,
    iter_usage,
)
from bot.ingest.errors import ProblemCollector
from bot.ingest.prices import MicroRates, ModelPrice, PriceTable
from tests.conftest import DATA


def reference_iter_usage(path: Path, problems: ProblemCollector):
    handle, reader = _open_csv(path, problems, USAGE_REQUIRED, USAGE_OPTIONAL)
    with handle:
        if problems:
            return
        width = len(reader.fieldnames or ())
        for row in reader:
            if None in row:
                given = width + len(row[None])
                problems.add(reader.line_num, "row", f"has more fields than the header ({given}, not {width})")
                continue
            if None in row.values():  # DictReader fills the missing fields with None
                given = width - sum(1 for value in row.values() if value is None)
                problems.add(reader.line_num, "row", f"has fewer fields than the header ({given}, not {width})")
                continue
            record = _record_from_fields(row, reader.line_num, problems)
            if record is not None:
                yield record


def both_ways(path: Path):
    fast, slow = ProblemCollector(str(path)), ProblemCollector(str(path))
    fast_records = list(iter_usage(path, fast))
    slow_records = list(reference_iter_usage(path, slow))
    return (fast_records, fast.problems, fast.more), (slow_records, slow.problems, slow.more)


def assert_same(path: Path):
    fast, slow = both_ways(path)
    assert fast == slow
    # Equal Decimals can differ in exponent; the records must not.
    assert [str(r.cost_usd) for r in fast[0]] == [str(r.cost_usd) for r in slow[0]]
    return fast


HEADER = "date,email,provider,model,input_tokens,output_tokens,cached_input_tokens,requests,cost_usd"
GOOD = "2026-11-16,bob@example.com,openai,gpt-4o,1000,200,100,3,"


@pytest.mark.parametrize(
    "row",
    [
        GOOD,
        "2026-11-16 , Bob@Example.COM ,OpenAI , gpt-4o ,1000,200,100,3,",  # spaces and case
        "2026-11-16,bob@example.com,openai,gpt-4o, 1000 ,200,,,",  # spaced number; empty optionals
        "2026-11-16,bob@example.com,openai,gpt-4o,1_000,200,0,3,",  # int() reads underscores
        "2026-11-16,bob@example.com,openai,gpt-4o,١٢٣,200,0,3,",  # and other scripts' digits
        "2026-11-16,bob@example.com,openai,gpt-4o,+5,200,0,3,",
        "2026-11-16,bob@example.com,openai,gpt-4o,-0,200,0,3,",
        "2026-11-16,bob@example.com,openai,gpt-4o,1" + "0" * 5000 + ",200,0,3,",  # past int()'s digit limit
        "2026-11-16,bob@example.com,openai,gpt-4o,²,200,0,3,",  # a digit int() does not read
        "2026-11-16,bob@example.com,openai,gpt-4o,10,1,20,1,",  # cached > input
        "2026-11-16,bob@example.com,openai,gpt-4o,10,1,0,1, 1.50 ",
        "2026-11-16,bob@example.com,openai,gpt-4o,10,1,0,1,1e3",
        "2026-11-16,bob@example.com,openai,gpt-4o,10,1,0,1,-0",
        "2026-11-16,bob@example.com,openai,gpt-4o,10,1,0,1,-1",
        "2026-11-16,bob@example.com,openai,gpt-4o,10,1,0,1,NaN",
        "2026-11-16,bob@example.com,openai,gpt-4o,10,1,0,1,sNaN",
        "2026-11-16,bob@example.com,openai,gpt-4o,10,1,0,1,Infinity",
        "2026-11-16,bob@example.com,openai,gpt-4o,10,1,0,1,abc",
        "2026-02-30,bob@example.com,openai,gpt-4o,10,1,0,1,",
        "16/11/2026,bob@example.com,openai,gpt-4o,10,1,0,1,",
        "20261116,bob@example.com,openai,gpt-4o,10,1,0,1,",
        ",bob@example.com,openai,gpt-4o,10,1,0,1,",
        "2026-11-16,not-an-email,openai,gpt-4o,10,1,0,1,",
        "2026-11-16,bob@example.com,Open AI!,gpt-4o,10,1,0,1,",
        "2026-11-16,bob@example.com,openai,,10,1,0,1,",
        "2026-11-16,bob@example.com,openai," + "m" * 121 + ",10,1,0,1,",
        "2026-11-16,bob@example.com,openai," + "m" * 120 + ",10,1,0,1,",
        "2026-11-16,bob@example.com,openai,gpt-4o,,1,0,1,",
        "2026-11-16,bob@example.com,openai,gpt-4o,10,1,0,1,,extra",  # more fields than the header
        "2026-11-16,bob@example.com,openai,gpt-4o,10,1",  # fewer (only optional ones missing): refused too
        "2026-11-16,bob@example.com,openai",  # fewer: required ones missing
        '2026-11-16,bob@example.com,openai,"gpt\n4o",10,1,0,1,',  # a quoted line break
    ],
)
def test_each_kind_of_row_reads_the_same(tmp_path, row):
    path = tmp_path / "usage.csv"
    path.write_text(f"{HEADER}\n{GOOD}\n{row}\n{GOOD.replace('-16', '-17')}\n", encoding="utf-8")
    assert_same(path)


def test_good_rows_take_the_fast_path_and_bad_ones_keep_their_messages(tmp_path, monkeypatch):
    import bot.ingest.csv_files as csv_files

    full_checks = []
    checks = csv_files._record_from_fields
    monkeypatch.setattr(
        csv_files, "_record_from_fields", lambda row, line, p: full_checks.append(line) or checks(row, line, p)
    )
    path = tmp_path / "usage.csv"
    path.write_text(f"{HEADER}\n{GOOD}\n2026-11-16,bob@example.com,openai,gpt-4o,-5,1,0,1,\n", encoding="utf-8")
    records, problems, _ = assert_same(path)
    assert [(r.line, r.email, r.input_tokens, r.cached_input_tokens, r.requests) for r in records] == [
        (2, "bob@example.com", 1000, 100, 3)
    ]
    assert [str(p) for p in problems] == ["line 3, input_tokens: -5 is negative"]
    assert full_checks == [3]  # only the bad row went through the full checks in iter_usage


def test_blank_lines_and_line_numbers(tmp_path):
    # Blank lines are skipped, and counted.
    path = tmp_path / "usage.csv"
    path.write_text(f"{HEADER}\n{GOOD}\n\n\n2026-11-17,bob@example.com,openai,gpt-4o,x,1,0,1,\n{GOOD}\n")
    records, problems, _ = assert_same(path)
    assert [str(p) for p in problems] == ["line 5, input_tokens: 'x' is not a whole number"]
    assert [r.line for r in records] == [2, 6]


@pytest.mark.parametrize(
    "header",
    [
        "model,provider,email,date,output_tokens,input_tokens",  # any order, no optional columns
        " date , email ,provider,model,input_tokens,output_tokens,cost_usd",  # spaced names
        "date,email,provider,model,input_tokens,output_tokens,requests,requests",  # a repeated name: the last wins
        "date,email,provider,model,input_tokens,output_tokens,",  # an empty name
    ],
)
def test_headers_read_the_same(tmp_path, header):
    names = [name.strip() for name in header.split(",")]
    values = {
        "date": "2026-11-16",
        "email": "a@x.com",
        "provider": "openai",
        "model": "gpt-4o",
        "input_tokens": "10",
        "output_tokens": "2",
        "requests": "1",
        "cost_usd": "0.5",
        "": "",
    }
    rows = [",".join(values[n] for n in names), ",".join(values[n] if n != "requests" else "7" for n in names)]
    path = tmp_path / "usage.csv"
    path.write_text(header + "\n" + "\n".join(rows) + "\n")
    records, problems, _ = assert_same(path)
    assert not problems and len(records) == 2


def test_random_files_read_the_same(tmp_path):
    choices = {
        "date": ["2026-11-16", "2026-11-17", " 2026-11-18", "2026-11-31", "2026/11/16", ""],
        "email": ["a@x.com", "B@X.com", " c@x.com ", "d@x", "", "e f@x.com"],
        "provider": ["openai", "anthropic", "OpenAI", "open ai", "", "a" * 40],
        "model": ["gpt-4o", " claude-sonnet-4 ", "", "m" * 130, "gpt-4o-mini"],
        "input_tokens": ["100", "0", "5", "-1", "1.5", "", " 7", "1e3"],
        "output_tokens": ["10", "0", "x", "", "99999999999"],
        "cached_input_tokens": ["0", "", "50", "200", "-3"],
        "requests": ["1", "", "0", "two"],
        "cost_usd": ["", "", "", "0.25", "1.2345678", "-1", "nan", "$3", " 2 "],
    }
    rng = random.Random(9)
    names = list(choices)
    totals = {"records": 0, "problems": 0, "past the limit": 0}
    for attempt in range(20):
        header = names if attempt % 2 else rng.sample(names, len(names))
        path = tmp_path / f"usage-{attempt}.csv"
        with path.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow(header)
            for _ in range(150):
                fields = [rng.choice(choices[n]) if rng.random() < 0.25 else choices[n][0] for n in header]
                if rng.random() < 0.03:
                    fields = fields[: rng.randrange(len(fields))]
                if rng.random() < 0.03:
                    fields.append("extra")
                writer.writerow(fields if rng.random() > 0.02 else [])
        records, problems, more = assert_same(path)
        totals["records"] += len(records)
        totals["problems"] += len(problems)
        totals["past the limit"] += more
    # Both paths were exercised, and the count of problems past the reported ones matched too.
    assert all(totals.values()), totals


def test_the_test_organisation_reads_the_same():
    records, problems, _ = assert_same(DATA / "usage.csv")
    assert len(records) == 8 and not problems


def test_integer_prices_equal_the_decimal_ones():
    table = PriceTable.load()
    rng = random.Random(3)
    for model in table.models:
        rates = table.micro_rates(model)
        assert rates is not None
        for _ in range(200):
            inputs = rng.choice([0, 1, 3, 999, rng.randrange(10**9)])
            cached = rng.randint(0, inputs)
            written = rng.randint(0, inputs - cached)
            output = rng.choice([0, 1, rng.randrange(10**8)])
            expected = table.cost_usd(
                model, input_tokens=inputs, output_tokens=output, cached_input_tokens=cached, cache_write_tokens=written
            )
            micros = rates.cost_micros(inputs, output, cached, written)
            assert micros is not None
            assert Decimal(micros).scaleb(-6) == expected and str(Decimal(micros).scaleb(-6)) == str(expected)
    assert table.micro_rates("no-such-model") is None


def test_integer_prices_round_half_up_and_give_way_past_28_digits():
    half = ModelPrice(
        input=Decimal("0.0000005"), output=Decimal("1.5E-7"), cached_input=Decimal("0.00000025"), cache_write=None
    )
    table = PriceTable({"m": half}, source="test", retrieved="")
    rates = MicroRates.of(half)
    for inputs, output, cached in [(1, 0, 0), (3, 0, 0), (0, 10, 0), (2, 0, 2), (0, 0, 0), (7, 3, 5)]:
        expected = table.cost_usd("m", input_tokens=inputs, output_tokens=output, cached_input_tokens=cached)
        assert Decimal(rates.cost_micros(inputs, output, cached)).scaleb(-6) == expected
    assert rates.cost_micros(1, 0) == 1  # $0.0000005 rounds up to a micro-dollar
    precise = ModelPrice(
        input=Decimal("0.0000012345678901234567"), output=Decimal(0), cached_input=Decimal(0), cache_write=None
    )
    assert MicroRates.of(precise).cost_micros(10**12, 0) is None  # cost_usd decides, as before
