"""Titles: the fun part people talk about, given to people who show their work.

Pure: the rule file model, its loader and `award_titles`. The default rules ship as
titles.toml next to this module; BUILDBOARD_TITLES_FILE points at an operator's own file.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Callable, Container, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from operator import attrgetter
from pathlib import Path

from bot.domain.claims import has_output
from bot.domain.stats import PersonWeek

DEFAULT_RULES_FILE = Path(__file__).with_name("titles.toml")

METRICS = (
    "tokens",
    "spend_usd",
    "active_days",
    "artifacts",
    "work_units",
    "cost_per_work_unit",
    "work_units_gain",
    "first_artifact",
)
TIE_BREAKS = ("longest_streak", "tokens", "spend_usd", "active_days", "artifacts", "work_units", "cost_per_work_unit")
DIRECTIONS = ("highest", "lowest")
REQUIRES_ARTIFACT = ("always", "setting", "never")
WINNERS = ("one", "all")
_MINIMUMS = ("min_tokens", "min_spend_usd", "min_active_days", "min_artifacts", "min_work_units", "min_value")
_REQUIRED = ("key", "name", "metric")
_KNOWN = set(_REQUIRED) | {
    "emoji",
    "description",
    "direction",
    "requires_artifact",
    "winners",
    "tie_break",
    *_MINIMUMS,
}
_KEY = re.compile(r"^[a-z0-9_]{1,64}$")


class TitleRulesError(ValueError):
    """The titles file is wrong; the message names the file, the title and the field."""


@dataclass(frozen=True)
class TitleRule:
    """One title from the rule file."""

    key: str
    name: str
    metric: str
    emoji: str = ""
    description: str = ""
    direction: str = "highest"
    requires_artifact: str = "always"
    winners: str = "one"
    tie_break: tuple[str, ...] = ()
    min_tokens: int = 0
    min_spend_usd: Decimal = Decimal(0)
    min_active_days: int = 0
    min_artifacts: int = 0
    min_work_units: Decimal = Decimal(0)
    min_value: Decimal | None = None

    def needs_artifact(self, require_artifact_setting: bool) -> bool:
        return self.requires_artifact == "always" or (self.requires_artifact == "setting" and require_artifact_setting)


@dataclass(frozen=True)
class TitleAward:
    """A title held by a person for a week; `streak_weeks` 3 reads "3rd week running"."""

    title_key: str
    name: str
    emoji: str
    person_id: int
    metric_value: Decimal
    streak_weeks: int = 1


@dataclass(frozen=True)
class TitleHistory:
    """What the rules need from before this week."""

    first_artifact_people: frozenset[int] = frozenset()  # whose first-ever artifact is in this week
    previous_holders: Mapping[str, Mapping[int, int]] = field(default_factory=dict)  # title → person → streak


# -- the rule file ---------------------------------------------------------------------------------------------


def load_rules(path: str | Path | None = None) -> list[TitleRule]:
    """The rules from `path` (default: the bundled titles.toml); TitleRulesError says what to fix."""
    source = Path(path) if path else DEFAULT_RULES_FILE
    try:
        raw = source.read_bytes()
    except OSError as exc:
        raise TitleRulesError(f"titles file {source}: cannot read it ({exc.strerror or exc})") from None
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise TitleRulesError(f"titles file {source}: not valid TOML ({exc})") from None
    return parse_rules(data, str(source))


def parse_rules(data: Mapping[str, object], source: str = "titles file") -> list[TitleRule]:
    """Rules from parsed TOML: a `[[title]]` array of tables."""
    entries = data.get("title")
    unknown_top = sorted(set(data) - {"title"})
    if unknown_top:
        raise TitleRulesError(f"titles file {source}: unknown top-level field {unknown_top[0]!r}; use [[title]] tables")
    if not isinstance(entries, list) or not entries:
        raise TitleRulesError(f"titles file {source}: no titles; add at least one [[title]] table")
    rules: list[TitleRule] = []
    seen: set[str] = set()
    for index, entry in enumerate(entries, start=1):
        rule = _parse_rule(entry, f"titles file {source}: title {index}")
        if rule.key in seen:
            raise TitleRulesError(f"titles file {source}: title {index}: field 'key': {rule.key!r} is used twice")
        seen.add(rule.key)
        rules.append(rule)
    return rules


def _parse_rule(entry: object, where: str) -> TitleRule:
    if not isinstance(entry, dict):
        raise TitleRulesError(f"{where}: must be a table")
    if isinstance(entry.get("key"), str):
        where = f"{where} ({entry['key']})"
    for name in _REQUIRED:
        if name not in entry:
            raise TitleRulesError(f"{where}: field {name!r} is missing")
    unknown = sorted(set(entry) - _KNOWN)
    if unknown:
        raise TitleRulesError(f"{where}: unknown field {unknown[0]!r} (known: {', '.join(sorted(_KNOWN))})")

    def text(name: str, default: str = "", choices: Sequence[str] | None = None) -> str:
        value = entry.get(name, default)
        if not isinstance(value, str):
            raise TitleRulesError(f"{where}: field {name!r} must be text, got {value!r}")
        if choices is not None and value not in choices:
            raise TitleRulesError(f"{where}: field {name!r}: {value!r} is not one of {', '.join(choices)}")
        return value

    def number(name: str) -> Decimal | None:
        if name not in entry:
            return None
        value = entry[name]
        if isinstance(value, bool) or not isinstance(value, int | float | str):
            raise TitleRulesError(f"{where}: field {name!r} must be a number, got {value!r}")
        try:
            parsed = Decimal(str(value))
        except InvalidOperation:
            raise TitleRulesError(f"{where}: field {name!r} must be a number, got {value!r}") from None
        if not parsed.is_finite() or parsed < 0:
            raise TitleRulesError(f"{where}: field {name!r} must be a number of at least 0, got {value!r}")
        return parsed

    key = text("key")
    if not _KEY.match(key):
        raise TitleRulesError(f"{where}: field 'key': {key!r} must be 1–64 lower-case letters, digits or _")
    name = text("name")
    if not name.strip() or len(name) > 80:
        raise TitleRulesError(f"{where}: field 'name' must be 1–80 characters")
    tie_break = entry.get("tie_break", [])
    if not isinstance(tie_break, list) or not all(isinstance(t, str) for t in tie_break):
        raise TitleRulesError(f"{where}: field 'tie_break' must be a list of metric names")
    for item in tie_break:
        if item not in TIE_BREAKS:
            raise TitleRulesError(f"{where}: field 'tie_break': {item!r} is not one of {', '.join(TIE_BREAKS)}")
    minimums = {m: number(m) for m in _MINIMUMS}
    for whole in ("min_tokens", "min_active_days", "min_artifacts"):
        minimum = minimums[whole]
        if minimum is not None and minimum != minimum.to_integral():
            raise TitleRulesError(f"{where}: field {whole!r} must be a whole number")
    return TitleRule(
        key=key,
        name=name,
        metric=text("metric", choices=METRICS),
        emoji=text("emoji"),
        description=text("description"),
        direction=text("direction", "highest", DIRECTIONS),
        requires_artifact=text("requires_artifact", "always", REQUIRES_ARTIFACT),
        winners=text("winners", "one", WINNERS),
        tie_break=tuple(tie_break),
        min_tokens=int(minimums["min_tokens"] or 0),
        min_spend_usd=minimums["min_spend_usd"] or Decimal(0),
        min_active_days=int(minimums["min_active_days"] or 0),
        min_artifacts=int(minimums["min_artifacts"] or 0),
        min_work_units=minimums["min_work_units"] or Decimal(0),
        min_value=minimums["min_value"],
    )


# -- awarding --------------------------------------------------------------------------------------------------

LongestRuns = Callable[[Sequence[int]], Mapping[int, int]]


def _break_ties(
    rule: TitleRule,
    tied: list[PersonWeek],
    previous_weeks: Mapping[int, PersonWeek],
    history: TitleHistory,
    longest_runs: LongestRuns | None,
) -> list[PersonWeek]:
    for criterion in rule.tie_break:
        if len(tied) <= 1:
            break
        if criterion == "longest_streak":
            # Only the tied few are looked up (a day list per person), never the whole organisation.
            runs = longest_runs([w.person_id for w in tied]) if longest_runs else {}
            scores = {w.person_id: Decimal(runs.get(w.person_id, w.longest_streak)) for w in tied}
        elif criterion == "cost_per_work_unit":
            scores = {
                w.person_id: -w.cost_per_work_unit if w.cost_per_work_unit is not None else Decimal("-Infinity")
                for w in tied
            }
        else:
            metric = _metric_reader(criterion, previous_weeks, history)
            scores = {w.person_id: Decimal(value) if (value := metric(w)) is not None else Decimal(0) for w in tied}
        best = max(scores.values())
        tied = [w for w in tied if scores[w.person_id] == best]
    return tied


def _metric_reader(
    metric: str, previous_weeks: Mapping[int, PersonWeek], history: TitleHistory
) -> Callable[[PersonWeek], Decimal | int | None]:
    """The rule's metric of a person's week as it is stored (an int or a Decimal; None: the rule does not apply).

    No Decimal is made of each person's int: the awards make one of the winners' values only. Ints and Decimals
    compare exactly, so the order, the ties and `min_value` are those of the values as Decimals.
    """
    if metric in ("tokens", "spend_usd", "active_days", "artifacts", "work_units"):
        return attrgetter(metric)
    if metric == "cost_per_work_unit":
        return attrgetter("cost_per_work_unit")
    if metric == "work_units_gain":
        zero = Decimal(0)

        def gain(week: PersonWeek) -> Decimal:
            previous = previous_weeks.get(week.person_id)
            return Decimal(week.work_units) - (Decimal(previous.work_units) if previous else zero)

        return gain
    if metric == "first_artifact":
        first = history.first_artifact_people
        return lambda week: 1 if week.person_id in first else None
    raise ValueError(f"unknown metric {metric!r}")


def _meeting_minimums(rule: TitleRule, weeks: list[PersonWeek]) -> list[PersonWeek]:
    """`weeks` that meet every minimum of the rule (tokens, active days, artifacts, spend, work units)."""
    tokens, days, artifacts = rule.min_tokens, rule.min_active_days, rule.min_artifacts
    spend, units = rule.min_spend_usd, rule.min_work_units
    return [
        w
        for w in weeks
        if w.tokens >= tokens
        and w.active_days >= days
        and w.artifacts >= artifacts
        and w.spend_usd >= spend
        and w.work_units >= units
    ]


def award_titles(
    weeks: Iterable[PersonWeek],
    previous_weeks: Mapping[int, PersonWeek],
    history: TitleHistory,
    *,
    rules: Sequence[TitleRule],
    require_artifact: bool = True,
    eligible: Container[int] | None = None,
    longest_runs: LongestRuns | None = None,
) -> list[TitleAward]:
    """Who holds which title this week.

    Titles are public, so only people with counted output that week (work units above 0) hold one,
    whatever the rule says: tokens or active days alone never win a title (`requires_artifact`
    then only decides whether at least one counted artifact is needed besides). `eligible` (default
    everyone) leaves out people who may not be named in public (opted out, departed, deactivated):
    their title goes to the next eligible person. Full ties after every tie-break share the title.

    Each rule is one pass over the candidates (a digest has some 10,000 at 85,000 people): minimums
    first, then the metric as stored; only the holders' values become Decimals.
    """
    candidates = [w for w in weeks if has_output(w.work_units) and (eligible is None or w.person_id in eligible)]
    sharers = [w for w in candidates if w.artifacts > 0]  # most titles only look at these
    awards: list[TitleAward] = []
    for rule in rules:
        metric = _metric_reader(rule.metric, previous_weeks, history)
        floor = rule.min_value
        scored = [
            (week, value)
            for week in _meeting_minimums(rule, sharers if rule.needs_artifact(require_artifact) else candidates)
            if (value := metric(week)) is not None and (floor is None or value >= floor)
        ]
        if not scored:
            continue
        if rule.winners == "all":
            holders = [(w, Decimal(v)) for w, v in scored]
        else:
            pick = max if rule.direction == "highest" else min
            best = pick(v for _, v in scored)
            tied = [w for w, v in scored if v == best]
            holders = [(w, Decimal(best)) for w in _break_ties(rule, tied, previous_weeks, history, longest_runs)]
        before = history.previous_holders.get(rule.key, {})
        for week, value in sorted(holders, key=lambda h: h[0].person_id):
            awards.append(
                TitleAward(
                    title_key=rule.key,
                    name=rule.name,
                    emoji=rule.emoji,
                    person_id=week.person_id,
                    metric_value=value,
                    streak_weeks=before.get(week.person_id, 0) + 1,
                )
            )
    return awards


def ordinal(n: int) -> str:
    """1st, 2nd, 3rd, 4th, 11th, 21st."""
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def longest_run(days: Iterable[date]) -> int:
    """The longest run of consecutive dates in `days`."""
    ordered = sorted(set(days))
    best = run = 0
    previous = None
    for day in ordered:
        run = run + 1 if previous is not None and (day - previous).days == 1 else 1
        best = max(best, run)
        previous = day
    return best
