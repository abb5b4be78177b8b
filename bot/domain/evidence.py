"""Verified evidence: which merged pull requests count as output, and what endorsements add.

A `Co-authored-by:` trailer costs nothing to type, so a pull request counts only when it was merged
into its repository's default branch, approved by someone other than its author, changes at least
`MIN_CHANGED_LINES` lines and was AI-assisted (an AI tool's trailer or an AI bot's commit). A merged
`Revert "<title>"` within `REVERT_WINDOW` makes the original stop counting. Each counted PR is worth
BUILDBOARD_WORK_UNITS_PER_MERGED_PR, at most `MAX_COUNTED_PRS` a person-week.

Endorsements ("I use this"): each distinct colleague adds `UNITS_PER_ENDORSER`, at most
`MAX_ENDORSEMENT_UNITS` per author and week; an endorser gives at most `MAX_ENDORSEMENTS_PER_WEEK` a
week and endorses one author at most once a week.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from enum import Enum
from pathlib import Path

DEFAULT_AI_TOOLS_FILE = Path(__file__).with_name("ai_tools.toml")
MIN_CHANGED_LINES = 10
MAX_COUNTED_PRS = 4
DEFAULT_UNITS_PER_PR = Decimal("0.5")
REVERT_WINDOW = timedelta(days=14)

UNITS_PER_ENDORSER = Decimal("0.5")
MAX_ENDORSEMENT_UNITS = Decimal(1)
MAX_ENDORSEMENTS_PER_WEEK = 5

_TRAILER = re.compile(r"^\s*co-authored-by:\s*(?P<who>.+?)\s*$", re.IGNORECASE | re.MULTILINE)
_REVERT = re.compile(r'^Revert "(?P<title>.*)"\s*$', re.DOTALL)
_WORD = re.compile(r"[a-z0-9]+")


class AiToolsError(ValueError):
    """The AI tools file is unreadable or malformed; the message names the file and what to fix."""


@dataclass(frozen=True)
class AiTool:
    name: str
    names: tuple[str, ...]  # lower-case words looked for in a co-author's name or email
    bots: tuple[str, ...]  # lower-case GitHub logins of the tool's bot accounts


def load_ai_tools(path: str | Path | None = None) -> tuple[AiTool, ...]:
    """The AI tools from `path` (default: the bundled ai_tools.toml)."""
    where = Path(path) if path else DEFAULT_AI_TOOLS_FILE
    try:
        data = tomllib.loads(where.read_text(encoding="utf-8"))
    except OSError as exc:
        raise AiToolsError(f"{where}: cannot read: {exc.strerror or exc}") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise AiToolsError(f"{where}: not valid TOML: {exc}") from None
    tools = data.get("tools")
    if not isinstance(tools, dict) or not tools:
        raise AiToolsError(f"{where}: needs [tools.<Name>] tables with `names` and `bots` lists")
    found = []
    for name, spec in tools.items():
        names, bots = (spec.get(key, []) if isinstance(spec, dict) else None for key in ("names", "bots"))
        if (
            not isinstance(names, list)
            or not isinstance(bots, list)
            or not all(isinstance(v, str) and v.strip() for v in [*names, *bots])
        ):
            raise AiToolsError(f"{where}: [tools.{name}] `names` and `bots` must be lists of non-empty strings")
        found.append(AiTool(name, tuple(v.strip().lower() for v in names), tuple(v.strip().lower() for v in bots)))
    return tuple(found)


@dataclass(frozen=True)
class CommitFacts:
    message: str
    author_login: str | None
    author_email: str | None


@dataclass(frozen=True)
class PullRequestFacts:
    """What GitHub says about one merged pull request, as the rules need it."""

    repository: str  # owner/name
    number: int
    title: str
    url: str | None
    author_login: str | None
    merged_at: datetime
    base_ref: str
    default_branch: str
    additions: int
    deletions: int
    approvers: tuple[str, ...]  # logins with an APPROVED review
    commits: tuple[CommitFacts, ...]

    @property
    def changed_lines(self) -> int:
        return self.additions + self.deletions


def co_authors(message: str) -> list[str]:
    """The `Co-authored-by:` trailers' values ("Name <email>") of a commit message."""
    return [match.group("who") for match in _TRAILER.finditer(message)]


