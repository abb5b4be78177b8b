"""The Runtime owns its worker threads: created when first needed, shut down (after their work) by close()."""

from __future__ import annotations

import threading

import pytest

from bot.runtime import Runtime
from bot.settings import Settings


@pytest.fixture
def runtime(tmp_path):
    return Runtime(Settings(database_url=f"sqlite:///{tmp_path / 'unused.db'}", _env_file=None))


def test_no_pool_exists_until_it_is_needed(runtime):
    runtime.close()
    assert "answer_pool" not in runtime.__dict__ and "artifact_hook_pool" not in runtime.__dict__


def test_close_lets_running_work_finish_and_shuts_both_pools_down(runtime):
    release = threading.Event()
    answers, hooks = runtime.answer_pool, runtime.artifact_hook_pool
    running = [answers.submit(release.wait, 10), hooks.submit(release.wait, 10)]
    threading.Timer(0.2, release.set).start()
    runtime.close()
    assert all(f.done() and f.result() is True for f in running)
    for pool in (answers, hooks):
        with pytest.raises(RuntimeError):
            pool.submit(print)


def test_artifact_saved_runs_the_hooks_on_the_hook_threads(runtime):
    seen = []
    runtime.artifact_hooks = (lambda artifact_id: seen.append((artifact_id, threading.current_thread().name)),)
    runtime.artifact_saved(7)
    runtime.close()
    assert len(seen) == 1 and seen[0][0] == 7 and seen[0][1].startswith("artifact-hooks")
