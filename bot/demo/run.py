"""`buildboard demo`: the whole flow on a synthetic organisation, a throwaway SQLite file and a local Slack.

Nothing here is special-cased for the demo: it drives the same services the bot and the CLI use,
against a stand-in for the Slack Web API on 127.0.0.1, and prints what the bot posted.
"""

from __future__ import annotations

import re
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from pydantic import SecretStr

from bot.demo.artifacts import share_demo_artifacts
from bot.demo.standin.slack import SlackStandIn
from bot.demo.synthetic import (
    SyntheticPerson,
    generate_people,
    generate_usage,
    slack_users,
    write_people_csv,
    write_usage_csv,
)
from bot.domain.artifacts import share_fields
from bot.domain.periods import IsoWeek
from bot.ingest.csv_files import iter_usage, read_people
from bot.ingest.errors import ProblemCollector
from bot.ingest.prices import PriceTable
from bot.ingest.store import write_usage
from bot.llm.client import llm_status
from bot.runtime import Runtime
from bot.services.digest import run_digest
from bot.services.estimates import estimate_pending
from bot.services.nudges import nothing_to_show, queue_nudges, remind_later, send_week
from bot.services.people import import_people
from bot.services.sharing import share
from bot.services.titles import award_week
from bot.settings import Settings
from bot.slack.blocks.plain_text import render_message
from bot.slack.delivery import OutboxSender
from bot.slack.listeners.share_ui import publish_home

DIGEST_CHANNEL = "C0DEMODIGEST"
DEMO_WEEKS = 4


@dataclass
class DemoContext:
    """What each demo step gets: the runtime, the stand-in, the synthetic org and a printer."""

    runtime: Runtime
    slack: SlackStandIn
    people: list[SyntheticPerson]
    workdir: Path
    week: IsoWeek
    say: Callable[[str], None]
    names: dict[str, str] = field(default_factory=dict)  # Slack id → name, to print mentions readably
    printed_messages: int = 0
    printed_files: int = 0
    answerers: list[str] = field(default_factory=list)  # Slack ids of nudged people who answer in the demo
    show_all: bool = False  # every DM, not the first few

    def where(self, channel: str) -> str:
        """Where a message went, as a reader knows it: the digest channel, or whose DM."""
        if channel == DIGEST_CHANNEL:
            return "digest channel"
        user = next((u for u in self.names if self.slack.dm_channel_for(u) == channel), None)
        return f"DM to {self.names[user]}" if user else f"DM {channel}"

    def show_new_messages(self, title: str) -> None:
        """Print every message the bot posted since the last call."""
        messages = self.slack.posted_messages[self.printed_messages :]
        self.printed_messages += len(messages)
        self.say(f"\n=== {title}: {_count(len(messages), 'message')} posted ===")
        for message in messages:
            where = self.where(message["channel"])
            if message.get("thread_ts"):
                where += " (thread reply)"
            self.say(f"\n--- {where} ---")
            self.say(self.readable(render_message(message)))
        self.show_new_files()

    def show_new_files(self) -> None:
        """Print every file the bot uploaded since the last call."""
        for upload in self.slack.uploaded_files[self.printed_files :]:
            self.printed_files += 1
            if upload["channel_id"] or upload.get("shared"):
                where = self.where(upload["channel_id"])
            else:
                where = "shared nowhere (shown in App Home)"
            self.say(f"\n--- {where}{' (thread reply)' if upload.get('thread_ts') else ''}: file ---")
            comment = upload.get("initial_comment") or upload.get("alt_text") or ""
            self.say(f"[{upload['filename']}, {len(upload['bytes']):,} bytes] {comment}")

    def readable(self, text: str) -> str:
        return re.sub(r"@([UW][A-Z0-9]+)", lambda m: "@" + self.names.get(m.group(1), m.group(1)), text)


DemoStep = Callable[[DemoContext], None]


def _count(n: int, one: str, many: str | None = None) -> str:
    """'1 message', '13 messages'."""
    return f"{n} {one if n == 1 else (many or one + 's')}"


