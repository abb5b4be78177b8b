"""The database schema. Change it only together with a migration under migrations/versions."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    Numeric,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship, validates
from sqlalchemy.types import TypeDecorator

from bot.domain.text import team_key as casefolded_team

# Stable constraint names so migrations are identical on SQLite and PostgreSQL.
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

Money = Numeric(16, 6)
Tokens = BigInteger().with_variant(Integer(), "sqlite")  # SQLite INTEGER is 64-bit; keeps autoincrement simple


class UtcDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes on both databases (SQLite would otherwise hand back naive ones)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the database: use an aware UTC datetime")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


# A partial index's predicate, read by PostgreSQL and SQLite alike. The model names it for SQLite only
# (and in `info`): a `postgresql_where` here would load PostgreSQL's whole dialect in every process, SQLite
# ones included, just to check the keyword. PostgreSQL gets the predicate where it is needed, in Alembic's
# environment (migrations/env.py: with_postgresql_predicates); the migrations create the indexes themselves.
PARTIAL_WHERE = "partial_where"


def partial(where: str) -> dict[str, Any]:
    """Index keywords for a partial index `WHERE where` (see PARTIAL_WHERE)."""
    return {"sqlite_where": text(where), "info": {PARTIAL_WHERE: where}}


def with_postgresql_predicates(metadata: MetaData) -> MetaData:
    """`metadata` with each partial index's predicate also given to PostgreSQL (loads its dialect)."""
    for table in metadata.tables.values():
        for index in table.indexes:
            where = index.info.get(PARTIAL_WHERE)
            # Not `"postgresql_where" in index.dialect_kwargs`: once PostgreSQL's dialect is loaded, that view
            # holds every one of its index options, the predicate as None.
            if where is not None and index.dialect_options["postgresql"]["where"] is None:
                index.dialect_kwargs["postgresql_where"] = text(where)
    return metadata


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class Person(Base):
    """Someone whose usage we count: from the people file, or an unmatched provider identity."""

    __tablename__ = "people"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Lower-cased; NULL only after the person was forgotten (erasure keeps the row for totals).
    email: Mapped[str | None] = mapped_column(String(320), unique=True)
    name: Mapped[str | None] = mapped_column(String(200))
    team: Mapped[str | None] = mapped_column(String(200), index=True)
    # team casefolded in Python (bot.domain.text.team_key), kept in step by `_keep_team_key`: what teams are found by.
    team_key: Mapped[str | None] = mapped_column(String(200), index=True)
    manager_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"), index=True)
    slack_user_id: Mapped[str | None] = mapped_column(String(32), unique=True)
    github_login: Mapped[str | None] = mapped_column(String(100), index=True)  # from the people file, lower case
    timezone: Mapped[str | None] = mapped_column(String(64))  # from the people file
    slack_timezone: Mapped[str | None] = mapped_column(String(64))  # Slack's `tz`, preferred when known
    # in_org: listed in the current people file. False for unmatched provider identities and departures.
    in_org: Mapped[bool] = mapped_column(Boolean, default=True, server_default="1")
    active: Mapped[bool] = mapped_column(Boolean, default=True, server_default="1")  # False: deactivated in Slack
    nudges_enabled: Mapped[bool] = mapped_column(Boolean, default=True, server_default="1")
    public_opt_out: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")
    forgotten_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())

    manager: Mapped[Person | None] = relationship(remote_side=[id])

    @validates("team")
    def _keep_team_key(self, _key: str, team: str | None) -> str | None:
        self.team_key = casefolded_team(team)
        return team


class OrgClosure(Base):
    """The org chart's closure: one row per manager · person below them at any depth (1: a direct report).

    Derived from people.manager_id and kept in the same transaction by every write that changes a
    manager (bot/db/org_chart.py, whose session hooks bot/db/engine.py installs), so "everyone below
    X" is one indexed lookup, not a recursive walk.
    No foreign keys: people rows are never deleted (erasure keeps them), and checking two keys per
    row would double the cost of rebuilding millions of rows; a deleted person triggers a rebuild.
    Clustered by ancestor on SQLite (WITHOUT ROWID), so a manager's tree is one range of the table.
    """

    __tablename__ = "org_closure"
    __table_args__ = (
        Index("ix_org_closure_descendant_ancestor", "descendant_id", "ancestor_id"),
        {"sqlite_with_rowid": False},
    )

    ancestor_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    descendant_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    depth: Mapped[int] = mapped_column(Integer)
    # The org chart version (OrgChartVersion) from which the pair is held: the open end of its history
    # (org_closure_history holds the pairs that ended). No default: a writer that forgot it must fail,
    # not make a pair look held at views from before it was.
    valid_from: Mapped[int] = mapped_column(Integer)


