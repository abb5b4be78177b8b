"""Erasure (`buildboard forget EMAIL`): a person's identity leaves every table; their usage stays as anonymous totals.

What happens, in one transaction:
- the people row is kept (it carries the usage that past digests counted) but anonymised: email, name,
  Slack id, time zones, team and manager are cleared, the person is marked departed, deactivated,
  opted out of public posts and nudges, and `forgotten_at` is set. The team goes too: in a small team,
  "the Platform person with this usage" would say who it was. Their reports move up to their manager
  until the next people import, so nobody loses indirect visibility of the people below.
- usage and code activity rows stay on the anonymised row (no identity of their own), so every past
  week's organisation totals, active people and ranks are unchanged; retention later folds them
  into anonymous daily totals like everyone's.
- artifacts keep their numbers (week, kind, work units) but lose their title, link, description and
  the estimate's summary; nudges and awards are deleted; audit views of them alone are deleted, views
  written by them lose the viewer, and they leave the org chart's history (bot/db/org_chart.py:
  forget_in_history): their own places go, their place above others becomes an unlinked stand-in id,
  so the people below them still see who looked at their numbers; outbox messages to them are deleted,
  except their posted showcases.
- their artifacts' titles, links and descriptions are removed from stored messages (outbox rows queued
  already rendered by an earlier version), and a saved week story that told of their artifacts is dropped
  (the digest then tells that week from the numbers).
- finally every text and JSON column of every table is searched for their email, name and Slack id
  (case-insensitive), and each occurrence is replaced, so text we do not know about (a digest payload
  naming them, an error message, a table another feature adds) does not keep a trace.

After the transaction, their posted showcases are deleted from Slack (chat.delete) through the
`PostRemover` given; the outbox keeps only the channel and timestamp of a post not deleted yet (no
Slack token, Slack down), so `buildboard forget --finish` can delete it later. Then SQLite's
write-ahead log is checkpointed and truncated (with `secure_delete`
on, freed content in the main file is zeroed), and PostgreSQL tables that changed are vacuumed.
"""

from __future__ import annotations

import json
import logging
import re
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Column,
    Engine,
    Select,
    String,
    Table,
    Text,
    Unicode,
    UnicodeText,
    and_,
    cast,
    delete,
    func,
    not_,
    or_,
    select,
    text,
    update,
)
from sqlalchemy.orm import Session, sessionmaker

from bot.db.models import (
    AppState,
    Artifact,
    AuditView,
    Award,
    Base,
    ChartFile,
    CodeActivityDaily,
    Endorsement,
    FlagCandidate,
    Nudge,
    OutboxMessage,
    PeriodFigures,
    Person,
    Seat,
    TeamFigures,
    UsageDaily,
    VerifiedPullRequest,
)
from bot.db.org_chart import KEPT, apply_manager_changes, forget_in_history
from bot.db.output_weekly import kept_by_writer
from bot.domain.delivery import MessageKind
from bot.domain.text import escape
from bot.services.endorsements import forget_endorsements
from bot.services.evidence import forget_pull_requests
from bot.services.identity import person_for_slack_user
from bot.services.ports import PostRemover

log = logging.getLogger(__name__)

# What stands in for an erased name, email or Slack id inside text that stays (e.g. an old digest).
REDACTED = "[forgotten]"
MENTION_STAND_IN = "someone"


class UnknownPerson(LookupError):
    """No one with that email (or Slack id) is stored."""


@dataclass
class ErasureReport:
    person_id: int
    removed: Counter[str] = field(default_factory=Counter)  # what was removed → how many
    kept_anonymously: Counter[str] = field(default_factory=Counter)  # what stays, without identity
    tables_touched: set[str] = field(default_factory=set)
    wal_truncated: bool | None = None  # SQLite only: the write-ahead log no longer holds old pages
    posts_left: int = 0  # showcase posts still in Slack: `buildboard forget --finish` deletes them
    posts_without_client: bool = False  # no Slack client was given (no token)

    def lines(self) -> list[str]:
        """Readable lines for the command's output (no personal data in them)."""
        out = [f"{what}: {count}" for what, count in self.removed.items() if count]
        if not out:
            out.append("nothing left to remove")
        out += [f"kept without identity: {count} {what}" for what, count in self.kept_anonymously.items() if count]
        if self.posts_left:
            out.append(posts_left_warning(self.posts_left, without_client=self.posts_without_client))
        if self.wal_truncated is False:
            out.append(
                "warning: another process is reading the SQLite database, so its write-ahead log could not be "
                "truncated yet; stop the bot (the last connection to close checkpoints the log and removes it)"
            )
        return out


