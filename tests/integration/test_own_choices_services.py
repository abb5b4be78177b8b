"""`/buildboard leaderboard` and `privacy` as services: the caller's Slack id in, one plain value out."""

from __future__ import annotations

from sqlalchemy import select, update

from bot.db.models import Person
from bot.services.leaderboard import current_leaderboard
from bot.services.personal import my_leaderboard, set_my_privacy
from tests.conftest import NOW
from tests.support.organisation import load_org


def lookup_for(emails: dict[str, str]):
    def lookup(slack_user_id: str) -> dict:
        return {"ok": True, "user": {"id": slack_user_id, "profile": {"email": emails.get(slack_user_id)}}}

    return lookup


def opted_out(sessions, email: str) -> bool:
    with sessions() as session:
        return session.scalars(select(Person.public_opt_out).where(Person.email == email)).one()


def test_my_leaderboard_is_the_public_board_with_the_callers_line(rt, settings):
    load_org(rt.sessions)
    with rt.sessions.begin() as session:
        carol = session.scalars(select(Person).where(Person.slack_user_id == "U0CAROL")).one()
        assert my_leaderboard(session, "U0CAROL", NOW, settings) == current_leaderboard(session, NOW, settings, carol)
        # Not in the people file: no board at all, like every other command (issue 15, item 5).
        assert my_leaderboard(session, "U0STRANGER", NOW, settings, lookup_for({})) is None
        assert my_leaderboard(session, "U0STRANGER", NOW, settings) is None


def test_set_my_privacy_sets_reads_and_says_whether_it_changed(rt, settings):
    load_org(rt.sessions)
    with rt.sessions.begin() as session:
        on = set_my_privacy(session, "U0CAROL", True, NOW)
        assert on is not None and (on.public_opt_out, on.changed) == (True, True)
    assert opted_out(rt.sessions, "carol@example.com") is True
    with rt.sessions.begin() as session:
        again = set_my_privacy(session, "U0CAROL", True, NOW)
        read = set_my_privacy(session, "U0CAROL", None, NOW)
    assert again is not None and (again.public_opt_out, again.changed) == (True, False)
    assert read is not None and (read.public_opt_out, read.changed) == (True, False)
    with rt.sessions.begin() as session:
        off = set_my_privacy(session, "U0CAROL", False, NOW)
    assert off is not None and (off.public_opt_out, off.changed) == (False, True)
    assert opted_out(rt.sessions, "carol@example.com") is False


def test_set_my_privacy_finds_an_unlinked_caller_by_email_and_ignores_strangers(rt, settings):
    load_org(rt.sessions)
    with rt.sessions.begin() as session:
        session.execute(update(Person).where(Person.email == "dan@example.com").values(slack_user_id=None))
    with rt.sessions.begin() as session:
        assert set_my_privacy(session, "U0STRANGER", True, NOW, lookup_for({})) is None
        assert set_my_privacy(session, "U0DAN2", True, NOW) is None  # no lookup: no email fallback
        dan = set_my_privacy(session, "U0DAN2", True, NOW, lookup_for({"U0DAN2": "dan@example.com"}))
    assert dan is not None and dan.changed
    assert opted_out(rt.sessions, "dan@example.com") is True
    with rt.sessions() as session:
        assert session.scalars(select(Person.public_opt_out)).all().count(True) == 1