def step_import(ctx: DemoContext) -> None:
    people_csv, usage_csv = ctx.workdir / "people.csv", ctx.workdir / "usage.csv"
    write_people_csv(ctx.people, people_csv)
    rows = write_usage_csv(generate_usage(ctx.people, weeks=DEMO_WEEKS, end_date=ctx.week.end), usage_csv)
    rt = ctx.runtime
    with rt.sessions.begin() as session:
        report = import_people(session, read_people(people_csv), now=rt.clock())
    ctx.say(f"imported {people_csv.name}: {len(ctx.people)} people ({report.summary()})")
    problems = ProblemCollector(str(usage_csv))
    with rt.sessions.begin() as session:
        usage = write_usage(
            session,
            iter_usage(usage_csv, problems),
            prices=PriceTable.load(),
            source="csv",
            now=rt.clock(),
            problems=problems,
        )
    problems.raise_if_any()
    ctx.say(
        f"imported {usage_csv.name}: {rows} rows, {usage.tokens:,} tokens, ${usage.cost_usd:,.2f} "
        f"({usage.first_day} to {usage.last_day})"
    )


def step_artifacts(ctx: DemoContext) -> None:
    """A few people share what they built; earlier weeks' titles are stored as their digests would have."""
    rt = ctx.runtime
    shared = share_demo_artifacts(rt.sessions, rt.slack, rt.settings, ctx.week, rt.clock())
    for week, items in shared.items():
        ctx.say(f"shared in {week}: " + "; ".join(f"{name}: {title}" for name, title in items))
    for earlier in (ctx.week.previous(2), ctx.week.previous()):
        with rt.sessions.begin() as session:
            awards = award_week(session, earlier, rt.settings, rt.clock())
        ctx.say(f"titles of {earlier} (as its digest would have awarded them): {len(awards)}")


def step_estimate(ctx: DemoContext) -> None:
    rt = ctx.runtime
    report = estimate_pending(rt.sessions, rt.llm, now=rt.clock(), week=ctx.week, rules=rt.settings.claim_rules)
    if rt.llm is None:
        ctx.say(
            f"work-unit estimates: none because {llm_status(rt.settings)}; {_count(report.left, 'artifact')} "
            "keep their default work units, and the digest's summary is built from the numbers"
        )
    else:
        ctx.say(f"work-unit estimates: {report.summary()}")


def step_digest(ctx: DemoContext) -> None:
    rt = ctx.runtime
    outcome = run_digest(rt.sessions, rt.sender, rt.settings, week=ctx.week, now=rt.clock(), llm=rt.llm)
    ctx.say(f"digest: {outcome.message}")
    ctx.show_new_messages(f"Weekly digest for {ctx.week}")


def step_data_protection(ctx: DemoContext) -> None:
    """Small teams merged in public team figures, retention (dry run), and erasing one person."""
    from bot.services.digest import team_figures
    from bot.services.erasure import forget
    from bot.services.retention import run_retention

    rt = ctx.runtime
    with rt.sessions() as session:
        public = team_figures(session, ctx.week, rt.settings.min_group_size)
    ctx.say(f"\n=== Data protection ===\nteam rows others may see in {ctx.week}:")
    for figure in public:
        merged = f", merging {len(figure.merged_teams)} teams" if figure.merged_teams else ""
        ctx.say(f"  {figure.team}: {figure.active_people} people, {figure.tokens:,} tokens{merged}")
    ctx.say(f"retention: {run_retention(rt.sessions, rt.settings, rt.clock(), dry_run=True).summary()}")
    leaver = ctx.people[-1]
    report = forget(rt.sessions, email=leaver.email, now=rt.clock(), posts=rt.post_remover)
    ctx.say(f"buildboard forget {leaver.email}: " + "; ".join(report.lines()))


def write_charts(ctx: DemoContext) -> list[Path]:
    """Every chart the bot uploaded (digest, App Home, team), as PNG files in the work directory."""
    written = []
    for upload in ctx.slack.uploaded_files:
        if not upload["filename"].endswith(".png"):
            continue
        path = ctx.workdir / upload["filename"]
        path.write_bytes(upload["bytes"])
        written.append(path)
    return written


