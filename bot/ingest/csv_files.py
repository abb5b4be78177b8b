"""Reading the people and usage files (CSV, or JSON Lines for usage) into records.

Parsing never touches the database: it yields records and collects problems, so the
caller can refuse the whole file when anything is wrong.
"""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Collection, Iterator
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.domain.model_names import normalise_model_name
from bot.ingest.errors import ProblemCollector
from bot.ingest.records import PersonRecord, UsageRecord
from bot.ingest.text_files import reading_encoding

PEOPLE_REQUIRED = ("email", "name", "team", "manager_email")
PEOPLE_OPTIONAL = ("slack_user_id", "timezone", "seats", "github_login")
USAGE_REQUIRED = ("date", "email", "provider", "model", "input_tokens", "output_tokens")
USAGE_OPTIONAL = ("cached_input_tokens", "requests", "cost_usd")

_EMAIL = re.compile(r"^[^@\s,;<>]+@[^@\s,;<>]+\.[^@\s,;<>]+$")
_SLACK_USER = re.compile(r"^[UW][A-Z0-9]{2,30}$")
_GITHUB_LOGIN = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){0,38}$")
_PROVIDER = re.compile(r"^[a-z][a-z0-9_\-]{0,31}$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_NOT_IN_ORG = frozenset({"false", "0", "no"})  # `in_org` as `buildboard export people` writes it (CSV: False)


def normalise_email(value: str) -> str:
    return value.strip().lower()


def _open_csv(
    path: Path,
    problems: ProblemCollector,
    required: tuple[str, ...],
    optional: tuple[str, ...],
    notes: list[str] | None = None,
):
    handle = path.open(newline="", encoding=reading_encoding(path))
    reader = csv.DictReader(handle)
    header = [h.strip() for h in (reader.fieldnames or [])]
    reader.fieldnames = header
    missing = [name for name in required if name not in header]
    if not header:
        problems.add(1, "header", f"the file is empty; the first line must be the header {','.join(required)}")
    elif missing:
        problems.add(
            1, "header", f"missing column(s) {', '.join(missing)}; expected {','.join(required)}[,{','.join(optional)}]"
        )
    unknown = [h for h in header if h and h not in required and h not in optional]
    if header and unknown and notes is not None:
        # An export's own columns (in_org, matched, total_tokens, …) and any other extra: read past, said once.
        notes.append(f"ignored column{'s' if len(unknown) > 1 else ''} {', '.join(unknown)}")
    return handle, reader


def read_people(
    path: str | Path, notes: list[str] | None = None, *, seat_plans: Collection[str] | None = None
) -> list[PersonRecord]:
    """All people in the file; raises BadImportFile listing every problem (line and field).

    `notes` receives what was read past: extra columns, and the people `buildboard export people`
    lists as departed (`in_org` false), who are not part of the org chart.
    `seat_plans`: the plans of the seats file, against which a `seats` column is checked.
    """
    path = Path(path)
    problems = ProblemCollector(str(path))
    if not path.is_file():
        problems.add(0, "file", "no such file")
        problems.raise_if_any()
    handle, reader = _open_csv(path, problems, PEOPLE_REQUIRED, PEOPLE_OPTIONAL, notes if notes is not None else [])
    records: list[PersonRecord] = []
    seen: dict[str, int] = {}
    slack_seen: dict[str, int] = {}
    github_seen: dict[str, int] = {}
    departed = 0
    with handle:
        if problems:
            problems.raise_if_any()
        header = list(reader.fieldnames or ())
        width = len(header)
        at = {name: index for index, name in enumerate(header)}
        email_at, name_at, team_at, manager_at = (at[name] for name in PEOPLE_REQUIRED)
        slack_at, timezone_at, seats_at, github_at = (at.get(name) for name in PEOPLE_OPTIONAL)
        in_org_at = at.get("in_org")
        zones: set[str] = set()  # the time zones already found valid
        rows = reader.reader  # the plain csv.reader under the DictReader, past the header: no dict per row
        for row in rows:
            if not row:
                continue  # a blank line, which DictReader skips too
            line = rows.line_num
            if len(row) != width:
                more = "more" if len(row) > width else "fewer"
                problems.add(line, "row", f"has {more} fields than the header ({len(row)}, not {width})")
                continue
            if in_org_at is not None and row[in_org_at].strip().lower() in _NOT_IN_ORG:
                departed += 1
                continue
            email = normalise_email(row[email_at])
            if not _EMAIL.match(email):
                problems.add(line, "email", f"{email!r} is not an email address")
            elif email in seen:
                problems.add(line, "email", f"{email} is already on line {seen[email]}")
            else:
                seen[email] = line
            name = row[name_at].strip()
            if not name:
                problems.add(line, "name", "is empty")
            team = row[team_at].strip()
            if not team:
                problems.add(line, "team", "is empty")
            manager = normalise_email(row[manager_at]) or None
            if manager and not _EMAIL.match(manager):
                problems.add(line, "manager_email", f"{manager!r} is not an email address")
            slack_id = (row[slack_at].strip() or None) if slack_at is not None else None
            if slack_id:
                if not _SLACK_USER.match(slack_id):
                    problems.add(line, "slack_user_id", f"{slack_id!r} is not a Slack user id (like U012AB3CD)")
                elif slack_id in slack_seen:
                    problems.add(line, "slack_user_id", f"{slack_id} is already on line {slack_seen[slack_id]}")
                else:
                    slack_seen[slack_id] = line
            timezone = (row[timezone_at].strip() or None) if timezone_at is not None else None
            if timezone and timezone not in zones:
                try:
                    ZoneInfo(timezone)
                    zones.add(timezone)
                except (ZoneInfoNotFoundError, ValueError):
                    problems.add(line, "timezone", f"{timezone!r} is not an IANA time zone (like Europe/Berlin)")
            seats = None
            if seats_at is not None:
                seats = tuple(p.strip().lower() for p in row[seats_at].split(";") if p.strip())
                for plan in seats:
                    if seat_plans is not None and plan not in seat_plans:
                        problems.add(
                            line, "seats", f"{plan!r} is not a plan of the seats file ({', '.join(sorted(seat_plans))})"
                        )
            github_login = None
            if github_at is not None:
                github_login = row[github_at].strip().removeprefix("@").lower() or None
            if github_login:
                if not _GITHUB_LOGIN.match(github_login):
                    problems.add(line, "github_login", f"{github_login!r} is not a GitHub login (like octo-cat)")
                elif github_login in github_seen:
                    problems.add(line, "github_login", f"{github_login} is already on line {github_seen[github_login]}")
                else:
                    github_seen[github_login] = line
            records.append(
                PersonRecord(
                    line, email, name, team, manager, slack_id, timezone, seats=seats, github_login=github_login
                )
            )
    if departed and notes is not None:
        notes.append(f"{departed} {'person' if departed == 1 else 'people'} with in_org false left out (departed)")
    by_email = {r.email: r for r in records}
    for record in records:
        if record.manager_email and record.manager_email not in by_email:
            problems.add(record.line, "manager_email", f"{record.manager_email} is not in the file")
        if record.manager_email == record.email:
            problems.add(record.line, "manager_email", "a person cannot be their own manager")
    _check_no_cycles(by_email, problems)  # with the other problems: every one is reported at once
    if not records and not problems:
        problems.add(2, "file", "has a header but no people")
    problems.raise_if_any()
    return records


def _check_no_cycles(by_email: dict[str, PersonRecord], problems: ProblemCollector) -> None:
    settled: set[str] = set()
    for start in by_email:
        path: list[str] = []
        on_path: set[str] = set()
        current: str | None = start
        # A manager not in the file, or oneself, is reported on its own line, not as a cycle.
        while current and current not in settled and current in by_email:
            if current in on_path:
                cycle = path[path.index(current) :] + [current]
                problems.add(by_email[current].line, "manager_email", "management cycle: " + " → ".join(cycle))
                break
            path.append(current)
            on_path.add(current)
            manager = by_email[current].manager_email
            current = manager if manager != current else None
        settled.update(path)


def _int_field(value: str | None, line: int, field: str, problems: ProblemCollector, *, required: bool) -> int:
    if value is None or value == "":
        if required:
            problems.add(line, field, "is empty")
        return 0
    try:
        number = int(value)
    except (TypeError, ValueError):
        problems.add(line, field, f"{value!r} is not a whole number")
        return 0
    if number < 0:
        problems.add(line, field, f"{number} is negative")
        return 0
    return number


def _record_from_fields(row: dict, line: int, problems: ProblemCollector) -> UsageRecord | None:
    before = len(problems.problems) + problems.more
    raw_date = str(row.get("date") or "").strip()
    day = date.min
    if not _DATE.match(raw_date):
        problems.add(line, "date", f"{raw_date!r} is not a date like 2026-11-23")
    else:
        try:
            day = date.fromisoformat(raw_date)
        except ValueError:
            problems.add(line, "date", f"{raw_date!r} is not a real date")
    email = normalise_email(str(row.get("email") or ""))
    if not _EMAIL.match(email):
        problems.add(line, "email", f"{email!r} is not an email address")
    provider = str(row.get("provider") or "").strip().lower()
    if not _PROVIDER.match(provider):
        problems.add(line, "provider", f"{provider!r} is not a provider name (like openai or anthropic)")
    model = normalise_model_name(str(row.get("model") or ""))
    if not model or len(model) > 120:
        problems.add(line, "model", "is empty" if not model else "is longer than 120 characters")

    def as_text(value: object) -> str | None:
        return None if value is None else str(value).strip()

    input_tokens = _int_field(as_text(row.get("input_tokens")), line, "input_tokens", problems, required=True)
    output_tokens = _int_field(as_text(row.get("output_tokens")), line, "output_tokens", problems, required=True)
    cached = _int_field(as_text(row.get("cached_input_tokens")), line, "cached_input_tokens", problems, required=False)
    requests = _int_field(as_text(row.get("requests")), line, "requests", problems, required=False)
    if cached > input_tokens:
        problems.add(
            line,
            "cached_input_tokens",
            f"{cached} is more than input_tokens ({input_tokens}), which include the cached ones",
        )
    cost: Decimal | None = None
    raw_cost = as_text(row.get("cost_usd"))
    if raw_cost:
        try:
            cost = Decimal(raw_cost)
        except InvalidOperation:
            problems.add(line, "cost_usd", f"{raw_cost!r} is not a number of dollars")
        else:
            if not cost.is_finite() or cost < 0:
                problems.add(line, "cost_usd", f"{raw_cost} must be a non-negative amount")
    if len(problems.problems) + problems.more != before:
        return None
    return UsageRecord(
        day=day,
        email=email,
        provider=provider,
        model=model,
        input_tokens=input_tokens,
        output_tokens=output_tokens,
        cached_input_tokens=cached,
        requests=requests,
        cost_usd=cost,
        line=line,
    )


def iter_usage(path: str | Path, problems: ProblemCollector, notes: list[str] | None = None) -> Iterator[UsageRecord]:
    """Records of a usage file (.csv; JSON Lines in .jsonl, .ndjson or .json; a JSON array in .json).

    Problems are collected and bad rows skipped. A file written by `buildboard export usage` reads as it
    is: its extra columns are read past (named in `notes`), a row's cost is kept only where the export
    says it was reported (the rest is priced from the table again, as it was), and rows of forgotten
    people, which have no email, are left out and counted in `notes`.
    """
    path = Path(path)
    notes = notes if notes is not None else []
    if not path.is_file():
        problems.add(0, "file", "no such file")
        return
    suffix = path.suffix.lower()
    if suffix in (".jsonl", ".ndjson"):
        yield from _iter_usage_jsonl(path, problems, notes)
        return
    if suffix == ".json":
        yield from _iter_usage_json(path, problems, notes)
        return
    handle, reader = _open_csv(path, problems, USAGE_REQUIRED, USAGE_OPTIONAL, notes)
    with handle:
        if problems:
            return
        header = list(reader.fieldnames or ())
        width = len(header)
        rows = reader.reader  # the plain csv.reader under the DictReader, past the header
        fast = _FastUsageRow(header)
        exported = _ExportedRows(header)
        for row in rows:
            if not row:
                continue  # a blank line, which DictReader skips too
            line = rows.line_num
            if len(row) == width:
                if exported.skip(row):
                    continue
                try:
                    record = fast.record(row, line)
                except ValueError:  # e.g. more digits than int() reads
                    record = None
                if record is not None:
                    yield record
                    continue
            # Anything unusual: the dict DictReader would give to the full checks, which name the problems.
            if len(row) != width:
                more = "more" if len(row) > width else "fewer"
                problems.add(line, "row", f"has {more} fields than the header ({len(row)}, not {width})")
                continue
            record = _record_from_fields(exported.fields(dict(zip(header, row, strict=True))), line, problems)
            if record is not None:
                yield record
        exported.note(notes)


class _ExportedRows:
    """What a file written by `buildboard export usage` carries beyond the import's columns.

    `matched` "forgotten": the person was erased and the row has no email (left out, counted);
    `cost_source` other than "reported": the cost was priced from the table, so it is priced again
    (a repeated round trip then changes nothing, and `cost_source` stays what it was).
    """

    def __init__(self, header: list[str]) -> None:
        position = {name: index for index, name in enumerate(header)}
        self.matched = position.get("matched")
        self.cost_source = position.get("cost_source")
        self.cost = position.get("cost_usd")
        self.forgotten = 0

    def skip(self, row: list[str]) -> bool:
        """True for a forgotten person's row; blanks a cost the export did not get from the provider."""
        if self.matched is not None and row[self.matched].strip() == "forgotten":
            self.forgotten += 1
            return True
        if self.cost_source is not None and self.cost is not None and row[self.cost_source].strip() not in _REPORTED:
            row[self.cost] = ""
        return False

    def fields(self, row: dict) -> dict:
        """The same for a row as a dict (a JSON object, or a CSV row on the full checks)."""
        if self.cost_source is not None or "cost_source" in row:
            if str(row.get("cost_source") or "").strip() not in _REPORTED:
                row["cost_usd"] = None
        return row

    def note(self, notes: list[str]) -> None:
        if self.forgotten:
            notes.append(
                f"{self.forgotten} row{'s' if self.forgotten != 1 else ''} of forgotten people left out "
                "(they have no email)"
            )


_REPORTED = frozenset({"", "reported"})


class _FastUsageRow:
    """The common case of `_record_from_fields`, by column position and with memoised field values.

    `record` gives exactly the record the full checks would give, or None whenever a field is not
    plainly valid: the caller then runs the full checks, which also word the problems.
    """

    def __init__(self, header: list[str]) -> None:
        position = {name: index for index, name in enumerate(header)}  # the last of repeated names, like a dict
        self.date, self.email, self.provider, self.model = (position[name] for name in USAGE_REQUIRED[:4])
        self.input_tokens, self.output_tokens = position["input_tokens"], position["output_tokens"]
        self.cached = position.get("cached_input_tokens")
        self.requests = position.get("requests")
        self.cost = position.get("cost_usd")
        # Raw text → checked value. A file has few distinct days, models and providers, and one email a person.
        self.days: dict[str, date] = {}
        self.emails: dict[str, str] = {}
        self.providers: dict[str, str] = {}
        self.models: dict[str, str] = {}

    def record(self, row: list[str], line: int) -> UsageRecord | None:
        raw = row[self.date]
        day = self.days.get(raw)
        if day is None and (day := _checked_day(raw)) is not None:
            self.days[raw] = day
        raw = row[self.email]
        email = self.emails.get(raw)
        if email is None and _EMAIL.match(candidate := normalise_email(raw)):
            email = self.emails[raw] = candidate
        raw = row[self.provider]
        provider = self.providers.get(raw)
        if provider is None and _PROVIDER.match(candidate := raw.strip().lower()):
            provider = self.providers[raw] = candidate
        raw = row[self.model]
        model = self.models.get(raw)
        if model is None and 0 < len(candidate := normalise_model_name(raw)) <= 120:
            model = self.models[raw] = candidate
        if day is None or email is None or provider is None or model is None:
            return None
        # Digits only (any script's, as int() reads them): no sign, no spaces, no underscores.
        raw = row[self.input_tokens]
        if not raw.isdecimal():
            return None
        input_tokens = int(raw)
        raw = row[self.output_tokens]
        if not raw.isdecimal():
            return None
        output_tokens = int(raw)
        cached = requests = 0
        if self.cached is not None and (raw := row[self.cached]):
            if not raw.isdecimal():
                return None
            cached = int(raw)
            if cached > input_tokens:
                return None
        if self.requests is not None and (raw := row[self.requests]):
            if not raw.isdecimal():
                return None
            requests = int(raw)
        cost = None
        if self.cost is not None and (raw := row[self.cost].strip()):
            try:
                cost = Decimal(raw)
            except InvalidOperation:
                return None
            if not cost.is_finite() or cost < 0:
                return None
        # Positional (faster, for every row): day, email, provider, model, input, output, cached, cache
        # write, requests, cost, line.
        return UsageRecord(day, email, provider, model, input_tokens, output_tokens, cached, 0, requests, cost, line)


def _checked_day(raw: str) -> date | None:
    text = raw.strip()
    if not _DATE.match(text):
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None


def _iter_usage_json(path: Path, problems: ProblemCollector, notes: list[str]) -> Iterator[UsageRecord]:
    """A .json file: a JSON array of objects (`buildboard export usage --format json`), or JSON Lines."""
    with path.open(encoding=reading_encoding(path)) as handle:
        start = handle.read(4096).lstrip()
    if not start.startswith("["):
        yield from _iter_usage_jsonl(path, problems, notes)
        return
    text = path.read_text(encoding=reading_encoding(path))
    decoder = json.JSONDecoder()
    position = text.index("[") + 1
    line = 1
    exported = _ExportedRows([])

    def skip_space(at: int) -> int:
        while at < len(text) and text[at] in " \t\r\n,":
            at += 1
        return at

    position = skip_space(position)
    counted = 0  # lines are counted as the objects are read, once over the text
    while position < len(text) and text[position] != "]":
        line += text.count("\n", counted, position)
        counted = position
        try:
            row, position = decoder.raw_decode(text, position)
        except json.JSONDecodeError as exc:
            problems.add(exc.lineno, "json", f"not valid JSON ({exc.msg})")
            return
        position = skip_space(position)
        if not isinstance(row, dict):
            problems.add(line, "json", "each item of the array must be a JSON object")
            continue
        yield from _usage_from_object(row, line, problems, exported)
    if position >= len(text):
        problems.add(line + text.count("\n", counted), "json", "the array is not closed with ]")
    exported.note(notes)


def _usage_from_object(
    row: dict, line: int, problems: ProblemCollector, exported: _ExportedRows
) -> Iterator[UsageRecord]:
    if str(row.get("matched") or "") == "forgotten":
        exported.forgotten += 1
        return
    missing = [name for name in USAGE_REQUIRED if name not in row]
    if missing:
        problems.add(line, missing[0], "is missing")
        return
    record = _record_from_fields(exported.fields(row), line, problems)
    if record is not None:
        yield record


def _iter_usage_jsonl(path: Path, problems: ProblemCollector, notes: list[str]) -> Iterator[UsageRecord]:
    exported = _ExportedRows([])
    with path.open(encoding=reading_encoding(path)) as handle:
        for number, text in enumerate(handle, start=1):
            if not text.strip():
                continue
            try:
                row = json.loads(text)
            except json.JSONDecodeError as exc:
                problems.add(number, "json", f"not valid JSON ({exc.msg})")
                continue
            if not isinstance(row, dict):
                problems.add(number, "json", "each line must be a JSON object")
                continue
            yield from _usage_from_object(row, number, problems, exported)
    exported.note(notes)