def ai_tool_of(pr: PullRequestFacts, tools: tuple[AiTool, ...]) -> str | None:
    """The AI tool that helped with `pr` (an AI bot authored it or a commit, or a co-author trailer names one)."""
    by_bot = {bot: tool.name for tool in tools for bot in tool.bots}
    for login in (pr.author_login, *(commit.author_login for commit in pr.commits)):
        if login and login.lower() in by_bot:
            return by_bot[login.lower()]
    for commit in pr.commits:
        for who in co_authors(commit.message):
            words = set(_WORD.findall(who.lower()))
            for tool in tools:
                if words.intersection(tool.names):
                    return tool.name
    return None


def is_bot(login: str | None) -> bool:
    return bool(login) and str(login).lower().endswith("[bot]")


def why_not_counted(pr: PullRequestFacts, *, ai_tool: str | None, author_logins: set[str], matched: bool) -> str | None:
    """None when `pr` counts as verified output; else the first rule it fails, in words."""
    if pr.base_ref != pr.default_branch:
        return f"merged into {pr.base_ref}, not the default branch {pr.default_branch}"
    if not approved_by_another(pr, author_logins):
        return "not approved in review by someone other than its author"
    if pr.changed_lines < MIN_CHANGED_LINES:
        return f"changes {pr.changed_lines} lines (at least {MIN_CHANGED_LINES} count)"
    if ai_tool is None:
        return "no AI co-author trailer or AI bot commit"
    if not matched:
        return "author not in the people file (add github_login)"
    return None


def approved_by_another(pr: PullRequestFacts, author_logins: set[str]) -> bool:
    """An APPROVED review by a person other than the author (a bot's automatic approval is nobody's review)."""
    return any(login.lower() not in author_logins and not is_bot(login) for login in pr.approvers)


def reverted_title(title: str) -> str | None:
    """The original title when `title` is GitHub's `Revert "<title>"`, else None."""
    match = _REVERT.match(title.strip())
    return match.group("title") if match else None


def reverts(revert_merged_at: datetime, original_merged_at: datetime) -> bool:
    """A revert takes the original out only when merged after it and within REVERT_WINDOW."""
    return original_merged_at <= revert_merged_at <= original_merged_at + REVERT_WINDOW


def pr_units(counted_prs: int, per_pr: Decimal = DEFAULT_UNITS_PER_PR) -> Decimal:
    """Work units of a person-week's counted PRs: `per_pr` each, at most MAX_COUNTED_PRS of them."""
    return min(max(counted_prs, 0), MAX_COUNTED_PRS) * per_pr


def endorsement_units(endorsers: int) -> Decimal:
    """Work units of a person-week's endorsements: UNITS_PER_ENDORSER per distinct endorser, capped."""
    return min(max(endorsers, 0) * UNITS_PER_ENDORSER, MAX_ENDORSEMENT_UNITS)


class Refusal(Enum):
    """Why an endorsement is refused; the text is what the person clicking is told."""

    UNKNOWN_PERSON = "Only colleagues in the people file can endorse artifacts."
    NO_ARTIFACT = "That artifact no longer exists."
    NO_LINK = "Only artifacts with a link can be endorsed: there is nothing to open and use."
    OWN_ARTIFACT = "You can't endorse your own artifact."
    ALREADY = "You already endorsed this artifact; it counts once."
    WEEKLY_LIMIT = f"You have endorsed {MAX_ENDORSEMENTS_PER_WEEK} artifacts this week, the most that count."
    SAME_AUTHOR = "You already endorsed something by this colleague this week: one endorsement per author a week."
