"""Slack's verdict on the bot token, kept in app_state so every process (and /healthz) sees it."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session, sessionmaker

from bot.db.models import AppState

AUTH_STATE_KEY = "slack_auth_error"


def read_auth_error(sessions: sessionmaker[Session]) -> str | None:
    """The error Slack gave for the bot token (e.g. token_revoked), or None while it is accepted."""
    with sessions() as session:
        state = session.get(AppState, AUTH_STATE_KEY)
        return state.value if state is not None and state.value else None


def write_auth_error(sessions: sessionmaker[Session], error: str | None, now: datetime) -> None:
    """Record Slack's refusal of the token (None: accepted again)."""
    with sessions.begin() as session:
        state = session.get(AppState, AUTH_STATE_KEY)
        if state is None:
            session.add(AppState(key=AUTH_STATE_KEY, value=error, updated_at=now))
        else:
            state.value, state.updated_at = error, now
