"""What services hand to renderers: plain typed values (no ORM objects, no SQL), one per answer or view."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from bot.domain.chart import Chart
from bot.domain.digest import BoardEntry
from bot.domain.flags import Flag
from bot.domain.periods import IsoWeek
from bot.domain.stats import PersonWeek, change_ratio, cost_per

VIEWS_SHOWN_DAYS = 90  # how far back a person is told who looked at their numbers


@dataclass(frozen=True)
class ArtifactView:
    """One shared artifact as renderers see it (the stored row's fields that a message or modal shows)."""

    id: int
    week_start: date
    title: str | None
    url: str | None
    description: str | None
    kind: str
    hours_saved_per_week: Decimal | None
    share_in_channel: bool
    spend_snapshot_usd: Decimal
    work_units: Decimal
    endorsed_by: tuple[str, ...] = ()  # who uses it, by name: shown to its author only (App Home)
    counted: bool = True  # one of the first BUILDBOARD_MAX_COUNTED_ARTIFACTS of its week: counts toward work units


@dataclass(frozen=True)
class CodeActivity:
    """One person's coding-agent activity over a week (all agents summed)."""

    person_id: int
    sessions: int = 0
    lines_added: int = 0
    lines_removed: int = 0
    commits: int = 0
    pull_requests: int = 0
    active_days: int = 0
    # Cursor's daily usage data: accepted lines and requests to its agent, composer and chat.
    accepted_lines: int = 0
    agent_requests: int = 0
    composer_requests: int = 0
    chat_requests: int = 0
    # GitHub Copilot's users report: lines added and the interactions (agent and chat) people started.
    copilot_lines_added: int = 0
    copilot_interactions: int = 0

    @property
    def cursor_requests(self) -> int:
        return self.agent_requests + self.composer_requests + self.chat_requests

    @property
    def any(self) -> bool:
        return bool(
            self.sessions
            or self.commits
            or self.pull_requests
            or self.lines_added
            or self.lines_removed
            or self.cursor_requests
            or self.accepted_lines
            or self.copilot_interactions
            or self.copilot_lines_added
        )


@dataclass(frozen=True)
class ViewedGroup:
    """Whose numbers a view showed, as the audit trail records it (one row per view, not per person).

    tree: everyone below `root_person_id` then; team: everyone whose team was `team_key` then;
    person: `root_person_id` alone; everyone: the whole organisation then.
    """

    scope: str  # tree | team | person | everyone
    root_person_id: int | None = None
    team_key: str | None = None


@dataclass(frozen=True)
class ViewedBy:
    """Who looked at a person's numbers, how (team | user | export), how often and when last."""

    viewer_name: str | None  # None: forgotten, the command line, or an admin outside the people file
    viewer_slack_user_id: str | None  # an admin outside the people file has only this
    action: str
    times: int
    last_at: datetime


# ------------------------------------------------------------------ a person's own numbers


@dataclass(frozen=True)
class MyWeek:
    week: IsoWeek
    stats: PersonWeek
    position: int | None  # on the leaderboard (by the configured ranking), among people with activity
    ranked_people: int
    artifacts: list[ArtifactView]
    code: CodeActivity | None = None  # commits, pull requests… by coding agents (Claude Code analytics)
    seat_cost_usd: Decimal = Decimal(0)  # the week's share of the seats the person holds (apart from spend)


@dataclass(frozen=True)
class MyNumbers:
    """`/buildboard me`: the caller's week so far and last week, who looked at them, their titles and flags."""

    current: MyWeek
    last: MyWeek
    viewed_by: list[ViewedBy]
    titles: list[tuple[IsoWeek, str]]  # (week, title name), newest first, over last week and this one
    flags: list[Flag]  # on last week: what the caller's manager sees too
    spend_public: bool = False  # BUILDBOARD_PUBLIC_FIGURES=output_and_spend: the digest channel sees spend too


@dataclass(frozen=True)
class PrivacySetting:
    """`/buildboard privacy`: is the caller's name kept out of public posts, and did this call change that."""

    public_opt_out: bool
    changed: bool


@dataclass(frozen=True)
class HomeWeek:
    week: IsoWeek
    stats: PersonWeek
    current: bool
    code: CodeActivity | None = None  # commits and pull requests by coding agents (Claude Code analytics)
    seat_cost_usd: Decimal = Decimal(0)  # the week's share of the seats the person holds (apart from spend)
    shared_artifacts: int = 0  # every artifact shared that week, counted or not (stats.artifacts: the counted)


@dataclass(frozen=True)
class HeldTitle:
    week: IsoWeek
    title_key: str
    streak_weeks: int


@dataclass(frozen=True)
class Home:
    name: str | None
    weeks: list[HomeWeek]  # this week first, then the last four
    titles: list[HeldTitle]
    artifacts: list[ArtifactView]
    total_artifacts: int
    nudges_enabled: bool
    # Who looked at these numbers lately (the audit trail, shown to its subject).
    viewed_by: list[ViewedBy] = field(default_factory=list)
    person_id: int | None = None
    trend: Chart | None = None  # their last weeks, drawn beside the numbers (bot/domain/chart.py)
    spend_public: bool = False  # BUILDBOARD_PUBLIC_FIGURES=output_and_spend: the digest channel sees spend too
    max_counted_artifacts: int = 3


@dataclass(frozen=True)
class Leaderboard:
    week: IsoWeek
    rank_by: str
    entries: list[BoardEntry]
    ranked_people: int
    viewer_stats: PersonWeek | None  # the caller's own numbers: shown to them only
    viewer_position: int | None  # among everyone with activity, opted-out people included
    viewer_hidden: bool  # the caller is left out of public boards (privacy on, or departed)
    active_people: int = 0  # people who used AI this week so far
    spend_public: bool = False  # the board shows tokens and spend beside output


@dataclass(frozen=True)
class StoredAbout:
    """Everything stored about one person, section by section (each a list of plain dicts)."""

    profile: dict[str, Any]
    preferences: dict[str, Any]
    usage_by_week: list[dict[str, Any]]
    code_activity_by_week: list[dict[str, Any]]
    artifacts: list[dict[str, Any]]
    nudges: list[dict[str, Any]]
    awards: list[dict[str, Any]]
    viewed_by: list[dict[str, Any]]
    messages: dict[str, int]
    flags: list[dict[str, Any]]  # what a manager is shown about the week (computed from the above, not stored)
    seats: list[dict[str, Any]] = field(default_factory=list)  # the tools they hold a seat of
    verified_pull_requests: list[dict[str, Any]] = field(default_factory=list)  # read from GitHub
    endorsements: list[dict[str, Any]] = field(default_factory=list)  # given and received

    def as_json(self) -> str:
        def plain(value: Any) -> Any:
            if isinstance(value, Decimal):
                return format(value, "f")
            if isinstance(value, (date, datetime)):
                return value.isoformat()
            return str(value)

        return json.dumps(self.__dict__, indent=2, default=plain, ensure_ascii=False)


# ------------------------------------------------------------------ Buildboard's own AI spend


# ------------------------------------------------------------------ team numbers for managers and admins


@dataclass(frozen=True)
class PeriodTotals:
    people: int  # current headcount (in the org, not deactivated)
    active_people: int  # people with usage in the period
    tokens: int
    spend_usd: Decimal
    artifacts: int
    work_units: Decimal
    evidenced_spend_usd: Decimal  # spend in weeks where the same person shared something

    @property
    def cost_per_work_unit(self) -> Decimal | None:
        return cost_per(self.spend_usd, self.work_units)

    @property
    def evidence_ratio(self) -> Decimal | None:
        if self.spend_usd <= 0:
            return None
        return (self.evidenced_spend_usd / self.spend_usd).quantize(Decimal("0.001"))

    def change(self, previous: PeriodTotals) -> dict[str, Decimal | None]:
        return {
            "tokens": change_ratio(self.tokens, previous.tokens),
            "spend_usd": change_ratio(self.spend_usd, previous.spend_usd),
            "active_people": change_ratio(self.active_people, previous.active_people),
            "artifacts": change_ratio(self.artifacts, previous.artifacts),
            "work_units": change_ratio(self.work_units, previous.work_units),
        }


@dataclass(frozen=True)
class PersonLine:
    person_id: int
    name: str | None
    slack_user_id: str | None
    team: str | None
    in_org: bool
    active: bool
    stats: PersonWeek


@dataclass(frozen=True)
class IdleSeat:
    """A seat its holder has not used for the idle period: for their managers and admins, never public."""

    person_id: int
    name: str | None
    slack_user_id: str | None
    tool: str
    plan_label: str
    monthly_usd: Decimal | None
    last_active_day: date | None  # None: never seen active


FLAGGED_LISTED = 15  # a team answer lists this many flagged people, the highest spenders, and counts the rest


@dataclass(frozen=True)
class TeamReport:
    group_label: str  # whose numbers, as the header says it
    weeks: list[IsoWeek]
    totals: PeriodTotals
    previous: PeriodTotals
    top_builders: list[PersonLine]
    flagged: list[tuple[PersonLine, list[Flag]]]  # the FLAGGED_LISTED highest spenders of those flagged
    table: list[PersonLine] | None  # None when the group is too large to list (see export)
    people_with_numbers: int  # how many people's numbers went into the report (the audit records the group, once)
    code_commits: int = 0  # commits and pull requests by coding agents: automatic evidence of output
    code_pull_requests: int = 0
    cursor_requests: int = 0  # Cursor's agent, composer and chat requests, and lines accepted
    cursor_accepted_lines: int = 0
    copilot_interactions: int = 0  # GitHub Copilot's agent and chat interactions, and lines added
    copilot_lines_added: int = 0
    seat_cost_usd: Decimal = Decimal(0)  # the period's share of the group's seats, apart from spend
    idle_seats: list[IdleSeat] = field(default_factory=list)
    idle_seat_days: int = 30
    flagged_count: int = 0  # everyone flagged, listed or not

    @property
    def idle_seat_monthly_usd(self) -> Decimal:
        return sum((s.monthly_usd or Decimal(0) for s in self.idle_seats), Decimal(0))

    @property
    def first(self) -> IsoWeek:
        return self.weeks[0]

    @property
    def last(self) -> IsoWeek:
        return self.weeks[-1]


@dataclass(frozen=True)
class PersonReport:
    person: PersonLine
    weeks: list[tuple[IsoWeek, PersonWeek]]  # oldest first
    artifacts: list[ArtifactView]
    titles: list[tuple[IsoWeek, str]]
    flags: list[Flag]
    last: IsoWeek


@dataclass(frozen=True)
class Refusal:
    """Why not, and what the caller may do instead. Never carries anyone's numbers."""

    text: str


@dataclass(frozen=True)
class TeamAnswer:
    """`/buildboard team`: the report, or why it is refused."""

    report: TeamReport | None = None
    refusal: Refusal | None = None
    notes: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class TeamExport:
    """A group's per-person, per-week CSV, ready to send to the one who asked for it."""

    group_label: str
    weeks: list[IsoWeek]
    filename: str
    content: str
    rows: int
    people: int
