"""The weekly digest: compute the week in SQL, queue it as intents, send it once per channel and week.

One channel message (totals, evidence ratio, leaderboard, titles, highlights, a Share button),
then in its thread the per-team detail and a chart of the last 8 weeks — three outbox rows,
each sent exactly once. The rows hold the week, not the words: the sender builds the digest from
the database when it sends (`digest_at_send`), so whoever opted out, left or was erased in
between is not named. The message opens with the week in a paragraph (services/story.py), and
the thread says what Buildboard itself spent on AI.
"""

from __future__ import annotations

import logging
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from bot.db.models import Artifact, Person, UsageWeekly
from bot.db.output import counted, ranked_artifacts
from bot.db.output_weekly import counted_output, output_kept
from bot.db.public import named_in_public
from bot.db.reads_aside import reads_aside
from bot.db.value_sets import in_values
from bot.domain.chart import ChartWeek, WeekFigures
from bot.domain.chart import chart_weeks as chart_weeks_of
from bot.domain.claims import has_output
from bot.domain.delivery import MessageIntent, MessageKind
from bot.domain.digest import AiSpendLine, BoardEntry, Highlight, TitleHolder, TitleLine, WeeklyDigest
from bot.domain.groups import TeamFigure, merge_small_groups
from bot.domain.periods import IsoWeek, weeks_ending
from bot.domain.privacy import may_be_named_in_public, metric_may_be_public
from bot.domain.ranking import RankBy, best
from bot.domain.stats import OrgWeek, PersonWeek
from bot.domain.story import WeekStory
from bot.domain.titles import TitleAward, TitleRule
from bot.llm.client import LlmClient, llm_status
from bot.services import outbox
from bot.services.endorsements import endorsement_counts
from bot.services.llm_usage import llm_spend
from bot.services.ports import MessageSender
from bot.services.seats import seat_cost_total
from bot.services.stats import DEFAULT_CAP, org_weeks, output_weeks, people_by_id
from bot.services.story import stored_story, tell_week
from bot.services.titles import award_week, rules_for, stored_awards, titles_for_week
from bot.settings import NotConfigured, Settings

log = logging.getLogger(__name__)

BOARD_SIZE = 10
HIGHLIGHTS = 5
HOLDERS_SHOWN = 5
CHART_WEEKS = 8
NO_TEAM = "No team"
AI_SPEND_DAYS = 7


def digest_key(channel: str, week: IsoWeek) -> str:
    return f"digest:{channel}:{week}"


def team_thread_key(channel: str, week: IsoWeek) -> str:
    return f"{digest_key(channel, week)}:teams"


def chart_key(channel: str, week: IsoWeek) -> str:
    return f"{digest_key(channel, week)}:chart"


def public_board(
    session: Session,
    weeks: dict[int, PersonWeek],
    rank_by: RankBy,
    size: int = BOARD_SIZE,
    *,
    spend_public: bool = False,
) -> list[BoardEntry]:
    """The top `size` people with counted output who may be named, best first (others still count in the totals).

    Nobody without output that week (counted work units 0) is ranked or named, whatever their tokens. Tokens,
    spend and cost per work unit are put on the board only with `spend_public` (BUILDBOARD_PUBLIC_FIGURES).
    """
    board: list[BoardEntry] = []
    builders = [w for w in weeks.values() if has_output(w.work_units)]
    start, depth = 0, size * 20
    # Only the head of the ranking is ordered (a heap, not a sort of 85,000 people), and people are
    # looked up a page at a time: deeper only when too many at the top may not be named.
    while len(board) < size:
        ranked = best(builders, depth, rank_by)
        page = ranked[start:]
        if not page:
            break
        start, depth = len(ranked), depth * 4
        people = people_by_id(session, [w.person_id for w in page])
        for stats in page:
            person = people.get(stats.person_id)
            if person is None or not may_be_named_in_public(person):
                continue
            board.append(
                BoardEntry(
                    position=len(board) + 1,
                    person_id=person.id,
                    name=person.name,
                    slack_user_id=person.slack_user_id,
                    tokens=stats.tokens if spend_public else None,
                    spend_usd=stats.spend_usd if spend_public else None,
                    artifacts=stats.artifacts,
                    work_units=stats.work_units,
                    cost_per_work_unit=stats.cost_per_work_unit if spend_public else None,
                )
            )
            if len(board) == size:
                break
    return board


