"""Which SQL statements can change someone's counted output (bot/db/output_weekly.py forgets the kept table after
any of them that it did not keep itself)."""

import pytest

from bot.db.output_weekly import writes_output_sources


@pytest.mark.parametrize(
    "statement",
    [
        "INSERT INTO artifacts (person_id, week_start) VALUES (?, ?)",
        "UPDATE artifacts SET work_units = 9",
        'DELETE FROM "endorsements" WHERE author_id = 3',
        "UPDATE verified_pull_requests SET counted = false",
        "INSERT INTO code_activity_daily (person_id, day) VALUES (%(a)s, %(b)s) ON CONFLICT DO UPDATE SET x = 1",
        "DELETE FROM people WHERE id = 4",
        "TRUNCATE TABLE people, artifacts",
        "TRUNCATE ONLY people",
        "WITH gone AS (DELETE FROM endorsements RETURNING author_id) SELECT count(*) FROM gone",
        "CREATE TABLE artifacts_copy AS SELECT * FROM artifacts",  # unreadable to the parser: counted, to be safe
        "/* a comment */ UPDATE artifacts SET week_start = week_start",
    ],
)
def test_writes_to_what_the_output_reads_count(statement):
    assert writes_output_sources(statement)


@pytest.mark.parametrize(
    "statement",
    [
        "SELECT * FROM artifacts",
        "SELECT * FROM artifacts FOR UPDATE",
        "UPDATE people SET name = 'Ann' WHERE id = 1",  # a name, a manager: the output does not read people
        "INSERT INTO usage_daily (person_id) VALUES (1)",
        "DELETE FROM output_weekly WHERE week_start = '2026-11-16'",  # the kept table itself
        "INSERT INTO app_state (key, value) VALUES ('output_weekly', '3')",
        "DELETE FROM people_import_staging",
    ],
)
def test_other_statements_do_not(statement):
    assert not writes_output_sources(statement)
