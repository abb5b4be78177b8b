"""Who a Slack user is: the one resolution from a Slack user id to a Person (stored id, then email via users.info)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.db.models import Person

log = logging.getLogger(__name__)

UserLookup = Callable[[str], Any]  # users.info for a Slack user id (a SlackResponse or a dict)


class PersonUnknown(LookupError):
    """A Slack user who is not in the people file."""


def person_for_slack_user(session: Session, slack_user_id: str, lookup_user: UserLookup | None = None) -> Person | None:
    """The person behind a Slack user id; asks Slack for the email once when the id is not known yet."""
    person = session.scalars(select(Person).where(Person.slack_user_id == slack_user_id)).first()
    if person is not None or lookup_user is None:
        return person
    from slack_sdk.errors import SlackApiError  # here: only a lookup in Slack needs the SDK (~30 ms to import)

    try:
        user = (lookup_user(slack_user_id) or {}).get("user") or {}
    except SlackApiError:
        log.warning("users.info failed for %s", slack_user_id)
        return None
    email = ((user.get("profile") or {}).get("email") or "").strip().lower()
    if not email:
        return None
    person = session.scalars(select(Person).where(Person.email == email)).first()
    if person is not None and not person.slack_user_id:
        # Remember the id, so the next lookup needs no call to Slack.
        person.slack_user_id = slack_user_id
        person.slack_timezone = user.get("tz") or person.slack_timezone
    return person


def person_by_slack_id(session: Session, slack_user_id: str, lookup_user: UserLookup | None = None) -> Person:
    """Like person_for_slack_user, but raises PersonUnknown when nobody in the people file has that id."""
    person = person_for_slack_user(session, slack_user_id, lookup_user)
    if person is None:
        raise PersonUnknown(slack_user_id)
    return person


def link_slack_user(session: Session, slack_user_id: str, lookup_user: UserLookup | None = None) -> bool:
    """Resolve the Slack user now (remembering their id), so later quick reads need no call to Slack.

    True when they are in the people file.
    """
    return person_for_slack_user(session, slack_user_id, lookup_user) is not None