def title_lines(
    session: Session, awards: list[TitleAward], rules: Sequence[TitleRule], *, spend_public: bool = False
) -> list[TitleLine]:
    """Awards grouped by title; a few holders who may be named per title, the rest counted.

    People are looked up only for the first few holders of each title, never for thousands of
    First Builds: the rest are counted (they were eligible when the title was awarded).
    """
    by_key = {r.key: r for r in rules}
    by_title: dict[str, list[TitleAward]] = {}
    for award in awards:
        by_title.setdefault(award.title_key, []).append(award)
    window = HOLDERS_SHOWN * 4
    people = people_by_id(session, {a.person_id for held in by_title.values() for a in held[:window]})
    lines: list[TitleLine] = []
    for key, held in by_title.items():
        named: list[TitleHolder] = []
        skipped = 0
        for award in held[:window]:
            person = people.get(award.person_id)
            if person is None or not may_be_named_in_public(person):
                skipped += 1
            elif len(named) < HOLDERS_SHOWN:
                named.append(TitleHolder(person.id, person.name, person.slack_user_id, award.streak_weeks))
        if not named:
            continue
        rule, first = by_key.get(key), held[0]
        metric = rule.metric if rule else ""
        lines.append(
            TitleLine(
                key=key,
                name=first.name,
                emoji=first.emoji,
                metric=metric,
                metric_value=first.metric_value if metric_may_be_public(metric, spend_public=spend_public) else None,
                holders=named,
                more_holders=len(held) - skipped - len(named),
            )
        )
    return lines


def highlights(session: Session, week: IsoWeek, limit: int = HIGHLIGHTS, *, cap: int = DEFAULT_CAP) -> list[Highlight]:
    """The week's most valuable counted artifacts (work units above 0) by people who may be named."""
    ranked = ranked_artifacts([week.start])
    rows = session.execute(
        select(Artifact, Person.name, Person.slack_user_id)
        .join(ranked, ranked.c.artifact_id == Artifact.id)
        .join(Person, Person.id == Artifact.person_id)
        .where(
            Artifact.week_start == week.start,  # what `ranked` holds; said again so the week's index bounds the read
            counted(ranked, cap),
            Artifact.work_units > 0,
            Artifact.title.is_not(None),
            named_in_public(),
        )
        .order_by(Artifact.work_units.desc(), Artifact.share_in_channel.desc(), Artifact.created_at, Artifact.id)
        .limit(limit)
    ).all()
    counts = endorsement_counts(session, [a.id for a, _, _ in rows])
    return [
        Highlight(
            a.id, name, slack_id, a.title or "", a.url, Decimal(a.work_units), a.kind, counts.get(a.id, 0), a.person_id
        )
        for a, name, slack_id in rows
    ]


TeamTotals = dict[str, tuple[int, int, Decimal, int, Decimal]]  # team → people, tokens, spend, artifacts, work units


def team_totals(session: Session, week: IsoWeek, *, cap: int = DEFAULT_CAP) -> TeamTotals:
    """Each team's week: people with usage, their tokens and spend, artifacts shared and counted work units."""
    team = func.coalesce(Person.team, NO_TEAM)
    usage = {
        name: (int(people), int(tokens or 0), Decimal(spend or 0))
        for name, people, tokens, spend in session.execute(
            select(team, func.count(), func.sum(UsageWeekly.tokens), func.sum(UsageWeekly.cost_usd))
            .join(Person, Person.id == UsageWeekly.person_id)
            .where(UsageWeekly.week_start == week.start)
            .group_by(team)
        )
    }
    # Each person-week's output, capped: a team's total is their sum.
    terms = counted_output([week.start], cap=cap, kept=output_kept(session, cap)).subquery("team_output")
    made = {
        name: (int(count or 0), Decimal(units or 0))
        for name, count, units in session.execute(
            select(team, func.sum(terms.c.shared_artifacts), func.sum(terms.c.work_units))
            .join(Person, Person.id == terms.c.person_id)
            .group_by(team)
        )
    }
    nothing_used, nothing_made = (0, 0, Decimal(0)), (0, Decimal(0))
    return {name: usage.get(name, nothing_used) + made.get(name, nothing_made) for name in usage.keys() | made.keys()}


def team_figures(
    session: Session,
    week: IsoWeek,
    min_group_size: int,
    *,
    named: Collection[int] = (),
    cap: int = DEFAULT_CAP,
    totals: TeamTotals | None = None,
) -> list[TeamFigure]:
    """Per-team numbers, small teams merged so no row describes fewer than `min_group_size` people.

    `named` are the people named with their own figures in the same post: they do not count toward a
    row's minimum, so a row minus their figures still describes at least `min_group_size` people.
    `totals`: the week's `team_totals`, when the caller has them.
    """
    if totals is None:
        totals = team_totals(session, week, cap=cap)
    named_ids = list(named)
    named_per_team: dict[str, int] = {}
    if named_ids:  # the named people with usage in the week, per team (a few dozen people)
        team = func.coalesce(Person.team, NO_TEAM)
        named_per_team = {
            name: int(count)
            for name, count in session.execute(
                select(team, func.count())
                .select_from(UsageWeekly)
                .join(Person, Person.id == UsageWeekly.person_id)
                .where(UsageWeekly.week_start == week.start, in_values(Person.id, named_ids))
                .group_by(team)
            )
        }
    figures = [
        TeamFigure(name, people, tokens, spend, artifacts, units, named_people=named_per_team.get(name, 0))
        for name, (people, tokens, spend, artifacts, units) in sorted(totals.items())
    ]
    return merge_small_groups(figures, min_group_size)