def step_check_by_hand(ctx: DemoContext) -> None:
    ctx.say(
        f"\nCheck the titles and ranks by hand: run the demo with --keep DIR, then\n"
        f"  DATABASE_URL=sqlite:///DIR/buildboard-demo.db buildboard export usage --week {ctx.week}\n"
        f"  DATABASE_URL=sqlite:///DIR/buildboard-demo.db buildboard export artifacts --week {ctx.week}\n"
        f"  DATABASE_URL=sqlite:///DIR/buildboard-demo.db buildboard export awards --week {ctx.week}"
    )


SHOWN_DMS = 3


def step_nudges(ctx: DemoContext) -> None:
    """Queue and send the week's "what did you build?" DMs (what `buildboard nudge` does)."""
    rt = ctx.runtime
    report = queue_nudges(rt.sessions, rt.settings, ctx.week, rt.clock(), at_local_hour=False)
    delivery = send_week(rt.sessions, rt.sender, ctx.week, rt.clock())
    ctx.say(
        f"\nnudges: {len(report.planned)} people spent at least ${rt.settings.nudge_min_spend_usd} or were in the "
        f"top {rt.settings.nudge_top_percent}% by spend; {delivery.sent} DMs sent"
    )
    messages = ctx.slack.posted_messages[ctx.printed_messages :]
    ctx.printed_messages += len(messages)
    shown = messages if ctx.show_all else messages[:SHOWN_DMS]
    heading = f"\n=== Nudge DMs: {_count(len(messages), 'message')} posted"
    if len(shown) < len(messages):
        heading += f", the first {len(shown)} shown; {len(messages) - len(shown)} more with `buildboard demo --all`"
    ctx.say(heading + " ===")
    for message in shown:
        ctx.say(f"\n--- {ctx.where(message['channel'])} ---")
        ctx.say(ctx.readable(render_message(message)))
    ctx.answerers = [p.channel for p in report.planned if not p.channel.startswith("person:")][:3]


def _show_dm(ctx: DemoContext, user_id: str, title: str) -> None:
    [message, *_] = ctx.slack.messages_in(ctx.slack.dm_channel_for(user_id))
    ctx.say(f"\n--- {title}: DM to @{ctx.names.get(user_id, user_id)} now reads ---")
    ctx.say(ctx.readable(render_message(message)))


def step_answers(ctx: DemoContext) -> None:
    """Three people answer: one shares (the modal's code path), one has nothing yet, one snoozes."""
    rt = ctx.runtime
    if len(ctx.answerers) < 3:
        ctx.say("\nFewer than three people were nudged: no simulated answers.")
        return
    sharer, nothing, snoozer = ctx.answerers
    form = {
        "title": "Invoice matcher",
        "url": "https://git.example.com/finance/invoice-matcher",
        "description": "Matches supplier invoices to purchase orders for the finance team.",
        "kind": "tool",
        "hours_saved": "4",
        "share_in_channel": True,
    }
    outcome = share(
        rt.sessions,
        rt.nudge_dms,
        rt.sender,
        rt.settings,
        slack_user_id=sharer,
        week=ctx.week,
        fields=share_fields(form, rt.settings.claim_rules),
        now=rt.clock(),
    )
    ctx.say(f"\n@{ctx.names.get(sharer)} pressed Share and submitted the modal; showcase: {outcome.showcase}")
    _show_dm(ctx, sharer, "Shared")
    nothing_to_show(rt.sessions, rt.nudge_dms, nothing, ctx.week, "exploring", "Trying out coding agents", rt.clock())
    _show_dm(ctx, nothing, "Nothing to show yet")
    snoozed = remind_later(rt.sessions, rt.nudge_dms, rt.settings, snoozer, ctx.week, rt.clock())
    _show_dm(ctx, snoozer, "Remind me later")
    ctx.show_new_messages("Showcase in the digest channel")
    assert snoozed.remind_at is not None
    later = snoozed.remind_at + timedelta(minutes=1)
    two_days_on = OutboxSender(rt.sessions, rt.slack, clock=lambda: later, renderer=rt.renderer)
    sent = send_week(rt.sessions, two_days_on, ctx.week, later).sent
    ctx.show_new_messages(f"{rt.settings.remind_after_days} days later: {_count(sent, 'reminder')}")
    publish_home(rt, sharer)
    ctx.say(f"\n=== App Home of @{ctx.names.get(sharer)} ===")
    ctx.say(ctx.readable(render_message({"blocks": ctx.slack.views_published[-1]["blocks"]})))


