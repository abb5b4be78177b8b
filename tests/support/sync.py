"""Shared bits of the usage sync tests: settings pointing the real SDKs at the local fakes, stored rows."""

from __future__ import annotations

import logging
from datetime import datetime

from pydantic import SecretStr
from sqlalchemy import select

from bot.db.models import CodeActivityDaily, Person, UsageDaily
from bot.services.sync import sync_provider
from tests.conftest import NOW, make_settings


def sync_settings(database_url, slack=None, *, openai_fake=None, anthropic_fake=None, cursor_fake=None, **overrides):
    values: dict = {}
    if cursor_fake is not None:
        # A fast pace for tests: the pacing itself is tested with a simulated clock, and benchmarked.
        values.update(
            cursor_admin_key=SecretStr(cursor_fake.admin_key),
            cursor_api_url=cursor_fake.base_url,
            cursor_requests_per_minute=60_000,
        )
    if openai_fake is not None:
        values.update(openai_admin_key=SecretStr(openai_fake.admin_key), openai_base_url=openai_fake.base_url)
    if anthropic_fake is not None:
        values.update(
            anthropic_admin_key=SecretStr(anthropic_fake.admin_key), anthropic_base_url=anthropic_fake.base_url
        )
    values.update(overrides)
    return make_settings(database_url, slack, **values)


def run_sync(provider, sessions, settings, since, until, *, now: datetime = NOW, max_retries: int = 2, **kwargs):
    return sync_provider(provider, sessions, settings, since, until, now, max_retries=max_retries, **kwargs)


def stored_usage(sessions) -> dict[tuple[str, str, str], UsageDaily]:
    """(email, day, model) → the stored row, detached."""
    with sessions() as session:
        rows = session.execute(select(Person.email, UsageDaily).join(Person, Person.id == UsageDaily.person_id)).all()
        session.expunge_all()
    return {(email, str(row.day), row.model): row for email, row in rows}


def stored_activity(sessions) -> dict[tuple[str, str], CodeActivityDaily]:
    with sessions() as session:
        rows = session.execute(
            select(Person.email, CodeActivityDaily).join(Person, Person.id == CodeActivityDaily.person_id)
        ).all()
        session.expunge_all()
    return {(email, str(row.day)): row for email, row in rows}


def snapshot(sessions) -> list[tuple]:
    """Every usage row with every column, to compare before and after a repeated sync."""
    with sessions() as session:
        return [tuple(r) for r in session.execute(select(UsageDaily.__table__).order_by(UsageDaily.id)).all()]


def debug_runtime(handler: logging.Handler):
    """The command's runtime, with everything (the SDKs' DEBUG request logs too) going to the test's handler."""
    from bot.commands.common import runtime

    rt = runtime()
    root = logging.getLogger()
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    for name in ("openai", "anthropic", "httpx2", "httpcore"):
        logging.getLogger(name).setLevel(logging.DEBUG)
    return rt
