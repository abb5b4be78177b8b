"""Which SQL statements raise the figures version (bot/db/figures_version.py): writes, unless to a bookkeeping table."""

import pytest

from bot.db.figures_version import writes_figures


@pytest.mark.parametrize(
    "statement",
    [
        "INSERT INTO usage_daily (person_id) VALUES (1) ON CONFLICT (person_id) DO UPDATE SET x = 1",
        'UPDATE "people" SET manager_id = 3 WHERE id = 2',
        "DELETE FROM artifacts WHERE id = 1",
        "INSERT INTO org_closure (ancestor_id) WITH RECURSIVE walk AS (SELECT 1) SELECT * FROM walk",
        "WITH gone AS (DELETE FROM seats WHERE id = 1 RETURNING id) SELECT count(*) FROM gone",
        "  -- a comment first\nTRUNCATE usage_weekly",
        "CREATE TABLE something_new (id integer)",
        "INSERT OR REPLACE INTO endorsements (id) VALUES (1)",
    ],
)
def test_writes_to_figures_count(statement):
    assert writes_figures(statement)


@pytest.mark.parametrize(
    "statement",
    [
        "SELECT * FROM people",
        "SELECT id FROM outbox WHERE sent_at IS NULL FOR UPDATE SKIP LOCKED",
        "INSERT INTO audit_views (viewer_person_id, scope, root_person_id, org_version) VALUES (?, ?, ?, ?)",
        "INSERT INTO seen_slack_requests (signature_hash) VALUES (?)",
        "UPDATE outbox SET sent_at = ? WHERE id = ?",
        "INSERT INTO team_figures (group_kind) VALUES (?) ON CONFLICT (group_kind) DO UPDATE SET report = ?",
        "SELECT pg_advisory_xact_lock(1)",
        "LOCK TABLE org_closure IN SHARE ROW EXCLUSIVE MODE",
        "PRAGMA foreign_keys=ON",
        "CREATE TEMPORARY TABLE staging (id integer)",
    ],
)
def test_bookkeeping_and_queries_do_not(statement):
    assert not writes_figures(statement)
