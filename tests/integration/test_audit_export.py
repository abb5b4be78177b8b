"""The audit export lists who looked at whose numbers, from the service and through `buildboard export audit`."""

from __future__ import annotations

import io
import json

from bot.services.exports import export_audit
from tests.support.organisation import load_org
from tests.support.personal_data import add_personal_history

HEADER = (
    "at,viewer_email,viewer_name,viewer_slack_user_id,group,group_person_email,group_person_name,group_team_key,"
    "action,detail"
)


def test_export_audit_lists_who_looked_at_whom(rt):
    load_org(rt.sessions)
    add_personal_history(rt.sessions)
    with rt.sessions() as session:
        out = io.StringIO()
        count = export_audit(session, week=None, fmt="csv", out=out)
    lines = out.getvalue().splitlines()
    assert count == 3 and lines[0] == HEADER
    assert (
        "2026-11-25T12:00:00+00:00,bob@example.com,Bob Baker,U0BOB,person,carol@example.com,Carol Chen,,user,"
        "user <@U0CAROL>" in lines
    )


def test_export_audit_through_the_command(rt, monkeypatch, database_url, capsys):
    from bot.cli import main

    load_org(rt.sessions)
    add_personal_history(rt.sessions)
    monkeypatch.setenv("DATABASE_URL", database_url)
    assert main(["export", "audit", "--week", "2026-W48", "--format", "json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert len(rows) == 3 and {r["action"] for r in rows} == {"user", "team"}
    assert main(["export", "audit", "--week", "2026-W47"]) == 0
    assert capsys.readouterr().out.strip() == HEADER
