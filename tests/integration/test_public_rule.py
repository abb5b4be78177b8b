"""One rule for who may be named in public: the SQL clause and the domain predicate agree on every case."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime

from sqlalchemy import select

from bot.db.models import Person
from bot.db.public import named_in_public
from bot.domain.privacy import may_be_named_in_public
from tests.conftest import NOW


def test_the_sql_rule_and_the_domain_rule_agree(sessions):
    cases = list(itertools.product([True, False], [True, False], [True, False], [None, NOW], ["Ada", None]))
    with sessions.begin() as session:
        for i, (in_org, active, opt_out, forgotten_at, name) in enumerate(cases):
            session.add(
                Person(
                    email=f"p{i}@example.com",
                    name=name,
                    in_org=in_org,
                    active=active,
                    public_opt_out=opt_out,
                    forgotten_at=forgotten_at,
                    created_at=datetime(2026, 1, 1, tzinfo=UTC),
                    updated_at=datetime(2026, 1, 1, tzinfo=UTC),
                )
            )
    with sessions() as session:
        people = session.scalars(select(Person)).all()
        by_sql = set(session.scalars(select(Person.id).where(named_in_public())))
    by_rule = {p.id for p in people if may_be_named_in_public(p)}
    assert len(people) == len(cases) == 32
    assert by_sql == by_rule
    assert len(by_rule) == 1  # only the person who is in the org, active, not opted out, not erased, named
    assert not may_be_named_in_public(None)
