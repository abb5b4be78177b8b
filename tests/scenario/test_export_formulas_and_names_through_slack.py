"""`/buildboard export` and `/buildboard team` through the real endpoint: a CSV a spreadsheet cannot run, and
names in reply texts, file titles and upload comments escaped like the digest's."""

from __future__ import annotations

import csv
import io

from sqlalchemy import update

from bot.db.models import Person
from tests.support.organisation import load_branches

EVIL = '=HYPERLINK("https://evil.example","x")'
LOUD = "Bob <!channel> & Co"


def test_the_export_csv_neutralises_formulas_in_peoples_text(rt, slack, slack_http):
    load_branches(rt.sessions)
    with rt.sessions.begin() as session:
        session.execute(update(Person).where(Person.email == "carol@example.com").values(name=EVIL, team="@Platform"))
    status, body, url = slack_http.command("export", user_id="U0BOB", name="export-formulas")
    assert status == 200
    assert slack_http.responses(url)[0]["text"].startswith("Sent you buildboard-")
    [upload] = slack.uploaded_files
    rows = list(csv.DictReader(io.StringIO(upload["bytes"].decode())))
    carol = [row for row in rows if row["email"] == "carol@example.com"]
    assert carol and {(row["name"], row["team"]) for row in carol} == {("'" + EVIL, "'@Platform")}
    assert {row["spend_usd"] for row in carol} == {"20", "53.510000"}  # numbers stay numbers


def test_names_are_escaped_in_replies_file_titles_and_upload_comments(rt, slack, slack_http):
    load_branches(rt.sessions)
    with rt.sessions.begin() as session:
        session.execute(update(Person).where(Person.email == "bob@example.com").values(name=LOUD))
    _, _, url = slack_http.command("export", user_id="U0BOB", name="export-loud")
    [answer] = slack_http.responses(url)
    [upload] = slack.uploaded_files
    for text in (answer["text"], upload["title"], upload["initial_comment"]):
        assert "Bob &lt;!channel&gt; &amp; Co" in text and "<!channel>" not in text, text

    _, _, url = slack_http.command("team <@U0BOB|bob>", user_id="U0VICTOR", name="team-loud")
    [team] = slack_http.responses(url)
    assert team["text"].startswith("Bob &lt;!channel&gt; &amp; Co's team") and "<!channel>" not in team["text"]

    _, _, url = slack_http.command("user <@U0BOB|bob>", user_id="U0VICTOR", name="user-loud")
    [user] = slack_http.responses(url)
    assert user["text"] == "Bob &lt;!channel&gt; &amp; Co: numbers"