def posts_left_warning(count: int, *, without_client: bool) -> str:
    """What to do about showcase posts that are still in Slack."""
    posts = "1 showcase post" if count == 1 else f"{count} showcase posts"
    why = "SLACK_BOT_TOKEN is not set" if without_client else "Slack refused or could not be reached; see the log"
    return (
        f"warning: {posts} could not be deleted from Slack ({why}); only their channel and timestamp are kept: "
        "run `buildboard forget --finish` with SLACK_BOT_TOKEN set to delete them"
    )


def _needles(person: Person) -> list[str]:
    """The strings that identify the person, as they may appear in stored text."""
    return _text_needles((person.email, person.slack_user_id, person.name))


def _text_needles(values: Iterable[str | None]) -> list[str]:
    """`values` as they may appear in stored text (plain, Block Kit escaped, JSON escaped), longest first."""
    found: set[str] = set()
    for value in values:
        if not value or len(value.strip()) < 3:  # a one- or two-letter name would match everywhere
            continue
        value = value.strip()
        found.add(value)
        found.add(escape(value))  # as Block Kit text stores it
        found.add(json.dumps(value)[1:-1])  # as a JSON column may store it (non-ASCII escaped)
    return sorted(found, key=len, reverse=True)  # longest first, so "Bob Baker" goes before "Bob"


def _count(session: Session, statement: Select[int]) -> int:
    return session.scalar(statement) or 0


def _replacer(slack_user_id: str | None, needles: list[str], *, in_keys: bool = True) -> Callable[[Any], Any]:
    mention = re.compile(rf"<@{re.escape(slack_user_id)}(\|[^>]*)?>") if slack_user_id else None
    plain = re.compile("|".join(re.escape(n) for n in needles), re.IGNORECASE) if needles else None

    def scrub(value: Any) -> Any:
        if isinstance(value, str):
            if mention is not None:
                value = mention.sub(MENTION_STAND_IN, value)
            return plain.sub(REDACTED, value) if plain is not None else value
        if isinstance(value, list):
            return [scrub(v) for v in value]
        if isinstance(value, dict):
            return {(scrub(k) if in_keys else k): scrub(v) for k, v in value.items()}
        return value

    return scrub


def _text_columns_by_table() -> Iterator[tuple[Table, list[Column[Any]]]]:
    """Every table with its text and JSON columns, including tables other features add later."""
    for table in Base.metadata.sorted_tables:
        columns = [c for c in table.columns if isinstance(c.type, (String, Text, Unicode, UnicodeText, JSON))]
        if columns:
            yield table, columns


def _sweep(
    session: Session,
    needles: list[str],
    report: ErasureReport,
    *,
    slack_user_id: str | None = None,
    tables: set[str] | None = None,
    in_keys: bool = True,
) -> None:
    """Replace `needles` (and mentions of `slack_user_id`) wherever they occur in stored text (one scan per table).

    `tables`: only those tables (None: every table but people, whose row is anonymised field by field).
    `in_keys`: also in JSON object keys (a name can key a mapping; a title like "text" must not break Block Kit).
    """
    if not needles:
        return
    scrub = _replacer(slack_user_id, needles, in_keys=in_keys)
    for table, columns in _text_columns_by_table():
        if table.name == Person.__tablename__ or (tables is not None and table.name not in tables):
            continue
        searched = [cast(c, Text) if isinstance(c.type, JSON) else c for c in columns]
        matches = or_(*[func.lower(s).contains(n.lower(), autoescape=True) for s in searched for n in needles])
        key = list(table.primary_key.columns)
        for row in session.execute(select(*key, *columns).where(matches)).all():
            ids, values = row[: len(key)], row[len(key) :]
            changes = {}
            for column, value in zip(columns, values, strict=True):
                new_value = scrub(value)
                if new_value != value:
                    changes[column.name] = new_value
                    report.removed[f"mentions in {table.name}.{column.name}"] += 1
            if changes:
                session.execute(update(table).where(*[k == v for k, v in zip(key, ids, strict=True)]).values(changes))
                report.tables_touched.add(table.name)


