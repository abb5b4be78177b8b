"""`buildboard forget` also removes the person's artifacts from stored messages and their showcase posts from Slack."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select, text

from bot.cli import main
from bot.db.models import AppState, OutboxMessage, Person
from bot.domain.delivery import MessageIntent, MessageKind
from bot.services import outbox
from bot.services.sharing import showcase_key
from bot.services.story import tell_week
from tests.conftest import BOT_TOKEN, DIGEST_CHANNEL, NOW
from tests.support.llm import W47, add_artifact, llm_for
from tests.support.organisation import load_org
from tests.support.personal_data import dump_tables, sqlite_bytes_at_rest

TITLE = "Ticket triage bot"
LINK = "https://git.example.com/ticket"


@pytest.fixture
def carol_shared(rt, slack, fake, database_url):
    """Carol's artifact, its showcase posted in the digest channel, and the week's story told of it."""
    load_org(rt.sessions)
    carol = add_artifact(rt.sessions, "carol@example.com", TITLE, description="Routes support tickets.", work_units="5")
    add_artifact(rt.sessions, "bob@example.com", "SQL helper", work_units="3")
    with rt.sessions.begin() as session:
        carol_id = session.scalars(select(Person.id).where(Person.email == "carol@example.com")).one()
        intent = MessageIntent(
            key=showcase_key(carol),
            kind=MessageKind.SHOWCASE,
            channel=DIGEST_CHANNEL,
            params={"artifact_id": carol},
            person_id=carol_id,
        )
        outbox.queue(session, intent, NOW)
        # A digest queued already rendered by an earlier version (rows carried their words then).
        session.add(
            OutboxMessage(
                idempotency_key="digest:C0DIGEST:2026-W46",
                kind="digest",
                channel=DIGEST_CHANNEL,
                payload={"text": "Week 46", "blocks": [{"type": "section", "text": {"text": f"<{LINK}|{TITLE}>"}}]},
                status="sent",
                not_before=NOW,
                created_at=NOW,
            )
        )
    assert rt.sender.send_due(keys=[showcase_key(carol)]).sent == 1
    [post] = slack.messages_in(DIGEST_CHANNEL)
    assert TITLE in json.dumps(post)
    fake.answer({"paragraph": f"Support sped up: the {TITLE} ({LINK}) routes every ticket.", "standout_refs": [1]})
    story = tell_week(rt.sessions, llm_for(database_url, slack, fake), W47, now=NOW)
    assert TITLE in story.text and story.source == "ai"
    raw = stored(rt)
    assert TITLE.lower().encode() in raw and LINK.encode() in raw  # really at rest before
    return post


def stored(rt) -> bytes:
    """What the database holds at rest: the SQLite files' bytes after a checkpoint, or every PostgreSQL row."""
    if rt.engine.dialect.name == "sqlite":
        with rt.engine.connect() as connection:
            connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
            path = connection.engine.url.database
        return sqlite_bytes_at_rest([path, f"{path}-wal"])
    with rt.sessions() as session:
        return dump_tables(session).encode().lower()


def forget_env(monkeypatch, database_url, slack, *, token: bool) -> None:
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("SLACK_API_URL", slack.base_url)
    if token:
        monkeypatch.setenv("SLACK_BOT_TOKEN", BOT_TOKEN)
    else:
        monkeypatch.delenv("SLACK_BOT_TOKEN", raising=False)


