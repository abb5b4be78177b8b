"""What the weekly digest says, as plain values (the Block Kit builder only lays it out)."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from bot.domain.chart import ChartWeek
from bot.domain.groups import TeamFigure
from bot.domain.periods import IsoWeek
from bot.domain.stats import OrgWeek
from bot.domain.story import WeekStory


@dataclass(frozen=True)
class BoardEntry:
    """One line of the public leaderboard: output figures; usage figures only when spend is public.

    With BUILDBOARD_PUBLIC_FIGURES=output (the default) tokens, spend and cost per work unit are None:
    they are never put in a public post, so no renderer can show them by mistake.
    """

    position: int
    person_id: int
    name: str | None
    slack_user_id: str | None
    tokens: int | None
    spend_usd: Decimal | None
    artifacts: int
    work_units: Decimal
    cost_per_work_unit: Decimal | None


@dataclass(frozen=True)
class LlmSpend:
    """Buildboard's own AI calls over a period."""

    calls: int
    input_tokens: int
    output_tokens: int
    cost_usd: Decimal
    unpriced_calls: int  # calls to a model the price table does not know: tokens counted, cost unknown
    by_purpose: dict[str, int] = field(default_factory=dict)  # calls per purpose

    @property
    def tokens(self) -> int:
        return self.input_tokens + self.output_tokens


@dataclass(frozen=True)
class AiSpendLine:
    """What the digest's thread says about Buildboard's own AI spend, and why the LLM is off (if it is)."""

    spend: LlmSpend
    llm_off: str | None = None


@dataclass(frozen=True)
class WeeklyDigest:
    """Everything the digest says about a week: the channel message, its team thread and its chart."""

    week: IsoWeek
    totals: OrgWeek
    previous: OrgWeek
    leaderboard: list[BoardEntry]
    rank_by: str
    titles: list[TitleLine] = field(default_factory=list)
    highlights: list[Highlight] = field(default_factory=list)
    teams: list[TeamFigure] = field(default_factory=list)
    min_group_size: int = 1
    chart: list[ChartWeek] = field(default_factory=list)
    summary: WeekStory | None = None  # the week in a paragraph, opening the message
    ai_spend: AiSpendLine | None = None  # the thread's line on Buildboard's own AI spend
    seat_cost_usd: Decimal = Decimal(0)  # the organisation's seats this week, apart from spend (usage cost)
    spend_public: bool = False  # BUILDBOARD_PUBLIC_FIGURES=output_and_spend: spend beside output on the board
    # False when the week's totals of tokens and spend would let a named person's figures be worked out (spend
    # public, and fewer than min_group_size active people not named with figures): they are left out then.
    totals_shown: bool = True


@dataclass(frozen=True)
class TitleHolder:
    person_id: int
    name: str | None
    slack_user_id: str | None
    streak_weeks: int = 1


@dataclass(frozen=True)
class TitleLine:
    """One title in the digest with the people who hold it this week."""

    key: str
    name: str
    emoji: str
    metric: str
    metric_value: Decimal | None  # None: not shown in public (bot/domain/privacy.metric_may_be_public)
    holders: list[TitleHolder]
    more_holders: int = 0  # holders not listed by name (a title everyone can win, e.g. First Build)


@dataclass(frozen=True)
class Highlight:
    """A highlighted artifact: author, title, link, work units."""

    artifact_id: int
    author_name: str | None
    author_slack_user_id: str | None
    title: str
    url: str | None
    work_units: Decimal
    kind: str | None = None
    endorsements: int = 0  # distinct colleagues who use it
    author_person_id: int | None = None