def erase(session: Session, person: Person, *, now: datetime) -> ErasureReport:
    """Remove `person`'s identity everywhere, inside the caller's transaction."""
    pid = person.id
    report = ErasureReport(pid)
    artifacts = session.execute(
        select(Artifact.id, Artifact.title, Artifact.url, Artifact.description).where(Artifact.person_id == pid)
    ).all()
    artifact_ids = {a.id for a in artifacts}
    artifact_needles = _text_needles(value for a in artifacts for value in (a.title, a.url, a.description))

    def removed(what: str, result: Any, table: str) -> None:
        if result.rowcount:
            report.removed[what] += result.rowcount
            report.tables_touched.add(table)

    # Their output's sources change here in bulk statements (endorsements, pull requests) and text updates: the
    # counted output kept per week (output_weekly) is refreshed for the person-weeks those change, not forgotten
    # until the nightly rebuild. Blanking titles, links and mentions changes no count.
    with kept_by_writer(session) as touched:
        removed(
            "artifacts' titles, links and descriptions",
            session.execute(
                update(Artifact)
                .where(
                    Artifact.person_id == pid,
                    or_(
                        Artifact.title.is_not(None),
                        Artifact.url.is_not(None),
                        Artifact.description.is_not(None),
                        Artifact.estimate_summary.is_not(None),
                        Artifact.link_key.is_not(None),
                    ),
                )
                # The link's hash goes with the link (it would still say which page was theirs).
                .values(title=None, url=None, link_key=None, description=None, estimate_summary=None, updated_at=now)
            ),
            "artifacts",
        )
        removed("nudges", session.execute(delete(Nudge).where(Nudge.person_id == pid)), "nudges")
        # Endorsements given by them or to them go with them (a count left behind would still name an author):
        # each took its units from its author's week.
        for author_id, week_start in session.execute(
            select(Endorsement.author_id, Endorsement.week_start)
            .where(or_(Endorsement.endorser_id == pid, Endorsement.author_id == pid))
            .distinct()
        ):
            touched.add(author_id, week_start)
        endorsements = forget_endorsements(session, pid)
        for week_start in session.scalars(
            select(VerifiedPullRequest.week_start).where(VerifiedPullRequest.person_id == pid).distinct()
        ):
            touched.add(pid, week_start)
        pull_requests = forget_pull_requests(session, pid)
        if endorsements:
            report.removed["endorsements given or received"] += endorsements
            report.tables_touched.add("endorsements")
        if pull_requests:
            report.removed["verified pull requests"] += pull_requests
            report.tables_touched.add("verified_pull_requests")
        removed("awards", session.execute(delete(Award).where(Award.person_id == pid)), "awards")
        # Which tools they hold a seat of; the seat rows already charged stay in the anonymous usage totals.
        removed("seats", session.execute(delete(Seat).where(Seat.person_id == pid)), "seats")
        # Their sums over the team periods and whether their spend might be flagged, kept for large groups'
        # reports (built again by the next job).
        removed(
            "their kept period sums",
            session.execute(delete(PeriodFigures).where(PeriodFigures.person_id == pid)),
            "period_figures",
        )
        removed(
            "their kept flag candidacy",
            session.execute(delete(FlagCandidate).where(FlagCandidate.person_id == pid)),
            "flag_candidates",
        )
        # Team reports kept for managers hold their name and numbers: all go (each is recomputed when next asked).
        removed("kept team reports", session.execute(delete(TeamFigures)), "team_figures")
        removed(
            "their App Home charts", session.execute(delete(ChartFile).where(ChartFile.person_id == pid)), "chart_files"
        )
        removed(
            "audit rows about them",
            session.execute(delete(AuditView).where(AuditView.scope == "person", AuditView.root_person_id == pid)),
            "audit_views",
        )
        # The people they looked at keep the fact that their numbers were seen, not by whom.
        removed(
            "audit rows naming them as the viewer",
            session.execute(
                update(AuditView)
                .where(
                    or_(
                        AuditView.viewer_person_id == pid,
                        # rows from a time they looked as an admin before they were in the people file
                        and_(
                            AuditView.viewer_slack_user_id.is_not(None),
                            AuditView.viewer_slack_user_id == person.slack_user_id,
                        ),
                    )
                )
                .values(viewer_person_id=None, viewer_slack_user_id=None, detail=None)
            ),
            "audit_views",
        )
        to_them = [OutboxMessage.person_id == pid]
        if person.slack_user_id:
            to_them.append(OutboxMessage.channel == person.slack_user_id)
        # A posted showcase keeps its row (an artifact id, a channel and a timestamp) until Slack deletes the post.
        posted_showcase = and_(OutboxMessage.kind == MessageKind.SHOWCASE.value, OutboxMessage.sent_ts.is_not(None))
        removed(
            "messages to them",
            session.execute(delete(OutboxMessage).where(or_(*to_them), not_(posted_showcase))),
            "outbox",
        )
        _drop_week_stories(session, artifact_ids, artifact_needles, report)
        # Their artifacts' words in messages queued already rendered, before their name goes ("X's checker").
        _sweep(session, artifact_needles, report, tables={OutboxMessage.__tablename__}, in_keys=False)
        # The sweep needs the identifying strings, so it runs before the people row forgets them.
        _sweep(session, _needles(person), report, slack_user_id=person.slack_user_id)

    # Their reports move up to their manager; the next people import sets the real chart.
    reports = list(session.scalars(select(Person.id).where(Person.manager_id == pid)))
    session.execute(
        update(Person).where(Person.manager_id == pid).values(manager_id=person.manager_id).execution_options(**KEPT)
    )
    apply_manager_changes(session, dict.fromkeys(reports, person.manager_id))
    identity = {
        "email": person.email,
        "name": person.name,
        "Slack id": person.slack_user_id,
        "GitHub login": person.github_login,
        "time zone": person.timezone or person.slack_timezone,
        "team": person.team,
        "manager": person.manager_id,
    }
    for what, value in identity.items():
        if value is not None:
            report.removed[f"{what} from the people row"] += 1
            report.tables_touched.add("people")
    person.email = person.name = person.slack_user_id = person.timezone = person.slack_timezone = None
    person.github_login = None
    person.team = None
    person.manager_id = None
    person.in_org = person.active = person.nudges_enabled = False
    person.public_opt_out = True
    person.forgotten_at = person.forgotten_at or now
    person.updated_at = now
    session.flush()
    # Now that the chart no longer holds them: out of its history (their place above others stays unlinked).
    history_rows = forget_in_history(session, pid)
    if history_rows:
        report.removed["org chart history rows (their place, unlinked)"] += history_rows
        report.tables_touched.update({"org_closure_history", "team_history", "audit_views"})

    report.kept_anonymously["usage rows (in organisation totals)"] = _count(
        session, select(func.count()).select_from(UsageDaily).where(UsageDaily.person_id == pid)
    )
    report.kept_anonymously["code activity rows"] = _count(
        session, select(func.count()).select_from(CodeActivityDaily).where(CodeActivityDaily.person_id == pid)
    )
    report.kept_anonymously["artifacts (counted, without text)"] = _count(
        session, select(func.count()).select_from(Artifact).where(Artifact.person_id == pid)
    )
    return report