def test_forget_leaves_no_title_or_link_at_rest_and_deletes_the_showcase_post(
    rt, slack, carol_shared, monkeypatch, database_url, capsys
):
    forget_env(monkeypatch, database_url, slack, token=True)
    assert main(["forget", "carol@example.com"]) == 0
    printed = capsys.readouterr().out
    assert "showcase posts deleted from Slack: 1" in printed
    assert "saved week stories that told of their artifacts: 1" in printed
    assert "warning" not in printed

    [deleted] = slack.calls_to("chat.delete")
    assert (deleted.args["channel"], deleted.args["ts"]) == (DIGEST_CHANNEL, carol_shared["ts"])
    assert slack.messages_in(DIGEST_CHANNEL) == []
    raw = stored(rt)
    for needle in (TITLE, LINK, "git.example.com/ticket", "routes support tickets"):
        assert needle.lower().encode() not in raw, needle
    assert b"sql helper" in raw  # Bob's artifact stays
    with rt.sessions() as session:
        assert session.scalar(select(func.count()).select_from(AppState).where(AppState.key.like("week_story:%"))) == 0
        showcases = select(func.count()).select_from(OutboxMessage).where(OutboxMessage.kind == "showcase")
        assert session.scalar(showcases) == 0
        # The old digest keeps its shape; only her artifact's words are gone.
        old_digest = session.scalars(select(OutboxMessage.payload).where(OutboxMessage.kind == "digest")).one()
        assert old_digest == {
            "text": "Week 46",
            "blocks": [{"type": "section", "text": {"text": "<[forgotten]|[forgotten]>"}}],
        }


def test_without_a_token_forget_says_how_many_posts_are_left_and_finish_deletes_them(
    rt, slack, carol_shared, monkeypatch, database_url, capsys
):
    forget_env(monkeypatch, database_url, slack, token=False)
    assert main(["forget", "carol@example.com"]) == 0
    printed = capsys.readouterr().out
    assert (
        "warning: 1 showcase post could not be deleted from Slack (SLACK_BOT_TOKEN is not set); only their channel "
        "and timestamp are kept: run `buildboard forget --finish` with SLACK_BOT_TOKEN set to delete them"
    ) in printed
    assert slack.calls_to("chat.delete") == []
    raw = stored(rt)
    assert TITLE.lower().encode() not in raw and LINK.encode() not in raw
    with rt.sessions() as session:
        [kept] = session.execute(
            select(OutboxMessage.sent_channel, OutboxMessage.sent_ts).where(OutboxMessage.kind == "showcase")
        ).all()
    assert tuple(kept) == (DIGEST_CHANNEL, carol_shared["ts"])

    assert main(["forget", "--finish"]) == 1  # still no token: says so again, exit 1
    assert "1 showcase post could not be deleted" in capsys.readouterr().out

    forget_env(monkeypatch, database_url, slack, token=True)
    assert main(["forget", "--finish"]) == 0
    assert capsys.readouterr().out.strip() == "deleted 1 showcase post of forgotten people from Slack"
    [deleted] = slack.calls_to("chat.delete")
    assert deleted.args["ts"] == carol_shared["ts"]
    assert slack.messages_in(DIGEST_CHANNEL) == []
    with rt.sessions() as session:
        assert session.execute(text("SELECT count(*) FROM outbox WHERE kind = 'showcase'")).scalar() == 0


def test_forget_cancels_a_showcase_still_queued(rt, slack, monkeypatch, database_url, capsys):
    load_org(rt.sessions)
    carol = add_artifact(rt.sessions, "carol@example.com", TITLE, description="Routes support tickets.", work_units="5")
    with rt.sessions.begin() as session:
        carol_id = session.scalars(select(Person.id).where(Person.email == "carol@example.com")).one()
        outbox.queue(
            session,
            MessageIntent(
                key=showcase_key(carol),
                kind=MessageKind.SHOWCASE,
                channel=DIGEST_CHANNEL,
                params={"artifact_id": carol},
                person_id=carol_id,
            ),
            NOW,
        )
    forget_env(monkeypatch, database_url, slack, token=True)
    assert main(["forget", "carol@example.com"]) == 0
    capsys.readouterr()
    with rt.sessions() as session:
        assert session.scalar(select(func.count()).select_from(OutboxMessage)) == 0
    assert rt.sender.send_due(keys=[showcase_key(carol)]).sent == 0
    assert slack.messages_in(DIGEST_CHANNEL) == [] and slack.calls_to("chat.delete") == []
