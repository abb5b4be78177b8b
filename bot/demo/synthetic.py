"""A synthetic organisation: people in a realistic management tree and their daily AI usage.

Deterministic for a given seed, and streaming: `generate_usage` yields rows one at a time,
so 85,000 people × 13 weeks (about ten million rows) runs in constant memory. Rows carry
tokens only, never a cost: cost comes from the price table, as it does for real CSV imports.
"""

from __future__ import annotations

import csv
import functools
import itertools
import math
import random
import string
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import NamedTuple
from zoneinfo import ZoneInfo


@dataclass(frozen=True)
class SyntheticPerson:
    email: str
    name: str
    team: str
    manager_email: str | None
    slack_user_id: str
    timezone: str


PEOPLE_CSV_HEADER = ("email", "name", "team", "manager_email", "slack_user_id", "timezone")
USAGE_CSV_HEADER = (
    "date",
    "email",
    "provider",
    "model",
    "input_tokens",
    "output_tokens",
    "cached_input_tokens",
    "requests",
)

TEAM_NAMES = (
    "Payments",
    "Search Infra",
    "Data Platform",
    "Identity",
    "Growth",
    "Mobile",
    "Web Platform",
    "Developer Experience",
    "Billing",
    "Risk",
    "Fraud",
    "Trust & Safety",
    "Ads",
    "Recommendations",
    "ML Platform",
    "Observability",
    "Storage",
    "Networking",
    "Security",
    "Compliance",
    "Checkout",
    "Notifications",
    "Messaging",
    "Maps",
    "Design Systems",
    "Analytics",
    "Support Tools",
    "Onboarding",
    "Internal Tools",
    "Release Engineering",
    "Cloud Infrastructure",
    "Database Reliability",
    "API Platform",
    "Partner Integrations",
    "Localization",
    "Accessibility",
    "Pricing",
    "Marketplace",
    "Content",
    "Privacy Engineering",
    "Finance Systems",
    "People Systems",
)

FIRST_NAMES = (
    "James",
    "Mary",
    "Robert",
    "Patricia",
    "John",
    "Jennifer",
    "Michael",
    "Linda",
    "David",
    "Elizabeth",
    "William",
    "Barbara",
    "Richard",
    "Susan",
    "Joseph",
    "Jessica",
    "Thomas",
    "Sarah",
    "Charles",
    "Karen",
    "Daniel",
    "Lisa",
    "Matthew",
    "Nancy",
    "Anthony",
    "Sandra",
    "Mark",
    "Ashley",
    "Steven",
    "Emily",
    "Paul",
    "Michelle",
    "Andrew",
    "Amanda",
    "Joshua",
    "Melissa",
    "Kevin",
    "Rebecca",
    "Brian",
    "Laura",
    "Priya",
    "Arjun",
    "Ananya",
    "Rahul",
    "Deepa",
    "Vikram",
    "Neha",
    "Rohan",
    "Kavya",
    "Aditya",
    "Sanjay",
    "Meera",
    "Ravi",
    "Lakshmi",
    "Hiroshi",
    "Yuki",
    "Kenji",
    "Aiko",
    "Takeshi",
    "Sakura",
    "Haruto",
    "Emi",
    "Wei",
    "Li",
    "Jun",
    "Mei",
    "Chen",
    "Ying",
    "Hao",
    "Xin",
    "Lukas",
    "Anna",
    "Jonas",
    "Lena",
    "Felix",
    "Sophie",
    "Maximilian",
    "Laura",
    "Leon",
    "Hannah",
    "Oliver",
    "Amelia",
    "Harry",
    "Isla",
    "George",
    "Ava",
    "Noah",
    "Mia",
    "Jack",
    "Grace",
    "Mohammed",
    "Fatima",
    "Omar",
    "Aisha",
    "Yusuf",
    "Layla",
    "Ali",
    "Zainab",
    "Hassan",
    "Noor",
    "Carlos",
    "Maria",
    "Jose",
    "Lucia",
    "Diego",
    "Sofia",
    "Javier",
    "Camila",
    "Mateo",
    "Valentina",
    "Kwame",
    "Amara",
    "Chidi",
    "Ngozi",
    "Tunde",
    "Zara",
    "Kofi",
    "Adaeze",
    "Sipho",
    "Thandiwe",
    "Olga",
    "Ivan",
    "Dmitri",
    "Katya",
    "Piotr",
    "Agnieszka",
    "Tomasz",
    "Magda",
    "Erik",
    "Ingrid",
    "Sean",
    "Siobhan",
    "Liam",
    "Aoife",
    "Rory",
    "Niamh",
    "Finn",
    "Maeve",
    "Declan",
    "Orla",
)

