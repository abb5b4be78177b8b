"""write_usage's bulk writes store exactly what SQLAlchemy's upsert stored, on SQLite and PostgreSQL."""

from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import delete, text

import bot.ingest.repeated_keys as repeated_keys
import bot.ingest.store as store
from bot.db.models import Person, UsageDaily
from bot.db.upsert import upsert
from bot.ingest.errors import MAX_REPORTED, ProblemCollector
from bot.ingest.identity import PersonResolver
from bot.ingest.prices import PriceTable
from bot.ingest.records import UsageRecord
from bot.ingest.store import USAGE_KEY, USAGE_VALUES, price, write_usage
from tests.conftest import NOW

PRICES = PriceTable.load()


def sqlalchemy_write_usage(session, records, *, source, now):
    """write_usage as it was: priced with `price`, upserted through SQLAlchemy with dict rows."""
    report = store.UsageWriteReport()
    resolver = PersonResolver(session, now)
    rows = []
    for record in records:
        cost, cost_source = price(record, PRICES, report)
        rows.append(
            {
                "person_id": resolver.person_id(record.email),
                "day": record.day,
                "provider": record.provider,
                "model": record.model,
                "input_tokens": record.input_tokens,
                "cached_input_tokens": record.cached_input_tokens,
                "output_tokens": record.output_tokens,
                "requests": record.requests,
                "cost_usd": cost,
                "cost_source": cost_source,
                "source": source,
                "updated_at": now,
            }
        )
    upsert(session, UsageDaily.__table__, rows, key=USAGE_KEY, update=USAGE_VALUES)


def stored(session):
    """The rows as the database holds them (on SQLite with each value's storage class), without ids."""
    sqlite = session.get_bind().dialect.name == "sqlite"
    columns = [*USAGE_KEY, *USAGE_VALUES]
    selected = ", ".join(f"{c}, typeof({c})" if sqlite else c for c in columns)
    return session.execute(text(f"SELECT {selected} FROM usage_daily ORDER BY person_id, day, provider, model")).all()


def records():
    days = [date(2026, 11, 16) + timedelta(days=n) for n in range(3)]
    out = []
    line = 2
    for day in days:
        for email in ("ann@example.com", "bo@example.com", "new@example.com"):
            for model, cost in [
                ("gpt-4o", None),
                ("claude-sonnet-4", Decimal("12.3456789")),  # more places than the column keeps
                ("mystery-model", None),  # unpriced
                ("gpt-4o-mini", Decimal("0")),
            ]:
                out.append(
                    UsageRecord(
                        day=day,
                        email=email,
                        provider="anthropic" if model.startswith("claude") else "openai",
                        model=model,
                        input_tokens=1_234_567 + line,
                        output_tokens=76_543,
                        cached_input_tokens=234_567,
                        requests=line,
                        cost_usd=cost,
                        line=line,
                    )
                )
                line += 1
    return out


def add_people(sessions):
    with sessions.begin() as session:
        for email, name in (("ann@example.com", "Ann"), ("bo@example.com", "Bo")):
            session.add(Person(email=email, name=name, team="T", created_at=NOW, updated_at=NOW))


def test_bulk_rows_equal_the_rows_sqlalchemy_wrote(sessions):
    add_people(sessions)
    with sessions.begin() as session:
        report = write_usage(session, records(), prices=PRICES, source="csv", now=NOW)
    with sessions() as session:
        bulk = stored(session)
    with sessions.begin() as session:
        session.execute(delete(UsageDaily))
        sqlalchemy_write_usage(session, records(), source="csv", now=NOW)
    with sessions() as session:
        assert stored(session) == bulk
    assert len(bulk) == report.rows == 36
    assert (report.first_day, report.last_day) == (date(2026, 11, 16), date(2026, 11, 18))
    assert report.unmatched_emails == {"new@example.com"}
    assert report.unpriced_models == {"mystery-model": 9 * (1_234_567 + 76_543) + sum(range(4, 38, 4))}
    assert report.tokens == sum(r.input_tokens + r.output_tokens for r in records())
    # Priced rows to the micro-dollar, reported costs as given (the report sums what was given).
    expected = sum(
        (r.cost_usd if r.cost_usd is not None else price(r, PRICES, store.UsageWriteReport())[0]) for r in records()
    )
    assert report.cost_usd == expected


