"""Buildboard's PostgreSQL sessions run without JIT compilation, keeping any options the URL gives."""

from urllib.parse import quote

import pytest
from sqlalchemy import text

from bot.db.engine import make_engine


@pytest.mark.postgres_only
@pytest.mark.parametrize("given", [None, "-c statement_timeout=12345"])
def test_sessions_have_jit_off_and_keep_the_urls_options(database_url, given):
    url = database_url if given is None else f"{database_url}?options={quote(given)}"
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            assert connection.scalar(text("SHOW jit")) == "off"
            if given is not None:
                assert connection.scalar(text("SHOW statement_timeout")) == "12345ms"
    finally:
        engine.dispose()