_SEAT_ROWS = "cost_source = 'seat'"  # bot.domain.seats.SEAT_COST_SOURCE


class UsageDaily(Base):
    """One person's use of one model on one day, from one provider. Upserted on that key."""

    __tablename__ = "usage_daily"
    __table_args__ = (
        UniqueConstraint("person_id", "day", "provider", "model", name="uq_usage_daily_person_day_provider_model"),
        Index("ix_usage_daily_day_person", "day", "person_id"),
        # Seat rows are a few per seat holder a day among millions of rows of use: the seat cost of a week
        # (digest, team stats) reads them without scanning the week's usage.
        Index("ix_usage_daily_seat_day", "day", **partial(_SEAT_ROWS)),
        # A group's seat cost (team stats) reads its members' seat rows by person.
        Index("ix_usage_daily_seat_person_day", "person_id", "day", **partial(_SEAT_ROWS)),
    )

    id: Mapped[int] = mapped_column(Tokens, primary_key=True, autoincrement=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"))
    day: Mapped[date] = mapped_column(Date)
    provider: Mapped[str] = mapped_column(String(32))
    model: Mapped[str] = mapped_column(String(120))
    input_tokens: Mapped[int] = mapped_column(Tokens, default=0)  # includes cached input
    cached_input_tokens: Mapped[int] = mapped_column(Tokens, default=0)
    output_tokens: Mapped[int] = mapped_column(Tokens, default=0)
    requests: Mapped[int] = mapped_column(Integer, default=0)
    cost_usd: Mapped[Decimal] = mapped_column(Money, default=Decimal(0))
    cost_source: Mapped[str] = mapped_column(String(16))  # reported | price_table | unpriced
    source: Mapped[str] = mapped_column(String(32))  # csv | openai | anthropic | claude_code
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())


class UsageWeekly(Base):
    """One person's week of usage_daily, summed: what the digest, titles, flags and team stats read.

    Derived data. Every write to usage_daily refreshes the weeks it touched in the same transaction
    (bot/db/usage_weekly.py), so the rollup never disagrees with the rows it sums.
    """

    __tablename__ = "usage_weekly"
    __table_args__ = (Index("ix_usage_weekly_person_week", "person_id", "week_start"),)

    week_start: Mapped[date] = mapped_column(Date, primary_key=True)  # the ISO week's Monday
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), primary_key=True)
    tokens: Mapped[int] = mapped_column(Tokens, default=0)  # input + output
    cost_usd: Mapped[Decimal] = mapped_column(Money, default=Decimal(0))
    active_days: Mapped[int] = mapped_column(Integer, default=0)


class UsageWeeklyTotal(Base):
    """The organisation's week of usage_weekly, summed: what the digest's totals and chart read.

    Derived data, refreshed with the rollup (bot/db/usage_weekly.py) a whole week at a time, so it never
    disagrees with the rows it sums. Usage folded away by retention is not here (anonymous_usage_daily).
    """

    __tablename__ = "usage_weekly_totals"

    week_start: Mapped[date] = mapped_column(Date, primary_key=True)  # the ISO week's Monday
    tokens: Mapped[int] = mapped_column(Tokens, default=0)
    cost_usd: Mapped[Decimal] = mapped_column(Money, default=Decimal(0))
    active_people: Mapped[int] = mapped_column(Integer, default=0)  # people with a usage_weekly row that week


class OutputWeekly(Base):
    """One person's counted output in a week (bot/db/output.py's person_output), kept for the configured cap.

    Derived data: what a team report sums instead of ranking every artifact, pull request and endorsement of
    its people again. Kept in the transaction of every write it reads, or forgotten at that write's commit
    until it is rebuilt (bot/db/output_weekly.py); app_state `output_weekly` names the cap it holds.
    """

    __tablename__ = "output_weekly"
    __table_args__ = (Index("ix_output_weekly_person_week", "person_id", "week_start"),)

    week_start: Mapped[date] = mapped_column(Date, primary_key=True)  # the ISO week's Monday
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), primary_key=True)
    artifacts: Mapped[int] = mapped_column(Integer, default=0)  # counted: at most the cap
    shared_artifacts: Mapped[int] = mapped_column(Integer, default=0)  # every artifact shared
    shared_units: Mapped[Decimal] = mapped_column(Numeric(10, 2), default=Decimal(0))
    evidence_units: Mapped[Decimal] = mapped_column(Numeric(10, 2), default=Decimal(0))
    endorsement_units: Mapped[Decimal] = mapped_column(Numeric(10, 2), default=Decimal(0))
    work_units: Mapped[Decimal] = mapped_column(Numeric(10, 2), default=Decimal(0))


