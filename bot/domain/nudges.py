"""Who is asked "what did you build?" for a week, and when their DM is delivered. Pure rules."""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.domain.periods import IsoWeek
from bot.domain.stats import PersonWeek


@dataclass(frozen=True)
class NudgeCandidate:
    """One person's week plus the facts that can exclude them."""

    week: PersonWeek
    active: bool = True  # False: deactivated in Slack
    in_org: bool = True  # False: departed, or an unmatched provider identity (nobody to ask)
    nudges_enabled: bool = True


@dataclass(frozen=True)
class NudgeChoice:
    person_id: int
    tokens: int
    spend_usd: Decimal
    rank: int  # by spend, among everyone with spend that week (1 = highest)
    ranked_people: int
    reason: str  # "min_spend" | "top_percent" (min_spend wins when both hold)


def top_count(ranked_people: int, top_percent: Decimal) -> int:
    """How many people the top N % are: rounded up, so 10 % of 3 people is 1 person; 0 % is nobody."""
    if top_percent <= 0 or ranked_people <= 0:
        return 0
    return min(ranked_people, math.ceil(Decimal(ranked_people) * top_percent / 100))


def select_for_nudge(
    candidates: Iterable[NudgeCandidate], *, min_spend_usd: Decimal, top_percent: Decimal
) -> list[NudgeChoice]:
    """The people to ask for a week, highest spend first.

    Asked: spend ≥ `min_spend_usd`, or in the top `top_percent` % by spend. Never asked: people
    with no spend, people who already shared an artifact that week, deactivated or departed people,
    and people who turned nudges off. Ranks and the top N % are computed over everyone with spend,
    so excluding someone does not promote the next person into the top group.
    """
    everyone = [c for c in candidates if c.week.spend_usd > 0]
    everyone.sort(key=lambda c: (-c.week.spend_usd, -c.week.tokens, c.week.person_id))
    top = top_count(len(everyone), top_percent)
    chosen: list[NudgeChoice] = []
    for position, candidate in enumerate(everyone, start=1):
        week = candidate.week
        over_threshold = week.spend_usd >= min_spend_usd
        in_top = position <= top
        if not (over_threshold or in_top):
            continue
        if week.artifacts > 0 or not candidate.active or not candidate.in_org or not candidate.nudges_enabled:
            continue
        chosen.append(
            NudgeChoice(
                person_id=week.person_id,
                tokens=week.tokens,
                spend_usd=week.spend_usd,
                rank=position,
                ranked_people=len(everyone),
                reason="min_spend" if over_threshold else "top_percent",
            )
        )
    return chosen


def person_zone(slack_timezone: str | None, file_timezone: str | None, default: ZoneInfo) -> ZoneInfo:
    """The zone a person lives in: Slack's `tz`, else the people file's, else the organisation's."""
    for name in (slack_timezone, file_timezone):
        if not name:
            continue
        try:
            return ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError):
            continue  # an unknown name falls through to the next source
    return default


def next_local_hour(now: datetime, zone: ZoneInfo, hour: int) -> datetime:
    """The next moment (at or after `now`) when the clock in `zone` shows `hour`:00, in UTC."""
    local_now = now.astimezone(zone)
    day = local_now.date()
    for offset in range(3):
        # Built from the wall-clock time, so a DST change still gives `hour`:00 local.
        candidate = datetime.combine(day + timedelta(days=offset), time(hour), tzinfo=zone)
        if candidate.astimezone(UTC) >= now.astimezone(UTC):
            return candidate.astimezone(UTC)
    raise AssertionError("unreachable: a local hour occurs within three days")


@dataclass(frozen=True)
class NudgeAnswer:
    """How a person answered their week's nudge; their DM shows it in place of the buttons."""

    kind: str  # shared | nothing_to_show | snoozed
    title: str | None = None  # shared: what they shared
    reason: str | None = None  # nothing_to_show: a key of NOTHING_REASONS
    reason_text: str | None = None
    remind_at: datetime | None = None  # snoozed: when the one reminder comes


@dataclass(frozen=True)
class AnsweredNudgeDms:
    """A person's nudge (and reminder) DMs already in Slack, to rewrite now that they answered."""

    week: IsoWeek
    tokens: int
    spend_usd: Decimal
    answer: NudgeAnswer
    sent: tuple[tuple[str, str], ...]  # (channel, ts) of each DM


ANSWERED_STATUSES = frozenset({"shared", "nothing_to_show"})


def why_no_dm_now(nudge_status: str | None, dm_sent: bool) -> str | None:
    """Why a person chosen for the week gets no DM from a run now (None: they get one).

    A person asked earlier is not asked twice: "answered" once they shared or said there is nothing
    to show, "already asked" once the DM went out (and while it is snoozed or reminded). A DM queued
    earlier and not sent yet goes out on this run.
    """
    if nudge_status is None:
        return None
    if nudge_status in ANSWERED_STATUSES:
        return "answered"
    if nudge_status == "queued" and not dm_sent:
        return None
    return "already asked"