def chart_weeks(
    session: Session,
    week: IsoWeek,
    count: int = CHART_WEEKS,
    *,
    cap: int = DEFAULT_CAP,
    figures: dict[date, OrgWeek] | None = None,
) -> list[ChartWeek]:
    """Spend, counted artifacts and work units (their verified part apart) of the `count` weeks ending with
    `week` that have any. `figures`: the organisation's totals of those weeks, when the caller has them."""
    window = weeks_ending(week, count)
    if figures is None:
        figures = org_weeks(session, window, cap=cap)
    return chart_weeks_of(
        window,
        {
            w: WeekFigures(totals.spend_usd, totals.counted_artifacts, totals.work_units, totals.verified_work_units)
            for w in window
            if (totals := figures.get(w.start)) is not None
        },
        current=week,
    )


def compute_digest(
    session: Session,
    week: IsoWeek,
    settings: Settings,
    *,
    award_at: datetime | None = None,
    stored: bool = False,
    summary: WeekStory | None = None,
    ai_spend: AiSpendLine | None = None,
) -> WeeklyDigest:
    """Everything the digest says about `week`, from the database as it is now.

    With `award_at`, the week's titles are stored (once per title and week, see award_week); with
    `stored`, the titles already stored are shown (the send); otherwise (a dry run) they are only
    computed. The title rules are read once here and handed down. The organisation's weeks, the
    highlights and the teams' totals need nothing from the rest: on PostgreSQL they are read on
    connections of their own while this one ranks the week (bot/db/reads_aside.py).
    """
    rules = rules_for(settings)
    cap = settings.max_counted_artifacts
    compared = [week.previous(), week]  # the evidence ratio is shown for these two
    with reads_aside(session) as aside:
        # This week, the week before and the chart's weeks: the organisation's totals in one pass.
        org_answer = aside.ask(
            lambda s: org_weeks(
                s, list(dict.fromkeys([*compared, *weeks_ending(week, CHART_WEEKS)])), cap=cap, ratio_weeks=compared
            )
        )
        teams_answer = aside.ask(lambda s: team_totals(s, week, cap=cap))
        shown_answer = aside.ask(lambda s: highlights(s, week, cap=cap))
        weeks = output_weeks(session, week, cap=cap)  # only people with output are ranked, named or given a title
        if award_at is not None:
            awards = award_week(session, week, settings, award_at, weeks=weeks, rules=rules)
        elif stored:
            awards = stored_awards(session, week, settings, rules=rules)
        else:
            awards = titles_for_week(session, week, settings, weeks=weeks, rules=rules)
        spend_public = settings.spend_public
        board = public_board(session, weeks, settings.rank_by, spend_public=spend_public)
        titles = title_lines(session, awards, rules, spend_public=spend_public)
        shown = shown_answer.get()
        named = (
            {e.person_id for e in board}
            | {h.person_id for line in titles for h in line.holders}
            | {h.author_person_id for h in shown if h.author_person_id is not None}
        )
        teams = team_figures(session, week, settings.min_group_size, named=named, cap=cap, totals=teams_answer.get())
        by_week = org_answer.get()
    totals = by_week[week.start]
    # With spend public, the organisation's spend minus the named people's spend is everyone else's: shown only
    # when that is at least min_group_size people (the same rule as a team row).
    named_active = sum(1 for pid in named if pid in weeks and weeks[pid].tokens > 0)
    totals_shown = not spend_public or totals.active_people - named_active >= settings.min_group_size
    return WeeklyDigest(
        week=week,
        totals=totals,
        previous=by_week[week.previous().start],
        leaderboard=board,
        rank_by=settings.rank_by,
        titles=titles,
        highlights=shown,
        teams=teams,
        min_group_size=settings.min_group_size,
        chart=chart_weeks(session, week, cap=cap, figures=by_week) if totals_shown else [],
        summary=summary,
        ai_spend=ai_spend,
        seat_cost_usd=seat_cost_total(session, week.start, week.end),
        spend_public=spend_public,
        totals_shown=totals_shown,
    )