def _drop_week_stories(session: Session, artifact_ids: set[int], needles: list[str], report: ErasureReport) -> None:
    """Drop every saved week story told from (or naming) one of their artifacts; the digest retells it plainly."""
    lowered = [n.lower() for n in needles]
    for state in session.scalars(select(AppState).where(AppState.key.like("week_story:%"))).all():
        try:
            saved = json.loads(state.value or "{}")
            told_from = {int(i) for i in [*saved.get("sent_ids", []), *saved.get("standout_ids", [])]}
        except (ValueError, TypeError, AttributeError):
            told_from = set()
        value = (state.value or "").lower()
        if told_from & artifact_ids or any(n in value for n in lowered):
            session.delete(state)
            report.removed["saved week stories that told of their artifacts"] += 1
            report.tables_touched.add(AppState.__tablename__)


def delete_forgotten_showcases(
    session_factory: sessionmaker[Session], posts: PostRemover | None, report: ErasureReport | None = None
) -> tuple[int, int]:
    """Delete from Slack the showcase posts of forgotten people; returns (deleted, still in Slack).

    A post Slack deleted (or that was already gone) loses its outbox row; the others keep it for a later run.
    """
    with session_factory() as session:
        rows = session.execute(
            select(OutboxMessage.id, OutboxMessage.sent_channel, OutboxMessage.channel, OutboxMessage.sent_ts)
            .join(Person, Person.id == OutboxMessage.person_id)
            .where(
                OutboxMessage.kind == MessageKind.SHOWCASE.value,
                OutboxMessage.sent_ts.is_not(None),
                Person.forgotten_at.is_not(None),
            )
            .order_by(OutboxMessage.id)
        ).all()
    deleted = left = 0
    for row_id, sent_channel, channel, ts in rows:
        if posts is None or not posts.delete_post(sent_channel or channel, str(ts)):
            left += 1
            continue
        with session_factory.begin() as session:
            session.execute(delete(OutboxMessage).where(OutboxMessage.id == row_id))
        deleted += 1
    if report is not None:
        report.removed["showcase posts deleted from Slack"] += deleted
        if deleted:
            report.tables_touched.add(OutboxMessage.__tablename__)
        report.posts_left, report.posts_without_client = left, posts is None
    return deleted, left