class PeriodFigures(Base):
    """One person's sums over the default team period (`weeks` ending `last_week_start`) and the same number of
    weeks before it: what a large group's report reads instead of their usage and output week by week.

    Derived data, built for one period at a time from usage_weekly and the counted output
    (bot/services/period_figures.py) at a figures version recorded in period_figures_builds. It is read only
    while no write about everyone came after that version; the people a later write recorded one by one
    (figures_changes) are summed from their weeks instead. Only people with usage or output in either period.
    Suffix 1: the period; 2: the period before.
    """

    __tablename__ = "period_figures"

    last_week_start: Mapped[date] = mapped_column(Date, primary_key=True)
    weeks: Mapped[int] = mapped_column(Integer, primary_key=True)
    counted_cap: Mapped[int] = mapped_column(Integer, primary_key=True)  # BUILDBOARD_MAX_COUNTED_ARTIFACTS
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), primary_key=True)
    tokens_1: Mapped[int] = mapped_column(Tokens)
    tokens_2: Mapped[int] = mapped_column(Tokens)
    spend_usd_1: Mapped[Decimal] = mapped_column(Money)
    spend_usd_2: Mapped[Decimal] = mapped_column(Money)
    active_days_1: Mapped[int] = mapped_column(Integer)
    artifacts_1: Mapped[int] = mapped_column(Integer)  # counted
    artifacts_2: Mapped[int] = mapped_column(Integer)
    work_units_1: Mapped[Decimal] = mapped_column(Numeric(10, 2))
    work_units_2: Mapped[Decimal] = mapped_column(Numeric(10, 2))
    evidenced_1: Mapped[Decimal] = mapped_column(Money)  # spend of weeks whose counted output has work units
    evidenced_2: Mapped[Decimal] = mapped_column(Money)
    used_1: Mapped[int | None] = mapped_column(Integer)  # weeks with usage (None: none)
    used_2: Mapped[int | None] = mapped_column(Integer)
    made_1: Mapped[int | None] = mapped_column(Integer)  # weeks with counted output in the period (None: none)


class PeriodFiguresBuild(Base):
    """A period period_figures holds (one row per span; none: nothing built), the figures version it was built at,
    and the flag settings flag_candidates were chosen with in the same build."""

    __tablename__ = "period_figures_builds"

    last_week_start: Mapped[date] = mapped_column(Date, primary_key=True)
    weeks: Mapped[int] = mapped_column(Integer, primary_key=True)
    counted_cap: Mapped[int] = mapped_column(Integer, primary_key=True)
    figures_version: Mapped[int] = mapped_column(BigInteger)  # read before the sums: later writes are not in them
    flag_threshold_usd: Mapped[Decimal] = mapped_column(Money)  # BUILDBOARD_NUDGE_MIN_SPEND_USD
    unexplained_weeks: Mapped[int] = mapped_column(Integer)  # BUILDBOARD_UNEXPLAINED_WEEKS
    built_at: Mapped[datetime] = mapped_column(UtcDateTime())


class FlagCandidate(Base):
    """Someone whose spend might earn a flag on the week starting `last_week_start` (bot/services/flags.py's
    flag_candidates over everyone), chosen with period_figures, at its figures version and with its build rows'
    flag settings. Derived from usage_weekly alone, so it holds exactly while period_figures' build does."""

    __tablename__ = "flag_candidates"

    last_week_start: Mapped[date] = mapped_column(Date, primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), primary_key=True)