def digest_intents(
    channel: str, week: IsoWeek, *, ai_spend_until: datetime, llm_off: str | None
) -> list[MessageIntent]:
    """The digest's three messages as intents: the week and what the AI-spend line covers, not the words."""
    key = digest_key(channel, week)
    params = {"week": str(week), "ai_spend_until": ai_spend_until.isoformat(), "llm_off": llm_off}
    return [
        MessageIntent(key, MessageKind.DIGEST, channel, params),
        MessageIntent(team_thread_key(channel, week), MessageKind.DIGEST_THREAD, channel, params, thread_of_key=key),
        MessageIntent(chart_key(channel, week), MessageKind.DIGEST_CHART, channel, params, thread_of_key=key),
    ]


def ai_spend_line(session: Session, until: datetime, llm_off: str | None) -> AiSpendLine:
    """Buildboard's own AI calls in the 7 days before `until`."""
    return AiSpendLine(llm_spend(session, since=until - timedelta(days=AI_SPEND_DAYS), until=until), llm_off)


def digest_at_send(session: Session, params: dict[str, Any], settings: Settings) -> WeeklyDigest:
    """The digest of a queued intent, built when it is sent: who may be named is decided now."""
    week = IsoWeek.parse(params["week"])
    until = datetime.fromisoformat(params["ai_spend_until"])
    return compute_digest(
        session,
        week,
        settings,
        stored=True,
        summary=stored_story(session, week),
        ai_spend=ai_spend_line(session, until, params.get("llm_off")),
    )


@dataclass
class DigestOutcome:
    week: IsoWeek
    channel: str
    status: str  # posted | already_posted | failed | deferred | dry_run
    message: str
    digest: WeeklyDigest | None = None  # a dry run's digest, to print
    posted_at: datetime | None = None  # a dry run: when the week's digest was already posted in the channel


def _llm_off(llm: LlmClient | None, settings: Settings) -> str | None:
    return None if llm is not None else (llm_status(settings) or "no LLM client")


def run_digest(
    session_factory: sessionmaker[Session],
    sender: MessageSender | None,
    settings: Settings,
    *,
    week: IsoWeek,
    now: datetime,
    dry_run: bool = False,
    llm: LlmClient | None = None,
) -> DigestOutcome:
    """Compute and post the digest for `week` to the digest channel (and its thread), exactly once.

    `llm` tells the week's story (None: a plain summary from the data); it is asked before any
    transaction opens, and not at all once the digest was posted. The story is saved; the send
    reads it back.
    """
    channel = settings.digest_channel
    if not channel and not dry_run:
        raise NotConfigured("BUILDBOARD_DIGEST_CHANNEL is not set: set it to the channel id (like C0123456789)")
    with session_factory() as session:
        posted = outbox.find(session, digest_key(channel, week)) if channel else None
    story = None
    if posted is None or posted.status != "sent":  # a posted digest needs no new story (nor a new call)
        story = tell_week(session_factory, llm, week, now=now)
    if dry_run:
        with session_factory() as session:
            digest = compute_digest(
                session, week, settings, summary=story, ai_spend=ai_spend_line(session, now, _llm_off(llm, settings))
            )
        posted_at = posted.sent_at if posted is not None and posted.status == "sent" else None
        if posted is not None and posted.status == "sent" and posted_at is None:
            posted_at = posted.created_at  # sent, with no time recorded: say when it was queued
        return DigestOutcome(week, channel or "(none)", "dry_run", "not posted (dry run)", digest, posted_at)
    assert channel is not None and sender is not None
    intents = digest_intents(channel, week, ai_spend_until=now, llm_off=_llm_off(llm, settings))
    keys = [intent.key for intent in intents]
    with session_factory.begin() as session:
        award_week(session, week, settings, now)  # titles are stored when the digest is queued, shown when sent
        main_status = "new"
        for intent in intents:
            queued = outbox.queue(session, intent, now)
            if intent.kind is MessageKind.DIGEST:
                main_status = "new" if queued.created else queued.message.status
            outbox.requeue_if_unsent(queued, intent, now)
    if main_status == "sending":
        return DigestOutcome(week, channel, "deferred", f"the digest for {week} is being sent by another process")
    report = sender.send_due(keys=keys)
    if main_status == "sent":
        return DigestOutcome(
            week, channel, "already_posted", f"the digest for {week} was already posted in {channel}; nothing sent"
        )
    with session_factory() as session:
        main = outbox.find(session, keys[0])
        sent_now = main is not None and main.status == "sent"
    if sent_now:
        return DigestOutcome(week, channel, "posted", f"posted the digest for {week} in {channel}")
    if report.failed:
        return DigestOutcome(week, channel, "failed", "; ".join(report.errors))
    reason = "; ".join(report.errors) or "Slack is busy; it stays queued and will be sent on the next run"
    return DigestOutcome(week, channel, "deferred", f"not posted yet: {reason}")
