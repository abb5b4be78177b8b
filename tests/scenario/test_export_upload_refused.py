"""`/buildboard export` when Slack refuses the upload: the caller is told, and nobody's numbers count as viewed."""

from __future__ import annotations

from tests.support.audit_trail import seen_per_person, views_recorded
from tests.support.organisation import load_branches


def export_audit_rows(sessions) -> int:
    """Export views times the people each showed (what the people seen are told)."""
    with sessions() as session:
        return len(seen_per_person(session, "export"))


def export_views(sessions) -> int:
    with sessions() as session:
        return views_recorded(session, "export")


def test_a_refused_upload_is_answered_and_leaves_no_audit(rt, slack, slack_http):
    load_branches(rt.sessions)
    slack.fail_next("files.getUploadURLExternal", error="not_allowed_token_type")
    status, body, url = slack_http.command("export", user_id="U0BOB", name="export-refused")
    assert status == 200 and not body
    [answer] = slack_http.responses(url)
    assert answer["text"] == "I couldn't send the file just now (Slack refused the upload). Please try again."
    assert slack.uploaded_files == [] and export_audit_rows(rt.sessions) == 0 and export_views(rt.sessions) == 0

    status, body, url = slack_http.command("export", user_id="U0BOB", name="export-sent")
    [answer] = slack_http.responses(url)
    assert answer["text"].startswith("Sent you buildboard-") and len(slack.uploaded_files) == 1
    assert export_audit_rows(rt.sessions) == 2  # carol and dan, never Bob himself
    assert export_views(rt.sessions) == 1  # one row for the export
