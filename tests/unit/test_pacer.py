"""The pacer: a workspace token bucket and per-channel spacing, on a hand-driven clock."""

import pytest

from bot.slack.delivery import Pacer


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_one_channel_waits_its_interval_while_other_channels_go_at_the_workspace_rate():
    clock = Clock()
    pacer = Pacer(channel_interval=1.0, workspace_rate=10, workspace_burst=1, margin=0, monotonic=clock)
    assert pacer.ready_at("C1") == 100.0
    pacer.take("C1")
    assert pacer.ready_at("C1") == pytest.approx(101.0)  # the channel's own spacing
    assert pacer.ready_at("D2") == pytest.approx(100.1)  # the workspace bucket is empty for 0.1 s
    clock.now = 100.1
    pacer.take("D2")
    assert pacer.ready_at("D3") == pytest.approx(100.2)


def test_a_burst_is_spent_then_the_bucket_refills_at_the_rate():
    clock = Clock()
    pacer = Pacer(channel_interval=0, workspace_rate=2, workspace_burst=3, margin=0, monotonic=clock)
    for channel in ("D1", "D2", "D3"):
        assert pacer.ready_at(channel) == 100.0
        pacer.take(channel)
    assert pacer.ready_at("D4") == pytest.approx(100.5)
    clock.now = 110.0  # a long quiet spell refills up to the burst, no further
    for channel in ("D4", "D5", "D6"):
        assert pacer.ready_at(channel) == 110.0
        pacer.take(channel)
    assert pacer.ready_at("D7") == pytest.approx(110.5)


def test_retry_after_pauses_every_channel():
    clock = Clock()
    pacer = Pacer(channel_interval=1.0, workspace_rate=0, margin=0, monotonic=clock)
    pacer.pause(3)
    assert pacer.ready_at("C1") == pytest.approx(103.0)
    assert pacer.ready_at("D9") == pytest.approx(103.0)


def test_the_margin_widens_intervals_so_jitter_does_not_cross_the_limit():
    clock = Clock()
    pacer = Pacer(channel_interval=1.0, workspace_rate=10, margin=0.05, monotonic=clock)
    pacer.take("C1")
    assert pacer.ready_at("C1") == pytest.approx(101.05)
    assert pacer.ready_at("D1") == pytest.approx(100.105)


def test_the_intervals_run_from_slacks_answer_so_jitter_cannot_bring_two_posts_closer():
    clock = Clock()
    pacer = Pacer(channel_interval=1.0, workspace_rate=50, workspace_burst=1, margin=0, monotonic=clock)
    pacer.take("D1")
    clock.now = 100.003  # the post took 3 ms to be answered; it reached Slack somewhere in between
    pacer.done("D1")
    assert pacer.ready_at("D2") == pytest.approx(100.023)  # 20 ms after the answer, not after the take
    assert pacer.ready_at("D1") == pytest.approx(101.003)


def test_done_keeps_what_a_larger_burst_still_allows():
    clock = Clock()
    pacer = Pacer(channel_interval=0, workspace_rate=2, workspace_burst=3, margin=0, monotonic=clock)
    pacer.take("D1")
    pacer.done("D1")
    assert pacer.ready_at("D2") == 100.0  # two of the three still in the bucket
    pacer.take("D2")
    pacer.take("D3")
    clock.now = 100.1
    pacer.done("D3")
    assert pacer.ready_at("D4") == pytest.approx(100.6)  # the bucket refills from the last answer
