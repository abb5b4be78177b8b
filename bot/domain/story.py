"""The week in a paragraph: what the digest opens with. Plain values; the fallback text is built here."""

from __future__ import annotations

import re
from collections.abc import Collection
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


# What Slack turns into a link in posted text: `<target|label>`, a URL with a scheme, `www.…`, `mailto:…`,
# and a bare host (`evil.example/login`, `phish.com`). Bare hosts without a path are only taken with a
# common top-level domain, so "Node.js" or "e.g." stay words.
_HOST = r"(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+"
_COMMON_TLDS = (
    r"(?:com|net|org|io|ai|co|dev|app|info|biz|me|xyz|site|online|link|example|gov|edu|ly|gl|to|sh|us|uk|eu|de|fr)"
)
_LINKISH = re.compile(
    r"<(?P<target>[^<>|\s]+)(?:\|(?P<label>[^<>]*))?>"
    r"|(?P<url>(?:\b[a-z][a-z0-9+.-]*://|\bwww\.|\bmailto:)[^\s<>]+"
    rf"|\b{_HOST}[a-z]{{2,24}}/[^\s<>]*"
    rf"|\b{_HOST}{_COMMON_TLDS}\b)",
    re.IGNORECASE,
)
_TRAILING = ".,;:!?)]}'\""


def _looks_like_link(target: str) -> bool:
    return _LINKISH.fullmatch(target) is not None and not target.startswith(("@", "!", "#"))


def paragraph_links_kept(paragraph: str, allowed_urls: Collection[str]) -> str:
    """`paragraph` with every link removed but the week's artifacts' own URLs (kept as bare URLs).

    The model writes the paragraph from titles and descriptions people typed, so a description can
    ask it to write any link; only a link someone shared as their artifact's link may stay.
    `<url|label>` keeps its label (and the URL when allowed); a removed bare URL leaves nothing.
    """
    allowed = {url.strip() for url in allowed_urls if url and url.strip()}

    def keep(url: str) -> str:
        return url if url in allowed else ""

    def replace(match: re.Match[str]) -> str:
        target = match.group("target")
        if target is not None:
            label = (match.group("label") or "").strip()
            if not _looks_like_link(target.strip("<>")):
                return match.group(0)  # a mention or `<!channel>`: the renderer escapes it as text
            kept = keep(target)
            return " ".join(part for part in (label, f"({kept})" if kept and label else kept) if part)
        url = match.group("url")
        core = url.rstrip(_TRAILING)
        return keep(core) + url[len(core) :]

    return " ".join(_LINKISH.sub(replace, paragraph).split())
