"""Migration 0015 renames stored model names to the one spelling imports now write, never merging two rows."""

from alembic import command
from sqlalchemy import create_engine, text

from bot.db.engine import _alembic_config


def test_stored_model_names_take_the_one_spelling_without_merging_rows(tmp_path):
    url = f"sqlite:///{tmp_path / 'before.db'}"
    config = _alembic_config(url)
    command.upgrade(config, "0014")  # the revision before the renaming
    engine = create_engine(url)
    try:
        with engine.begin() as connection:
            connection.execute(
                text(
                    "INSERT INTO people (id, email, in_org, active, nudges_enabled, public_opt_out, created_at,"
                    " updated_at) VALUES (1, 'a@x.com', 1, 1, 1, 0, '2026-11-01 00:00:00', '2026-11-01 00:00:00')"
                )
            )
            for day, model in (("2026-11-16", "GPT-4o"), ("2026-11-17", "GPT-4o"), ("2026-11-17", "gpt-4o")):
                connection.execute(
                    text(
                        "INSERT INTO usage_daily (person_id, day, provider, model, input_tokens, cached_input_tokens,"
                        " output_tokens, requests, cost_usd, cost_source, source, updated_at) VALUES "
                        "(1, :day, 'openai', :model, 10, 0, 1, 1, 0.5, 'reported', 'csv', '2026-11-20 00:00:00')"
                    ),
                    {"day": day, "model": model},
                )
        command.upgrade(config, "head")
        with engine.connect() as connection:
            rows = connection.execute(text("SELECT day, model FROM usage_daily ORDER BY day, model")).all()
    finally:
        engine.dispose()
    # The 16th is renamed; on the 17th a row already has the new spelling, so both rows stay as they were.
    assert [tuple(r) for r in rows] == [("2026-11-16", "gpt-4o"), ("2026-11-17", "GPT-4o"), ("2026-11-17", "gpt-4o")]