LAST_NAMES = (
    "Smith",
    "Johnson",
    "Williams",
    "Brown",
    "Jones",
    "Garcia",
    "Miller",
    "Davis",
    "Rodriguez",
    "Martinez",
    "Hernandez",
    "Lopez",
    "Gonzalez",
    "Wilson",
    "Anderson",
    "Thomas",
    "Taylor",
    "Moore",
    "Jackson",
    "Martin",
    "Lee",
    "Perez",
    "Thompson",
    "White",
    "Harris",
    "Sanchez",
    "Clark",
    "Ramirez",
    "Lewis",
    "Robinson",
    "Walker",
    "Young",
    "Allen",
    "King",
    "Wright",
    "Scott",
    "Torres",
    "Nguyen",
    "Hill",
    "Flores",
    "Patel",
    "Sharma",
    "Gupta",
    "Iyer",
    "Reddy",
    "Nair",
    "Rao",
    "Mehta",
    "Kapoor",
    "Chatterjee",
    "Banerjee",
    "Menon",
    "Desai",
    "Joshi",
    "Sato",
    "Suzuki",
    "Takahashi",
    "Tanaka",
    "Watanabe",
    "Ito",
    "Yamamoto",
    "Nakamura",
    "Kobayashi",
    "Kato",
    "Wang",
    "Zhang",
    "Liu",
    "Chen",
    "Yang",
    "Huang",
    "Zhao",
    "Wu",
    "Zhou",
    "Xu",
    "Muller",
    "Schmidt",
    "Schneider",
    "Fischer",
    "Weber",
    "Meyer",
    "Wagner",
    "Becker",
    "Schulz",
    "Hoffmann",
    "O'Brien",
    "Murphy",
    "Kelly",
    "O'Sullivan",
    "Walsh",
    "Byrne",
    "Ryan",
    "O'Connor",
    "Evans",
    "Hughes",
    "Edwards",
    "Price",
    "Khan",
    "Ahmed",
    "Hussain",
    "Rahman",
    "Haddad",
    "Nasser",
    "Okafor",
    "Adeyemi",
    "Mensah",
    "Okonkwo",
    "Dlamini",
    "Nkosi",
    "Kowalski",
    "Nowak",
    "Wisniewski",
    "Ivanov",
    "Petrov",
    "Smirnov",
    "Johansson",
    "Andersson",
    "Nilsson",
    "Larsen",
    "Hansen",
    "Silva",
    "Santos",
    "Oliveira",
    "Costa",
    "Pereira",
    "Fernandes",
    "Rossi",
    "Russo",
    "Ferrari",
    "Bianchi",
    "Dubois",
    "Moreau",
    "Laurent",
    "Lefebvre",
    "Kim",
    "Park",
    "Choi",
    "Jung",
    "Kang",
    "Cho",
)

# (zone, weight): most of the organisation in the US, sizeable offices in Europe and Asia.
TIMEZONES = (
    ("America/New_York", 30),
    ("America/Los_Angeles", 25),
    ("Europe/London", 12),
    ("Europe/Berlin", 10),
    ("Asia/Kolkata", 12),
    ("Asia/Tokyo", 6),
    ("UTC", 5),
)