# The story of a week: usage arrives, some people share, the rest are asked and answer, then the digest.
STEPS: list[DemoStep] = [
    step_import,
    step_artifacts,
    step_nudges,
    step_answers,
    step_estimate,
    step_digest,
    step_data_protection,
    step_check_by_hand,
]


def run_demo(
    *,
    people: int = 240,
    keep: Path | None = None,
    say: Callable[[str], None] = print,
    now: datetime | None = None,
    show_all: bool = False,
) -> int:
    """Run every demo step; returns the process exit code."""
    workdir = Path(keep) if keep else Path(tempfile.mkdtemp(prefix="buildboard-demo-"))
    workdir.mkdir(parents=True, exist_ok=True)
    now = now or datetime.now(UTC)
    org = generate_people(people)
    try:
        with SlackStandIn(users=slack_users(org), channels=[DIGEST_CHANNEL]) as slack:
            settings = Settings(
                database_url=f"sqlite:///{workdir / 'buildboard-demo.db'}",
                slack_bot_token=SecretStr("xoxb-demo-token"),
                slack_signing_secret=SecretStr("demo-signing-secret"),
                slack_api_url=slack.base_url,
                digest_channel=DIGEST_CHANNEL,
                llm_enabled=False,  # the demo needs no network: summaries and work units come from the data
                _env_file=None,
            )
            rt = Runtime(settings, clock=lambda: now)
            week = IsoWeek.last_complete(now, settings.zone)
            ctx = DemoContext(
                runtime=rt,
                slack=slack,
                people=org,
                workdir=workdir,
                week=week,
                say=say,
                names={p.slack_user_id: p.name for p in org},
                show_all=show_all,
            )
            say(
                f"Buildboard demo: {people} synthetic people, {DEMO_WEEKS} weeks of usage up to {week.label()}, "
                f"database {workdir / 'buildboard-demo.db'}, Slack stand-in at {slack.base_url}"
            )
            for step in STEPS:
                step(ctx)
            say(
                f"\nDone. The bot made {len(slack.calls)} Slack API calls; "
                f"{_count(len(slack.posted_messages), 'message')} posted."
            )
            rt.close()  # the answer threads finish while the Slack stand-in still listens
            rt.engine.dispose()
    finally:
        if not keep:
            shutil.rmtree(workdir, ignore_errors=True)
    return 0


def _slash_command(ctx: DemoContext, app, user_id: str, text: str) -> str:
    """Send `/buildboard <text>` to the real Bolt app as Slack would (signed), and return what the caller sees."""
    import hashlib
    import hmac
    import time
    import urllib.parse

    from slack_bolt.request import BoltRequest

    response_url = ctx.slack.response_url("demo")
    body = urllib.parse.urlencode(
        {
            "command": "/buildboard",
            "text": text,
            "user_id": user_id,
            "team_id": "T0DEMO",
            "channel_id": "C0DEMOCHAT",
            "response_url": response_url,
            "trigger_id": "demo.trigger",
        }
    )
    secret = ctx.runtime.settings.slack_signing_secret.get_secret_value()
    timestamp = str(int(time.time()))
    signature = "v0=" + hmac.new(secret.encode(), f"v0:{timestamp}:{body}".encode(), hashlib.sha256).hexdigest()
    headers = {
        "content-type": ["application/x-www-form-urlencoded"],
        "x-slack-request-timestamp": [timestamp],
        "x-slack-signature": [signature],
    }
    response = app.dispatch(BoltRequest(body=body, headers=headers))
    if response.status != 200:
        return f"(Slack would show an error: HTTP {response.status})"
    if response.body:
        import json

        return ctx.readable(render_message(json.loads(response.body)))
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        answers = [r["body"] for r in ctx.slack.responses_to_url if r["url"] == response_url]
        if answers:
            return ctx.readable(render_message(answers[0]))
        time.sleep(0.05)
    return "(no answer within 30 s)"