def test_reimport_changes_nothing_and_a_change_touches_only_its_row(sessions):
    add_people(sessions)
    with sessions.begin() as session:
        write_usage(session, records(), prices=PRICES, source="csv", now=NOW)
    with sessions() as session:
        before = stored(session)
    with sessions.begin() as session:
        write_usage(session, records(), prices=PRICES, source="csv", now=NOW + timedelta(hours=1))
    with sessions() as session:
        assert stored(session) == before  # not even updated_at
    changed = records()
    changed[0].output_tokens += 1
    later = NOW + timedelta(hours=2)
    with sessions.begin() as session:
        write_usage(session, changed, prices=PRICES, source="csv", now=later)
    with sessions() as session:
        after = stored(session)
        moved = session.execute(
            text("SELECT person_id, day, model FROM usage_daily WHERE updated_at <> :first"),
            {"first": session.execute(text("SELECT min(updated_at) FROM usage_daily")).scalar()},
        ).all()
    assert len(after) == len(before) and after != before
    assert len(moved) == 1 and moved[0].model == changed[0].model


def test_many_batches_and_two_writes_in_one_transaction(sessions, monkeypatch):
    monkeypatch.setattr(store, "BATCH_ROWS", 5)
    add_people(sessions)
    all_records = records()
    with sessions.begin() as session:
        first = write_usage(session, all_records[:20], prices=PRICES, source="csv", now=NOW)
        second = write_usage(session, all_records[20:], prices=PRICES, source="openai", now=NOW)
    assert (first.rows, second.rows) == (20, 16)
    with sessions() as session:
        rows = stored(session)
    assert len(rows) == 36
    with sessions.begin() as session:
        session.execute(delete(UsageDaily))
        sqlalchemy_write_usage(session, all_records[:20], source="csv", now=NOW)
        sqlalchemy_write_usage(session, all_records[20:], source="openai", now=NOW)
    with sessions() as session:
        assert stored(session) == rows


@pytest.mark.parametrize("sorted_keys", [False, True], ids=["dict", "sorted"])
def test_a_refused_input_writes_nothing_even_after_full_batches(sessions, monkeypatch, sorted_keys):
    monkeypatch.setattr(store, "BATCH_ROWS", 5)
    if sorted_keys:  # repeats found by the sort that large files use
        monkeypatch.setattr(repeated_keys, "SORT_FROM", 0)
    add_people(sessions)
    duplicated = records()
    duplicated.append(replace(duplicated[3], line=99, input_tokens=1))  # the same key again, at the end
    problems = ProblemCollector("usage.csv")
    with sessions() as session, session.begin():
        report = write_usage(session, duplicated, prices=PRICES, source="csv", now=NOW, problems=problems)
        if problems:
            session.rollback()
    assert [str(p) for p in problems.problems] == [
        "line 99, date: ann@example.com · 2026-11-16 · openai · gpt-4o-mini is already on line 5"
    ]
    assert report.rows == 36
    with sessions() as session:
        assert stored(session) == []


@pytest.mark.parametrize("sorted_keys", [False, True], ids=["dict", "sorted"])
def test_a_file_given_twice_names_its_first_repeats_and_counts_the_rest(sessions, monkeypatch, sorted_keys):
    if sorted_keys:
        monkeypatch.setattr(repeated_keys, "SORT_FROM", 0)
    add_people(sessions)
    once = [replace(r, line=line) for line, r in enumerate(records(), start=2)]
    twice = once + [replace(r, line=r.line + len(once)) for r in once]
    problems = ProblemCollector("usage.csv")
    with sessions() as session, session.begin():
        write_usage(session, twice, prices=PRICES, source="csv", now=NOW, problems=problems)
        session.rollback()
    # Known people's rows repeat (an unknown email is unmatched usage, a new person: its rows repeat too).
    repeated = len(once)
    assert [p.line for p in problems.problems] == [line + len(once) for line in range(2, 2 + MAX_REPORTED)]
    assert problems.problems[0].message.endswith("is already on line 2")
    assert problems.more == repeated - MAX_REPORTED
    with sessions() as session:
        assert stored(session) == []


def test_a_key_repeated_by_a_source_without_lines_is_refused_not_written_twice(sessions):
    add_people(sessions)
    duplicated = records()
    duplicated.append(replace(duplicated[3], line=0, input_tokens=1))
    with pytest.raises(ValueError, match="2026-11-16 · openai · gpt-4o-mini given twice for one person"):
        with sessions.begin() as session:
            write_usage(session, duplicated, prices=PRICES, source="openai", now=NOW)
    with sessions() as session:
        assert stored(session) == []