def find_person(
    session: Session, *, email: str | None = None, slack_user_id: str | None = None, person_id: int | None = None
) -> Person | None:
    """The stored, not yet forgotten person with that email, Slack id or id."""
    if person_id is not None:
        person = session.get(Person, person_id)
        return person if person is not None and person.forgotten_at is None else None
    if email:
        return session.scalars(select(Person).where(Person.email == email.strip().lower())).first()
    if slack_user_id:
        return person_for_slack_user(session, slack_user_id)
    return None


def forget(
    session_factory: sessionmaker[Session],
    *,
    now: datetime,
    email: str | None = None,
    slack_user_id: str | None = None,
    person_id: int | None = None,
    posts: PostRemover | None = None,
) -> ErasureReport:
    """Erase the person with `email` (or `slack_user_id`) and make sure no old copy stays in the database files.

    `posts` deletes their showcase posts from Slack (None: they are kept for `buildboard forget --finish`).
    Raises UnknownPerson when no one is stored under it (never known, or already forgotten).
    """
    with session_factory.begin() as session:
        person = find_person(session, email=email, slack_user_id=slack_user_id, person_id=person_id)
        if person is None:
            asked = f"email {email.strip().lower()}" if email else f"Slack id {slack_user_id or person_id}"
            raise UnknownPerson(
                f"no one with {asked} is stored (never imported, or already forgotten); nothing was erased"
            )
        report = erase(session, person, now=now)
    delete_forgotten_showcases(session_factory, posts, report)
    engine = session_factory.kw["bind"]
    report.wal_truncated = purge_old_copies(engine, report.tables_touched)
    log.info("forgot person %d: %s", report.person_id, "; ".join(report.lines()))
    return report


def purge_old_copies(engine: Engine, tables: set[str]) -> bool | None:
    """Remove pre-erasure copies of rows the database may still hold outside the live tables.

    SQLite: checkpoint the write-ahead log into the main file and truncate it (the main file's freed
    space is zeroed by `secure_delete`). Returns False when a reader kept the log from being truncated.
    PostgreSQL: VACUUM the changed tables, so dead row versions are removed.
    """
    if engine.dialect.name == "sqlite":
        with engine.connect() as connection:
            busy, _log_frames, _checkpointed = connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)").one()
            return not busy
    if engine.dialect.name == "postgresql" and tables:
        known = {t.name for t in Base.metadata.sorted_tables}
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(text(f"VACUUM {', '.join(sorted(t for t in tables if t in known))}"))
    return None


def apply_slack_user_change(
    session_factory: sessionmaker[Session],
    user: dict[str, Any],
    *,
    forget_deactivated: bool,
    now: datetime,
    posts: PostRemover | None = None,
) -> str:
    """A Slack `user_change`: deactivation marks the person inactive, or erases them when so configured.

    Returns what happened: "unknown" | "deactivated" | "reactivated" | "forgotten" | "unchanged".
    """
    slack_user_id = user.get("id")
    email = ((user.get("profile") or {}).get("email") or "").strip().lower() or None
    deleted = bool(user.get("deleted"))
    with session_factory.begin() as session:
        person = find_person(session, slack_user_id=slack_user_id) or find_person(session, email=email)
        if person is None:
            return "unknown"
        if not deleted:
            if person.active:
                return "unchanged"
            person.active, person.updated_at = True, now
            return "reactivated"
        if not forget_deactivated:
            if not person.active:
                return "unchanged"
            person.active, person.updated_at = False, now
            return "deactivated"
        person_id = person.id
    try:
        forget(session_factory, now=now, person_id=person_id, posts=posts)
    except UnknownPerson:  # a second delivery of the same event, or another replica got there first
        return "unchanged"
    log.info("Slack user deactivated: person %d forgotten (BUILDBOARD_FORGET_DEACTIVATED)", person_id)
    return "forgotten"
