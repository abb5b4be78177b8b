"""Two `buildboard serve` replicas on one database: one leads, the leader dies mid fan-out,
the other takes over, and everyone still gets exactly one digest and one DM.

The digest and the nudges jobs were due earlier today: the first leader catches both up. The real
nudges are queued for each person's local hour (later than the test lasts), so the fan-out that is
killed mid-way is a batch of queued DM rows, sent by the scheduler's outbox job like the nudges.
"""

import signal
from datetime import UTC, datetime

from sqlalchemy import select

from bot.db.leases import current_leader
from bot.db.models import JobRun, Nudge, OutboxMessage
from bot.domain.clock import system_clock
from bot.domain.periods import IsoWeek
from bot.services import outbox
from tests.conftest import DIGEST_CHANNEL
from tests.integration.processes import bb_env, keys_posted, pid_of, serve, stop, wait_until
from tests.support.organisation import load_people, load_usage, usage_ending_in


def test_leader_dies_mid_week_and_the_other_replica_finishes_exactly_once(sessions, slack, database_url, tmp_path):
    now = system_clock()
    week = IsoWeek.last_complete(now, UTC)
    # The servers run on the real clock: the organisation's usage is moved into the week they report on.
    load_people(sessions)
    _, problems = load_usage(sessions, usage_ending_in(week, tmp_path), now=now)
    assert not problems, problems.problems
    # The digest was due earlier today and has not run: the first leader catches it up, once.
    env = bb_env(
        database_url,
        slack,
        BUILDBOARD_TIMEZONE="UTC",
        BUILDBOARD_DIGEST_WEEKDAY=now.strftime("%a").lower(),
        BUILDBOARD_DIGEST_TIME="00:00:00",
        # 45 DMs at 5 a second take 9 s: time enough to kill the leader mid fan-out on a busy machine.
        BUILDBOARD_SLACK_WORKSPACE_RATE="5",
    )
    dm_keys = [f"dm:{i}:{week}" for i in range(45)]

    def dms_posted() -> int:
        return len(set(dm_keys) & set(keys_posted(slack)))

    replicas = [serve(env, tmp_path), serve(env, tmp_path)]
    try:
        lease = wait_until(lambda: current_leader(sessions), what="a leader")
        leader = next(p for p in replicas if p.pid == pid_of(lease.holder))
        survivor = next(p for p in replicas if p is not leader)
        wait_until(lambda: len(slack.messages_in(DIGEST_CHANNEL)) == 1, what="the digest")
        # The fan-out is queued once the digest is out: queued before, on a slow machine it was all sent
        # while the digest was still being computed, and there was no fan-out left to kill.
        with sessions.begin() as session:
            for i, key in enumerate(dm_keys):
                outbox.enqueue(session, key=key, kind="nudge", channel=f"U{i:05d}", payload={"text": "what?"}, now=now)
        wait_until(lambda: dms_posted() >= 10, what="the fan-out to start")
        leader.send_signal(signal.SIGKILL)
        leader.wait(timeout=10)
        killed_at = datetime.now(UTC)
        assert dms_posted() < len(dm_keys)  # killed mid fan-out

        # The survivor takes the lease once it expires and runs the next outbox job.
        wait_until(lambda: pid_of(current_leader(sessions).holder) == survivor.pid, what="failover")
        wait_until(lambda: set(dm_keys) <= set(keys_posted(slack)), timeout=60, what="every DM")

        def survivor_ran_outbox_job():
            with sessions() as session:
                run = session.get(JobRun, "outbox")
                return run is not None and run.last_success_at is not None and run.last_success_at > killed_at

        wait_until(survivor_ran_outbox_job, what="the survivor's outbox job")
        with sessions() as session:
            # The digest's rows (the post, its thread reply, its chart) and every DM: all sent
            # (the nudges wait for each person's local hour).
            unsent = session.scalars(
                select(OutboxMessage.idempotency_key).where(
                    OutboxMessage.status != "sent", OutboxMessage.idempotency_key.not_like("nudge:%")
                )
            ).all()
            assert unsent == []

        # One nudge per chosen person for the week, queued once although two leaders ran.
        with sessions() as session:
            nudges = session.execute(select(Nudge.person_id, Nudge.week_start)).all()
            nudge_rows = session.scalars(select(OutboxMessage.idempotency_key).where(OutboxMessage.kind == "nudge"))
            nudge_keys = sorted(k for k in nudge_rows if k.startswith("nudge:"))
        assert nudges and all(start == week.start for _, start in nudges)
        assert len({pid for pid, _ in nudges}) == len(nudges)
        assert nudge_keys == sorted(f"nudge:{pid}:{week}" for pid, _ in nudges)

        # Clean shutdown: SIGTERM ends the process and hands the lease back at once.
        survivor.send_signal(signal.SIGTERM)
        assert survivor.wait(timeout=30) == 0
        assert current_leader(sessions) is None
    finally:
        for process in replicas:
            stop(process)

    posted = keys_posted(slack)
    assert all(count == 1 for count in posted.values()), posted
    assert posted[f"digest:{DIGEST_CHANNEL}:{week}"] == 1 and set(dm_keys) <= set(posted)
    assert len([m for m in slack.messages_in(DIGEST_CHANNEL) if not m.get("thread_ts")]) == 1