# (provider, model, popularity as a person's main model, popularity as an extra model). All are in prices.json.
MODELS = (
    ("anthropic", "claude-sonnet-4-5", 16, 8),
    ("anthropic", "claude-sonnet-4", 8, 5),
    ("anthropic", "claude-opus-4-1", 4, 4),
    ("anthropic", "claude-opus-4", 1, 1),
    ("anthropic", "claude-3-7-sonnet", 2, 2),
    ("anthropic", "claude-haiku-4-5", 3, 6),
    ("anthropic", "claude-3-5-haiku", 1, 3),
    ("anthropic", "claude-3-haiku", 1, 2),
    ("openai", "gpt-5", 12, 6),
    ("openai", "gpt-5-mini", 7, 7),
    ("openai", "gpt-5-nano", 1, 3),
    ("openai", "gpt-4.1", 5, 4),
    ("openai", "gpt-4.1-mini", 4, 5),
    ("openai", "gpt-4.1-nano", 1, 2),
    ("openai", "gpt-4o", 6, 4),
    ("openai", "gpt-4o-mini", 5, 6),
    ("openai", "o3", 3, 4),
    ("openai", "o4-mini", 2, 4),
    ("openai", "o3-mini", 1, 2),
    ("openai", "o1", 1, 1),
    ("openai", "text-embedding-3-small", 0, 4),
    ("openai", "text-embedding-3-large", 0, 2),
)
_EMBEDDING_MODELS = frozenset(model for _, model, _, _ in MODELS if model.startswith("text-embedding"))
_MODEL_INDEXES = range(len(MODELS))
# Agentic coders (Claude Code and the like) lean towards Anthropic models for their main one.
_MAIN_CUM = tuple(itertools.accumulate(main for _, _, main, _ in MODELS))
_AGENTIC_MAIN_CUM = tuple(
    itertools.accumulate(main * (3 if provider == "anthropic" else 1) for provider, _, main, _ in MODELS)
)
_EXTRA_CUM = tuple(itertools.accumulate(extra for _, _, _, extra in MODELS))

# Usage tiers: (name, share of people, median tokens per active day, spread (log-normal sigma),
# chance of being active on a weekday, on a weekend day). The rest of the people (~15 %) are inactive.
_TIERS = (
    ("light", 0.57, 40_000, 1.0, 0.90, 0.35),
    ("regular", 0.22, 600_000, 0.8, 0.94, 0.45),
    ("tokenmaxxer", 0.06, 12_000_000, 1.0, 0.98, 0.75),
)
_SLACK_ID_ALPHABET = string.ascii_uppercase + string.digits


def generate_people(count: int, *, seed: int = 7, max_depth: int = 8) -> list[SyntheticPerson]:
    """`count` people in one management tree (a CEO at the top, spans of about 5–10, at most `max_depth` levels)."""
    if count < 0:
        raise ValueError("count must not be negative")
    if max_depth < 1:
        raise ValueError("max_depth must be at least 1")
    if count == 0:
        return []
    if max_depth == 1 and count > 1:
        raise ValueError("max_depth 1 allows only one person")
    rng = random.Random(f"buildboard-people:{seed}")

    # Widen the largest span only when `count` cannot fit under `max_depth` levels with spans up to 10.
    max_span = 10
    while _subtree_capacity(max_span, max_depth - 1) + 1 < count:
        max_span += 1

    parents: list[int] = [-1]  # parent index per person, in depth-first order (managers before their reports)
    _grow(rng, parents, 0, count - 1, max_depth - 1, max_span)

    has_reports = [False] * count
    for parent in parents[1:]:
        has_reports[parent] = True

    namer = _Namer(rng)
    zones = [zone for zone, _ in TIMEZONES]
    zone_weights = [weight for _, weight in TIMEZONES]
    team_uses: dict[str, int] = {}
    team_deck: list[str] = []
    slack_ids: set[str] = set()
    people: list[SyntheticPerson] = []
    for index, parent in enumerate(parents):
        name, email = namer.next()
        if parent < 0:
            team = "Executive"
        elif has_reports[index]:
            if not team_deck:
                team_deck = list(TEAM_NAMES)
                rng.shuffle(team_deck)
            base = team_deck.pop()
            team_uses[base] = team_uses.get(base, 0) + 1
            team = base if team_uses[base] == 1 else f"{base} {team_uses[base]}"
        else:
            team = people[parent].team
        # People mostly sit in their manager's office.
        if parent >= 0 and rng.random() < 0.75:
            zone = people[parent].timezone
        else:
            zone = rng.choices(zones, zone_weights)[0]
        while True:
            slack_id = "U" + "".join(rng.choices(_SLACK_ID_ALPHABET, k=8))
            if slack_id not in slack_ids:
                slack_ids.add(slack_id)
                break
        people.append(
            SyntheticPerson(
                email=email,
                name=name,
                team=team,
                manager_email=people[parent].email if parent >= 0 else None,
                slack_user_id=slack_id,
                timezone=zone,
            )
        )
    return people