def step_team_and_privacy(ctx: DemoContext) -> None:
    """A manager looks at their team's week; an employee asks for someone else's numbers and is refused."""
    from bot.slack.app import create_app

    rt = ctx.runtime
    app = create_app(rt)
    reports: dict[str, list[SyntheticPerson]] = {}
    for person in ctx.people:
        if person.manager_email:
            reports.setdefault(person.manager_email, []).append(person)
    by_email = {p.email: p for p in ctx.people}

    def tree_size(email: str) -> int:
        return sum(1 + tree_size(r.email) for r in reports.get(email, []))

    def tree(email: str) -> set[str]:
        found, stack = {email}, [email]
        while stack:
            for report in reports.get(stack.pop(), []):
                found.add(report.email)
                stack.append(report.email)
        return found

    from sqlalchemy import select

    from bot.db.models import Artifact, Person

    with rt.sessions() as session:
        sharers = set(
            session.scalars(
                select(Person.email)
                .join(Artifact, Artifact.person_id == Person.id)
                .where(Artifact.week_start == ctx.week.start)
            )
        )
    # A manager with a team small enough for the per-person table, preferably one where someone shared.
    candidates = [e for e in sorted(reports) if 4 <= tree_size(e) <= 20]
    chosen = next((e for e in candidates if tree(e) & sharers), candidates[0] if candidates else next(iter(reports)))
    manager = by_email[chosen]
    team_of_manager = tree(manager.email)
    employee = next(p for p in ctx.people if p.email not in reports and p.email in team_of_manager)
    stranger = next(p for p in ctx.people if p.email not in team_of_manager and p.manager_email)

    ctx.say(f"\n=== /buildboard team, as {manager.name} (manager of {tree_size(manager.email)} people) ===")
    ctx.say(_slash_command(ctx, app, manager.slack_user_id, "team"))
    ctx.say(f"\n=== {manager.name} presses Chart ===")
    ctx.say(_press_button(ctx, app, manager.slack_user_id, "team_chart", "{}"))
    ctx.show_new_files()
    ctx.say(f"\n=== /buildboard user @{stranger.name}, as {employee.name} (an employee in that team) ===")
    ctx.say(_slash_command(ctx, app, employee.slack_user_id, f"user <@{stranger.slack_user_id}|{stranger.name}>"))


def _press_button(ctx: DemoContext, app, user_id: str, action_id: str, value: str) -> str:
    """Press a button under an ephemeral answer as Slack would (signed block_actions); returns the reply."""
    import hashlib
    import hmac
    import json
    import time
    import urllib.parse

    from slack_bolt.request import BoltRequest

    response_url = ctx.slack.response_url("demo-click")
    payload = {
        "type": "block_actions",
        "user": {"id": user_id, "team_id": "T0DEMO"},
        "api_app_id": "A0DEMO",
        "team": {"id": "T0DEMO", "domain": "demo"},
        "trigger_id": "demo.click",
        "container": {"type": "message", "message_ts": "1.000001", "channel_id": "C0DEMOCHAT", "is_ephemeral": True},
        "channel": {"id": "C0DEMOCHAT", "name": "demo"},
        "response_url": response_url,
        "actions": [{"type": "button", "action_id": action_id, "block_id": "b", "value": value, "action_ts": "1.0"}],
    }
    body = urllib.parse.urlencode({"payload": json.dumps(payload)})
    secret = ctx.runtime.settings.slack_signing_secret.get_secret_value()
    timestamp = str(int(time.time()))
    signature = "v0=" + hmac.new(secret.encode(), f"v0:{timestamp}:{body}".encode(), hashlib.sha256).hexdigest()
    headers = {
        "content-type": ["application/x-www-form-urlencoded"],
        "x-slack-request-timestamp": [timestamp],
        "x-slack-signature": [signature],
    }
    response = app.dispatch(BoltRequest(body=body, headers=headers))
    if response.status != 200:
        return f"(Slack would show an error: HTTP {response.status})"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        answers = [r["body"] for r in ctx.slack.responses_to_url if r["url"] == response_url]
        if answers:
            return ctx.readable(render_message(answers[0]))
        time.sleep(0.05)
    return "(no answer within 30 s)"


def step_charts(ctx: DemoContext) -> None:
    """Write the charts the bot posted next to the database, so a person can open them."""
    written = write_charts(ctx)
    if written:
        ctx.say(f"\ncharts the bot uploaded, written to {ctx.workdir}: " + ", ".join(p.name for p in written))


STEPS.append(step_team_and_privacy)
STEPS.append(step_charts)