class AnonymousUsageDaily(Base):
    """Usage no longer tied to a person (retention): organisation totals only."""

    __tablename__ = "anonymous_usage_daily"
    __table_args__ = (UniqueConstraint("day", "provider", "model", name="uq_anonymous_usage_daily_day_provider_model"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[date] = mapped_column(Date)
    provider: Mapped[str] = mapped_column(String(32))
    model: Mapped[str] = mapped_column(String(120))
    people: Mapped[int] = mapped_column(Integer, default=0)  # active people that day, before folding
    input_tokens: Mapped[int] = mapped_column(Tokens, default=0)
    cached_input_tokens: Mapped[int] = mapped_column(Tokens, default=0)
    output_tokens: Mapped[int] = mapped_column(Tokens, default=0)
    requests: Mapped[int] = mapped_column(Tokens, default=0)
    cost_usd: Mapped[Decimal] = mapped_column(Money, default=Decimal(0))


class CodeActivityDaily(Base):
    """Automatic evidence of output from coding agents (Claude Code analytics, Cursor's daily usage data)."""

    __tablename__ = "code_activity_daily"
    __table_args__ = (
        UniqueConstraint("person_id", "day", "provider", name="uq_code_activity_daily_person_day_provider"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"))
    day: Mapped[date] = mapped_column(Date, index=True)
    provider: Mapped[str] = mapped_column(String(32))
    sessions: Mapped[int] = mapped_column(Integer, default=0)
    lines_added: Mapped[int] = mapped_column(Integer, default=0)
    lines_removed: Mapped[int] = mapped_column(Integer, default=0)
    commits: Mapped[int] = mapped_column(Integer, default=0)
    pull_requests: Mapped[int] = mapped_column(Integer, default=0)
    # Cursor's daily usage data: requests to its agent, composer and chat (lines_added: accepted lines).
    agent_requests: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    composer_requests: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    chat_requests: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())


class Seat(Base):
    """A person holds a seat of a tool (Cursor's members, Copilot's seats, the people file's `seats` column)."""

    __tablename__ = "seats"
    __table_args__ = (UniqueConstraint("person_id", "tool", name="uq_seats_person_tool"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"))
    tool: Mapped[str] = mapped_column(String(32))  # cursor | copilot | claude | chatgpt | …
    plan: Mapped[str] = mapped_column(String(64))  # a plan of the seats file: cursor_teams, copilot_business, …
    source: Mapped[str] = mapped_column(String(32))  # cursor | copilot | people_file: the list that reports it
    held_since: Mapped[date] = mapped_column(Date)  # charged from this day
    ended_on: Mapped[date | None] = mapped_column(Date)  # the last day charged; NULL while held
    last_active_day: Mapped[date | None] = mapped_column(Date)  # as the provider reports it (Copilot)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())


class Artifact(Base):
    """Something a person built with AI, linked to the week and the spend behind it."""

    __tablename__ = "artifacts"
    __table_args__ = (
        Index("ix_artifacts_week_person", "week_start", "person_id"),
        Index("ix_artifacts_person_week", "person_id", "week_start"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    week_start: Mapped[date] = mapped_column(Date)
    title: Mapped[str | None] = mapped_column(String(150))  # NULL once the author was forgotten
    url: Mapped[str | None] = mapped_column(String(2000))
    # SHA-256 of the normalised link (bot.domain.claims.link_key): a link counts once in the whole organisation.
    # NULL without a link, and once the author was forgotten.
    link_key: Mapped[str | None] = mapped_column(String(64), unique=True)
    description: Mapped[str | None] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(String(32))
    hours_saved_per_week: Mapped[Decimal | None] = mapped_column(Numeric(8, 2))
    share_in_channel: Mapped[bool] = mapped_column(Boolean, default=False)
    tokens_snapshot: Mapped[int] = mapped_column(Tokens, default=0)
    spend_snapshot_usd: Mapped[Decimal] = mapped_column(Money, default=Decimal(0))
    work_units: Mapped[Decimal] = mapped_column(Numeric(8, 2), default=Decimal(1))
    work_units_source: Mapped[str] = mapped_column(String(16), default="default")  # default | estimate | override
    estimate_category: Mapped[str | None] = mapped_column(String(64))
    estimate_summary: Mapped[str | None] = mapped_column(String(300))
    estimate_model: Mapped[str | None] = mapped_column(String(120))
    estimated_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    # The AI estimate and an admin's override, kept apart so `work_units` can always be recomputed
    # (override > estimate > default) and an override survives re-estimation.
    work_units_estimate: Mapped[Decimal | None] = mapped_column(Numeric(8, 2))
    work_units_override: Mapped[Decimal | None] = mapped_column(Numeric(8, 2))
    estimate_attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    estimate_error: Mapped[str | None] = mapped_column(String(200))  # why the last attempt failed
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())


class VerifiedPullRequest(Base):
    """A merged pull request read from GitHub: stored once, with whether it counts as verified output and why not."""

    __tablename__ = "verified_pull_requests"
    __table_args__ = (
        UniqueConstraint("repository", "number", name="uq_verified_pull_requests_repository_number"),
        Index("ix_verified_pull_requests_week_person", "week_start", "person_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    repository: Mapped[str] = mapped_column(String(200))  # owner/name
    number: Mapped[int] = mapped_column(Integer)
    person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    author_login: Mapped[str | None] = mapped_column(String(100))
    title: Mapped[str] = mapped_column(String(300))
    url: Mapped[str | None] = mapped_column(String(500))
    merged_at: Mapped[datetime] = mapped_column(UtcDateTime())
    week_start: Mapped[date] = mapped_column(Date)  # the ISO week of merged_at, in BUILDBOARD_TIMEZONE
    base_ref: Mapped[str] = mapped_column(String(200))
    changed_lines: Mapped[int] = mapped_column(Integer, default=0)
    ai_tool: Mapped[str | None] = mapped_column(String(64))
    approved: Mapped[bool] = mapped_column(Boolean, default=False)
    counted: Mapped[bool] = mapped_column(Boolean, default=False)
    reason: Mapped[str | None] = mapped_column(String(200))  # why it does not count
    reverted_by: Mapped[int | None] = mapped_column(Integer)  # number of the merged revert PR in the same repository
    synced_at: Mapped[datetime] = mapped_column(UtcDateTime())


class Endorsement(Base):
    """A colleague's "I use this" on an artifact: once per artifact and endorser."""

    __tablename__ = "endorsements"
    __table_args__ = (
        UniqueConstraint("artifact_id", "endorser_id", name="uq_endorsements_artifact_endorser"),
        Index("ix_endorsements_week_author", "week_start", "author_id"),
        Index("ix_endorsements_week_endorser", "week_start", "endorser_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    artifact_id: Mapped[int] = mapped_column(ForeignKey("artifacts.id", ondelete="CASCADE"))
    endorser_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"))
    author_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"))
    week_start: Mapped[date] = mapped_column(Date)  # the ISO week the endorsement was given
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())


class Nudge(Base):
    """One "what did you build?" question to one person for one week."""

    __tablename__ = "nudges"
    __table_args__ = (UniqueConstraint("person_id", "week_start", name="uq_nudges_person_week"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"))
    week_start: Mapped[date] = mapped_column(Date, index=True)
    # queued | sent | shared | nothing_to_show | snoozed | reminded
    status: Mapped[str] = mapped_column(String(20), default="queued")
    tokens: Mapped[int] = mapped_column(Tokens, default=0)
    spend_usd: Mapped[Decimal] = mapped_column(Money, default=Decimal(0))
    rank: Mapped[int | None] = mapped_column(Integer)
    reason: Mapped[str | None] = mapped_column(String(32))  # for nothing_to_show
    reason_text: Mapped[str | None] = mapped_column(String(500))
    remind_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), index=True)
    reminded_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    answered_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())


class Award(Base):
    """A title held by a person for a week."""

    __tablename__ = "awards"
    __table_args__ = (UniqueConstraint("week_start", "title_key", "person_id", name="uq_awards_week_title_person"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    week_start: Mapped[date] = mapped_column(Date, index=True)
    title_key: Mapped[str] = mapped_column(String(64))
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    metric_value: Mapped[Decimal | None] = mapped_column(Numeric(20, 6))
    streak_weeks: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())


class OutboxMessage(Base):
    """A message to send to Slack, exactly once, identified by its idempotency key."""

    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_status_not_before", "status", "not_before"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    idempotency_key: Mapped[str] = mapped_column(String(200), unique=True)
    # digest | digest_thread | digest_chart | nudge | reminder | showcase (bot/domain/delivery.py MessageKind);
    # file: a chart queued by an earlier version, its picture in the payload
    kind: Mapped[str] = mapped_column(String(32))
    # A channel id (C…/D…) or a user id (U…/W…): user ids are opened as a DM when sent.
    channel: Mapped[str] = mapped_column(String(32))
    # Key of the message this one replies to in a thread (sent first, its ts becomes thread_ts).
    thread_of_key: Mapped[str | None] = mapped_column(String(200))
    # The intent: what the message is built from when it is sent (e.g. the week), not its words.
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"), index=True)
    # pending | sending | sent | failed | cancelled (a reminder made pointless by an answer)
    status: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    not_before: Mapped[datetime] = mapped_column(UtcDateTime())
    claimed_by: Mapped[str | None] = mapped_column(String(120))
    claimed_until: Mapped[datetime | None] = mapped_column(UtcDateTime())
    # Set just before a post goes to Slack and kept until the outcome is known: a row with it set may
    # already be in the channel (the process died, or the answer timed out), so it is looked up there first.
    posting_since: Mapped[datetime | None] = mapped_column(UtcDateTime())
    sent_channel: Mapped[str | None] = mapped_column(String(32))
    sent_ts: Mapped[str | None] = mapped_column(String(32))
    last_error: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    sent_at: Mapped[datetime | None] = mapped_column(UtcDateTime())


class AuditView(Base):
    """Someone looked at a group's numbers: one row per view, however many people the group holds.

    The group is a manager's tree (`root_person_id`: the manager), a team by name (`team_key`), one person
    (`root_person_id`) or the whole organisation. Who was in it is read from the org chart's history as it
    was at `org_version` (bot/db/org_chart.py), so a person sees the views of groups they were in then.
    No foreign key on the root: erasure re-keys a forgotten manager's views to a stand-in id.
    """

    __tablename__ = "audit_views"
    __table_args__ = (
        Index("ix_audit_views_root_at", "root_person_id", "at"),
        Index("ix_audit_views_team_at", "team_key", "at"),
        # Views of the whole organisation, by time (a partial index: the other scopes are found by root or team).
        Index(
            "ix_audit_views_everyone_at",
            "at",
            **partial("scope = 'everyone'"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    viewer_person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    # Set only for a viewer outside the people file (an admin given by Slack id in BUILDBOARD_ADMINS).
    viewer_slack_user_id: Mapped[str | None] = mapped_column(String(32))
    scope: Mapped[str] = mapped_column(String(16))  # tree | team | person | everyone
    root_person_id: Mapped[int | None] = mapped_column(Integer)  # tree: the manager; person: the person
    team_key: Mapped[str | None] = mapped_column(String(200))  # team: people.team_key of the team
    org_version: Mapped[int] = mapped_column(Integer)  # the org chart version (OrgChartVersion) the view saw
    action: Mapped[str] = mapped_column(String(32))  # team | team_chart | user | export
    detail: Mapped[str | None] = mapped_column(String(300))
    at: Mapped[datetime] = mapped_column(UtcDateTime())


class OrgChartVersion(Base):
    """One row: the version of the org chart, raised by every write that changes the closure or a team.

    History rows are valid from one version to another, and a view records the version it saw, so
    "who was in that group then" needs no clock shared by the writers (tests pin the views' clock).
    """

    __tablename__ = "org_chart_version"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)  # always 1
    version: Mapped[int] = mapped_column(Integer)


class OrgClosureHistory(Base):
    """The pairs that left org_closure: (ancestor, descendant) held from `valid_from` until `valid_to`.

    Versions are OrgChartVersion's. A pair held now is not here: its row in org_closure carries its
    `valid_from`, so a chart is written once, not once into the closure and again into its history
    (bot/db/org_chart.py keeps both in the same transaction). No depth: the audit asks only "was D
    below A then".
    """

    __tablename__ = "org_closure_history"
    __table_args__ = (Index("ix_org_closure_history_descendant", "descendant_id", "ancestor_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    ancestor_id: Mapped[int] = mapped_column(Integer)
    descendant_id: Mapped[int] = mapped_column(Integer)
    valid_from: Mapped[int] = mapped_column(Integer)
    valid_to: Mapped[int] = mapped_column(Integer)


class TeamHistory(Base):
    """Each person's team (people.team_key, NULL: none) through time, in OrgChartVersion's versions.

    One open row (valid_to NULL) per person in the people table: also what "the whole organisation"
    held at a version. Kept by bot/db/org_chart.py in the same transaction as the people rows.
    """

    __tablename__ = "team_history"
    __table_args__ = (
        Index("ix_team_history_person", "person_id", "valid_from"),
        Index(
            "ix_team_history_open",
            "person_id",
            unique=True,
            **partial("valid_to IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(Integer)
    team_key: Mapped[str | None] = mapped_column(String(200))
    valid_from: Mapped[int] = mapped_column(Integer)
    valid_to: Mapped[int | None] = mapped_column(Integer)


class LlmUsage(Base):
    """Tokens Buildboard itself spent on summaries and estimates."""

    __tablename__ = "llm_usage"

    id: Mapped[int] = mapped_column(primary_key=True)
    purpose: Mapped[str] = mapped_column(String(32))  # digest_summary | work_unit_estimate
    model: Mapped[str] = mapped_column(String(120))
    input_tokens: Mapped[int] = mapped_column(Integer, default=0)
    output_tokens: Mapped[int] = mapped_column(Integer, default=0)
    cost_usd: Mapped[Decimal | None] = mapped_column(Money)
    at: Mapped[datetime] = mapped_column(UtcDateTime(), index=True)


class JobRun(Base):
    """The last outcome of each scheduled job, for the readiness answer."""

    __tablename__ = "job_runs"

    job: Mapped[str] = mapped_column(String(64), primary_key=True)
    last_started_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    last_success_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    last_error: Mapped[str | None] = mapped_column(String(500))
    last_error_at: Mapped[datetime | None] = mapped_column(UtcDateTime())


class Lease(Base):
    """A named lease with expiry: who leads the scheduler."""

    __tablename__ = "leases"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    holder: Mapped[str] = mapped_column(String(120))
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime())


class AppState(Base):
    """Small facts the app keeps between runs (e.g. Slack auth broken since…)."""

    __tablename__ = "app_state"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str | None] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())


class SeenSlackRequest(Base):
    """A signed Slack request already answered, kept until its timestamp leaves Slack's 5-minute window."""

    __tablename__ = "seen_slack_requests"

    # SHA-256 of the request's signature (which covers its timestamp and body): the signature itself is not kept.
    signature_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime(), index=True)


class ChartFile(Base):
    """A chart uploaded for one person and week (their App Home trend), reused while its numbers are unchanged."""

    __tablename__ = "chart_files"
    __table_args__ = (UniqueConstraint("kind", "person_id", "week_start", name="uq_chart_files_kind_person_week"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))  # personal (bot/domain/chart.py ChartKind)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    week_start: Mapped[date] = mapped_column(Date)
    fingerprint: Mapped[str] = mapped_column(String(64))  # of the numbers drawn (chart_fingerprint)
    file_id: Mapped[str] = mapped_column(String(64))  # Slack's file id, shown by an image block's slack_file
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())


class FiguresVersion(Base):
    """One row: a counter every committed write to a table the figures read raises (bot/db/figures_version.py)."""

    __tablename__ = "figures_version"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    version: Mapped[int] = mapped_column(BigInteger)
    # Raised with `version` by every counted write that is not recorded person by person in figures_changes:
    # a report kept at an older version is stale whoever it is about.
    everyone_version: Mapped[int] = mapped_column(BigInteger, server_default="0")


class FiguresChange(Base):
    """A person whose figures a commit changed, under the figures version that commit raised.

    Only commits whose every counted write is about known people are recorded this way (bot/db/figures_version.py);
    rows at or below everyone_version can no longer matter and are deleted by the next such commit.
    """

    __tablename__ = "figures_changes"

    version: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    person_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)


class TeamFigures(Base):
    """A group's team report over a span of weeks, as computed at one figures version (bot/services/team_figures.py).

    It answers again while no write since changed its figures: a write about everyone (everyone_version) or one
    recorded for one of its people (figures_changes).
    """

    __tablename__ = "team_figures"

    group_kind: Mapped[str] = mapped_column(String(16), primary_key=True)  # tree | team | everyone
    group_key: Mapped[str] = mapped_column(String(200), primary_key=True)  # the manager's id, the team's key, ""
    last_week_start: Mapped[date] = mapped_column(Date, primary_key=True)
    weeks: Mapped[int] = mapped_column(Integer, primary_key=True)
    # The day idle seats were judged on and a digest of the settings and files the report depends on.
    variant: Mapped[str] = mapped_column(String(64), primary_key=True)
    # Indexed: every report kept deletes the entries older than the last write about everyone (none, mostly).
    figures_version: Mapped[int] = mapped_column(BigInteger, index=True)
    report: Mapped[str] = mapped_column(Text)  # the TeamReport as JSON (bot/services/team_figures.py)
    computed_at: Mapped[datetime] = mapped_column(UtcDateTime())