def _subtree_capacity(span: int, levels: int) -> int:
    """How many people fit below one manager with `levels` levels beneath them."""
    return sum(span**level for level in range(1, levels + 1))


def _grow(rng: random.Random, parents: list[int], manager: int, below: int, levels: int, max_span: int) -> None:
    """Place `below` people under `manager` within `levels` levels, appending them to `parents`."""
    if below <= 0:
        return
    if levels == 1 or below <= 10:
        shares = [0] * below  # a team of individual contributors
    else:
        child_capacity = _subtree_capacity(max_span, levels - 1)
        directs = min(below, max(math.ceil(below / (1 + child_capacity)), rng.randint(5, 10)))
        rest = below - directs
        if 0 < rest < 5:
            # No manager of one or two: a sub-team gets at least five people.
            directs, rest = below - 5, 5
        # Sub-managers of teams of five or more; a few directs stay individual contributors (staff, leads).
        needed = math.ceil(rest / child_capacity)
        managers = sum(1 for _ in range(min(directs, rest // 5)) if rng.random() >= 0.12)
        managers = min(directs, max(managers, needed, 1 if rest else 0))
        shares = _split(rng, rest, managers, child_capacity) + [0] * (directs - managers)
        rng.shuffle(shares)
    for share in shares:
        index = len(parents)
        parents.append(manager)
        _grow(rng, parents, index, share, levels - 1, max_span)


def _split(rng: random.Random, total: int, parts: int, capacity: int) -> list[int]:
    """Split `total` people into `parts` roughly even subtrees of at most `capacity` each."""
    if parts == 0:
        return []
    base = min(5, total // parts, capacity)
    shares = [base] * parts
    weights = [0.6 + 0.8 * rng.random() for _ in range(parts)]
    remaining = total - base * parts
    while remaining > 0:
        open_parts = [i for i in range(parts) if shares[i] < capacity]
        weight_sum = sum(weights[i] for i in open_parts)
        exact = {i: remaining * weights[i] / weight_sum for i in open_parts}
        given = 0
        for i in open_parts:
            add = min(int(exact[i]), capacity - shares[i])
            shares[i] += add
            given += add
        # Hand out what rounding left over, largest fractions first.
        for i in sorted(open_parts, key=lambda i: exact[i] - int(exact[i]), reverse=True):
            if given >= remaining:
                break
            if shares[i] < capacity:
                shares[i] += 1
                given += 1
        remaining -= given
    return shares


class _Namer:
    """Unique full names (a middle initial tells namesakes apart) and first.last[N]@example.com emails."""

    def __init__(self, rng: random.Random) -> None:
        self._rng = rng
        self._names: set[str] = set()
        self._email_uses: dict[str, int] = {}

    def next(self) -> tuple[str, str]:
        rng = self._rng
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        name = f"{first} {last}"
        if name in self._names:
            start = rng.randrange(26)
            initials = string.ascii_uppercase[start:] + string.ascii_uppercase[:start]
            name = next(
                candidate
                for candidate in itertools.chain(
                    (f"{first} {a}. {last}" for a in initials),
                    (f"{first} {a}. {b}. {last}" for a in initials for b in initials),
                )
                if candidate not in self._names
            )
        self._names.add(name)
        local = f"{_email_part(first)}.{_email_part(last)}"
        uses = self._email_uses.get(local, 0) + 1
        self._email_uses[local] = uses
        email = f"{local}{uses if uses > 1 else ''}@example.com"
        return name, email


@functools.cache
def _email_part(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return "".join(ch for ch in ascii_text.lower() if ch.isalnum())


class _ModelHabit(NamedTuple):
    provider: str
    model: str
    use_chance: float  # on a day the person is active; 1.0 for their main model
    least_share: float  # of the person's daily tokens, before the day's random spread
    share_spread: float
    output_ratio: float
    cached_ratio: float  # below 0.87, so that with the ±15 % jitter cached never exceeds input
    tokens_per_request: int


class _UsageProfile(NamedTuple):
    email: str
    daily_tokens: float
    weekday_chance: float
    weekend_chance: float
    spike_week: int
    spike_factor: float
    habits: tuple[_ModelHabit, ...]


def usage_days(weeks: int, end_date: date) -> list[date]:
    """The days of `weeks` full ISO weeks (Monday–Sunday) ending on the Sunday on or before `end_date`."""
    if weeks < 0:
        raise ValueError("weeks must not be negative")
    last_sunday = end_date - timedelta(days=(end_date.weekday() + 1) % 7)
    first_monday = last_sunday - timedelta(days=7 * weeks - 1)
    return [first_monday + timedelta(days=offset) for offset in range(7 * weeks)]


def generate_usage(people: list[SyntheticPerson], *, weeks: int, end_date: date, seed: int = 7) -> Iterator[dict]:
    """Daily usage rows (one per active person·day·model), oldest day first; tokens only, no cost."""
    rng = random.Random(f"buildboard-usage:{seed}")
    days = usage_days(weeks, end_date)
    profiles = [profile for person in people if (profile := _usage_profile(rng, person, weeks)) is not None]
    # A few organisation-wide spike weeks (a hackathon, a launch crunch).
    org_spikes = [1.0] * weeks
    for week in rng.sample(range(weeks), k=min(weeks, max(1, weeks // 6))) if weeks else ():
        org_spikes[week] = 1.4 + 0.6 * rng.random()
    return _usage_rows(rng, profiles, days, org_spikes)


def _usage_rows(
    rng: random.Random, profiles: list[_UsageProfile], days: list[date], org_spikes: list[float]
) -> Iterator[dict]:
    # The hot loop runs ten million times for the benchmark organisation, so it saves every step it can:
    # tuple unpacking, and a draw that passed a chance test is reused (draw / chance is again uniform).
    draw = rng.random
    for day_index, day in enumerate(days):
        week = day_index // 7
        weekend = day.weekday() >= 5
        day_factor = org_spikes[week] * (0.45 if weekend else 1.0)
        for email, daily_tokens, weekday_chance, weekend_chance, spike_week, spike_factor, habits in profiles:
            chance = weekend_chance if weekend else weekday_chance
            spread = draw()
            if spread >= chance:
                continue
            spread /= chance
            volume = daily_tokens * day_factor
            if spike_week == week:
                volume *= spike_factor
            for provider, model, use_chance, least, span, output_ratio, cached_ratio, per_request in habits:
                if use_chance < 1.0:
                    spread = draw()
                    if spread >= use_chance:
                        continue
                    spread /= use_chance
                input_tokens = int(volume * (least + span * spread)) + 1
                jitter = 0.85 + 0.3 * draw()
                yield {
                    "date": day,
                    "email": email,
                    "provider": provider,
                    "model": model,
                    "input_tokens": input_tokens,
                    "cached_input_tokens": int(input_tokens * cached_ratio * jitter),
                    "output_tokens": int(input_tokens * output_ratio * (2.0 - jitter)),
                    "requests": input_tokens // per_request + 1,
                }


def _usage_profile(rng: random.Random, person: SyntheticPerson, weeks: int) -> _UsageProfile | None:
    roll = rng.random()
    for chosen_tier in _TIERS:
        if roll < chosen_tier[1]:
            break
        roll -= chosen_tier[1]
    else:
        return None  # inactive this period
    tier, _, median, sigma, weekday_chance, weekend_chance = chosen_tier
    agentic = tier == "tokenmaxxer" or (tier == "regular" and rng.random() < 0.4)
    model_count = rng.choices((1, 2, 3), cum_weights=(25, 65, 100))[0]
    chosen = [rng.choices(_MODEL_INDEXES, cum_weights=_AGENTIC_MAIN_CUM if agentic else _MAIN_CUM)[0]]
    while len(chosen) < model_count:
        extra = rng.choices(_MODEL_INDEXES, cum_weights=_EXTRA_CUM)[0]
        if extra not in chosen:
            chosen.append(extra)
    habits = []
    for rank, model_index in enumerate(chosen):
        provider, model, _, _ = MODELS[model_index]
        embedding = model in _EMBEDDING_MODELS
        if embedding:
            output_ratio, cached_ratio, per_request = 0.0, 0.0, rng.randint(400, 3_000)
        elif agentic:
            output_ratio = rng.uniform(0.02, 0.08)
            cached_ratio = rng.uniform(0.6, 0.86)
            per_request = rng.randint(15_000, 60_000)
        else:
            output_ratio = rng.uniform(0.08, 0.3)
            cached_ratio = rng.uniform(0.0, 0.45)
            per_request = rng.randint(1_500, 12_000)
        share = (1.0, 0.35, 0.15)[rank]
        habits.append(
            _ModelHabit(
                provider=provider,
                model=model,
                use_chance=1.0 if rank == 0 else 0.7,
                least_share=0.35 * share,
                share_spread=1.3 * share,
                output_ratio=output_ratio,
                cached_ratio=cached_ratio,
                tokens_per_request=per_request,
            )
        )
    spiky = weeks > 0 and rng.random() < 0.08
    return _UsageProfile(
        email=person.email,
        # Heavy-tailed, but capped: nobody burns a thousand times the median.
        daily_tokens=min(rng.lognormvariate(math.log(median), sigma), 8 * median),
        weekday_chance=weekday_chance,
        weekend_chance=weekend_chance,
        spike_week=rng.randrange(weeks) if spiky else -1,
        spike_factor=rng.uniform(2.0, 4.0) if spiky else 1.0,
        habits=tuple(habits),
    )


def write_people_csv(people: Iterable[SyntheticPerson], path: str | Path) -> None:
    """The people CSV that `buildboard org import` reads."""
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(PEOPLE_CSV_HEADER)
        for person in people:
            writer.writerow(
                (
                    person.email,
                    person.name,
                    person.team,
                    person.manager_email or "",
                    person.slack_user_id,
                    person.timezone,
                )
            )


def write_usage_csv(rows: Iterable[dict], path: str | Path) -> int:
    """The usage CSV that `buildboard usage import` reads; returns the number of rows written."""
    count = 0
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(USAGE_CSV_HEADER)
        for row in rows:
            day = row["date"]
            writer.writerow(
                (
                    day.isoformat() if isinstance(day, date) else day,
                    row["email"],
                    row["provider"],
                    row["model"],
                    row["input_tokens"],
                    row["output_tokens"],
                    row.get("cached_input_tokens", 0),
                    row.get("requests", 0),
                )
            )
            count += 1
    return count


def slack_users(people: Iterable[SyntheticPerson], *, at: datetime | None = None) -> list[dict]:
    """The people as Slack's users.info `user` objects, for a Slack stand-in. `tz_offset` is taken at `at`."""
    moment = at or datetime.now(UTC)
    offsets: dict[str, int] = {}
    users = []
    for person in people:
        if person.timezone not in offsets:
            offset = moment.astimezone(ZoneInfo(person.timezone)).utcoffset()
            offsets[person.timezone] = int(offset.total_seconds()) if offset is not None else 0
        handle = person.email.split("@", 1)[0]
        display = person.name.split(" ", 1)[0]
        users.append(
            {
                "id": person.slack_user_id,
                "name": handle,
                "real_name": person.name,
                "tz": person.timezone,
                "tz_offset": offsets[person.timezone],
                "deleted": False,
                "is_bot": False,
                "profile": {"email": person.email, "real_name": person.name, "display_name": display},
            }
        )
    return users
