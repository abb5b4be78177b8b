"""The week in a paragraph: what the digest opens with. Plain values; the fallback text is built here."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

STORY_PARAGRAPH_MAX = 900  # characters accepted from the model (it is asked for under 700)
STANDOUTS = 3


@dataclass(frozen=True)
class StoryArtifact:
    """An artifact the story may mention: only from people who may be named in public posts."""

    artifact_id: int
    title: str
    kind: str
    description: str
    work_units: Decimal
    url: str | None
    author_name: str | None
    author_slack_id: str | None


@dataclass(frozen=True)
class WeekStory:
    text: str  # plain text (not mrkdwn): the renderer escapes it
    standouts: list[StoryArtifact] = field(default_factory=list)
    source: str = "data"  # ai | data
    model: str | None = None


def kind_label(kind: str) -> str:
    return kind.replace("_", " ")


def plain_story(*, artifacts: int, sharers: int, kinds: dict[str, int], standouts: list[StoryArtifact]) -> WeekStory:
    """The summary without a model: counts by kind and the standouts by work units."""
    if artifacts == 0:
        return WeekStory("Nobody shared an artifact this week.")
    by_kind = " · ".join(f"{kind_label(k)} {n}" for k, n in sorted(kinds.items(), key=lambda kv: (-kv[1], kv[0])))
    people = "1 person" if sharers == 1 else f"{sharers} people"
    things = "1 artifact" if artifacts == 1 else f"{artifacts} artifacts"
    text = f"{things} shared by {people} this week ({by_kind})."
    return WeekStory(text, standouts[:STANDOUTS], source="data")