@pytest.mark.parametrize("strict", [False, True])
def test_unknown_emails_unmatched_or_refused(sessions, strict):
    add_people(sessions)
    problems = ProblemCollector("usage.csv")
    with sessions() as session, session.begin():
        report = write_usage(
            session, records(), prices=PRICES, source="csv", now=NOW, problems=problems, strict_people=strict
        )
        if problems:
            session.rollback()
    if strict:
        assert [str(p) for p in problems.problems][:1] == ["line 10, email: new@example.com is not in the people file"]
        assert len(problems.problems) == 12
    else:
        assert not problems and report.unmatched_emails == {"new@example.com"}


def test_an_error_while_a_batch_is_in_flight_leaves_a_usable_session(sessions, monkeypatch):
    monkeypatch.setattr(store, "BATCH_ROWS", 5)
    add_people(sessions)

    def failing():
        yield from records()[:12]  # two batches sent
        raise ValueError("the source broke")

    with sessions() as session:
        with pytest.raises(ValueError, match="the source broke"), session.begin():
            write_usage(session, failing(), prices=PRICES, source="csv", now=NOW)
        assert stored(session) == []  # rolled back
        session.rollback()
        with session.begin():
            report = write_usage(session, records(), prices=PRICES, source="csv", now=NOW)
        assert report.rows == len(stored(session)) == 36


def later_records(start_line: int = 100):
    """records() a week later: days that hold no usage yet."""
    return [replace(r, day=r.day + timedelta(days=7), line=r.line + start_line) for r in records()]


def test_written_in_chunks_stored_and_new_days_equal_the_rows_sqlalchemy_wrote(sessions, monkeypatch):
    """Chunks mixing stored days (upserted) and new ones (inserted) store what one upsert stored."""
    monkeypatch.setattr(store, "BATCH_ROWS", 4)
    monkeypatch.setattr(store, "CHUNK_ROWS", 10)
    add_people(sessions)
    with sessions.begin() as session:
        write_usage(session, records(), prices=PRICES, source="csv", now=NOW)
    changed = records()
    changed[5].output_tokens += 1
    changed[30].requests += 1
    mixed = [row for pair in zip(changed, later_records(), strict=True) for row in pair]  # alternating days
    with sessions.begin() as session:
        report = write_usage(session, mixed, prices=PRICES, source="csv", now=NOW + timedelta(hours=1))
    assert report.rows == 72
    assert report.changed == 2 + 36  # the two changed rows and every row of the new week
    with sessions() as session:
        chunked = stored(session)
    with sessions.begin() as session:
        session.execute(delete(UsageDaily))
        sqlalchemy_write_usage(session, records(), source="csv", now=NOW)
        sqlalchemy_write_usage(session, mixed, source="csv", now=NOW + timedelta(hours=1))
    with sessions() as session:
        assert stored(session) == chunked
    assert len(chunked) == 72


@pytest.mark.parametrize("second_at", [1, 30], ids=["same-chunk", "later-chunk"])
def test_a_key_repeated_on_a_new_day_is_refused_and_the_session_stays_usable(sessions, monkeypatch, second_at):
    """On a day without usage the rows are inserted without conflict checks: a repeat is still a problem."""
    monkeypatch.setattr(store, "BATCH_ROWS", 4)
    monkeypatch.setattr(store, "CHUNK_ROWS", 10)
    add_people(sessions)
    rows = later_records()
    rows.insert(second_at, replace(rows[0], line=999, input_tokens=rows[0].input_tokens + 7))
    problems = ProblemCollector("usage.csv")
    with sessions() as session:
        with session.begin():
            write_usage(session, rows, prices=PRICES, source="csv", now=NOW, problems=problems)
            assert [p.line for p in problems.problems] == [999]
            assert problems.problems[0].message.endswith(f"is already on line {rows[0].line}")
            session.rollback()
        with session.begin():  # the same session writes the file without its repeat
            report = write_usage(session, later_records(), prices=PRICES, source="csv", now=NOW)
        assert report.rows == report.changed == len(stored(session)) == 36


def test_a_source_without_lines_repeating_a_key_on_a_new_day_raises(sessions, monkeypatch):
    monkeypatch.setattr(store, "BATCH_ROWS", 2)
    monkeypatch.setattr(store, "CHUNK_ROWS", 4)
    add_people(sessions)
    rows = later_records()
    rows.insert(1, replace(rows[0], line=0, input_tokens=rows[0].input_tokens + 7))
    with pytest.raises(ValueError, match="given twice for one person"):
        with sessions.begin() as session:
            write_usage(session, rows, prices=PRICES, source="openai", now=NOW)
    with sessions() as session:
        assert stored(session) == []


