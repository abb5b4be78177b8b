"""`buildboard estimate` and `buildboard artifacts override`."""

from __future__ import annotations

import argparse

from bot.commands.common import CommandError, err, runtime
from bot.domain.text import plural


def estimate(args: argparse.Namespace) -> int:
    if args.limit < 1:
        raise CommandError("--limit must be at least 1")
    from bot.llm.client import llm_status
    from bot.services.estimates import estimate_pending

    rt = runtime()
    reason = llm_status(rt.settings)
    report = estimate_pending(
        rt.sessions,
        rt.llm,
        now=rt.clock(),
        week=args.week,
        retry_failed=args.retry_failed,
        limit=args.limit,
        rules=rt.settings.claim_rules,
    )
    if reason is not None:
        keep = "keeps its" if report.left == 1 else "keep their"
        print(f"no estimates: {reason}; {plural(report.left, 'artifact')} {keep} default work units for now")
        return 0
    print(f"work-unit estimates: {report.summary()}")
    # Some failed: not an error of this command (they are retried), but worth a non-zero status for cron.
    if report.failed and not report.estimated:
        err("buildboard: no estimate succeeded; the artifacts keep their default work units and are retried later")
        return 1
    return 0


def artifacts_override(args: argparse.Namespace) -> int:
    from bot.services.estimates import ArtifactNotFound, override_work_units

    rt = runtime()
    try:
        artifact = override_work_units(
            rt.sessions,
            args.id,
            None if args.clear else args.work_units,
            now=rt.clock(),
            rules=rt.settings.claim_rules,
        )
    except ArtifactNotFound as exc:
        raise CommandError(str(exc)) from None
    except ValueError as exc:
        raise CommandError(f"--work-units: {exc}") from None
    print(
        f"artifact {artifact.id} ({artifact.title or 'erased'}): {artifact.work_units.normalize():f} work units "
        f"({artifact.work_units_source})"
    )
    return 0