def test_new_emails_met_while_chunks_are_written_become_unmatched_people(sessions, monkeypatch):
    """The writer's thread is busy with earlier chunks when an unknown email needs its person row."""
    monkeypatch.setattr(store, "BATCH_ROWS", 2)
    monkeypatch.setattr(store, "CHUNK_ROWS", 4)
    add_people(sessions)
    known = [r for r in records() if r.email != "new@example.com"]
    newcomers = [replace(r, email=f"new{n}@example.com") for n, r in enumerate(records()[:6])]
    rows = known[:10] + newcomers[:3] + known[10:] + newcomers[3:]
    with sessions.begin() as session:
        report = write_usage(session, rows, prices=PRICES, source="csv", now=NOW)
    assert report.unmatched_emails == {f"new{n}@example.com" for n in range(6)}
    with sessions() as session:
        chunked = stored(session)
        people = dict(session.execute(text("SELECT id, email FROM people")).all())
    assert len(chunked) == len(rows) == report.rows
    assert sorted(people[row.person_id] for row in chunked if people[row.person_id].startswith("new")) == sorted(
        f"new{n}@example.com" for n in range(6)
    )


def test_odd_characters_in_names_are_stored_as_given(sessions, monkeypatch):
    """PostgreSQL receives the rows as COPY text: tabs, newlines and backslashes must arrive unchanged."""
    monkeypatch.setattr(store, "BATCH_ROWS", 2)
    add_people(sessions)
    odd = ["0 tab\there", "1 back\\slash", "2 new\nline", "3 cr\rhere", "4 \\N"]
    rows = [
        replace(r, provider=provider, model=f"model\\{n}", cost_usd=Decimal("0.5"))
        for n, (r, provider) in enumerate(zip(later_records(), odd, strict=False))
    ]
    with sessions.begin() as session:
        write_usage(session, rows, prices=PRICES, source="openai", now=NOW)
    with sessions() as session:
        got = session.execute(text("SELECT provider, model FROM usage_daily ORDER BY provider")).all()
    assert [tuple(row) for row in got] == [(provider, f"model\\{n}") for n, provider in enumerate(odd)]


@pytest.mark.postgres_only  # SQLite's rows are written by the reading thread: no writer's thread, no change
def test_the_switch_interval_is_short_while_the_writer_runs_and_restored_after(sessions, monkeypatch):
    import sys

    monkeypatch.setattr(store, "BATCH_ROWS", 2)
    add_people(sessions)
    before = sys.getswitchinterval()
    assert before > store.WRITER_SWITCH_INTERVAL
    seen = []

    def reading(rows):
        for n, row in enumerate(rows):
            if n == 10:  # batches have gone to the writer's thread
                seen.append(sys.getswitchinterval())
            yield row

    with sessions.begin() as session:
        write_usage(session, reading(later_records()), prices=PRICES, source="csv", now=NOW)
    assert seen == [pytest.approx(store.WRITER_SWITCH_INTERVAL)] and sys.getswitchinterval() == before
    rows = later_records()
    rows.insert(1, replace(rows[0], line=0))
    with pytest.raises(ValueError), sessions.begin() as session:
        write_usage(session, reading(rows), prices=PRICES, source="openai", now=NOW)
    assert sys.getswitchinterval() == before  # after a refused write too


@pytest.mark.postgres_only  # SQLite does not enforce a column's length
def test_a_row_the_database_refuses_is_raised_from_the_writers_thread(sessions, monkeypatch):
    monkeypatch.setattr(store, "BATCH_ROWS", 2)
    monkeypatch.setattr(store, "CHUNK_ROWS", 4)
    monkeypatch.setattr(store, "QUEUED_BATCHES", 2)  # the reading is at most a few rows ahead of the writing
    add_people(sessions)
    rows = later_records()
    rows[2] = replace(rows[2], model="m" * 200, cost_usd=Decimal(1))  # usage_daily.model is VARCHAR(120)
    # A new email well after it: the reading adds an unmatched person after the writer's thread has failed.
    rows.append(replace(rows[0], email="later@example.com"))
    with sessions() as session:
        with pytest.raises(Exception, match="value too long"), session.begin():
            write_usage(session, rows, prices=PRICES, source="openai", now=NOW)
        assert stored(session) == []
