"""The benchmark organisation, generated once and cached under bench/.data/ (gitignored).

People and usage come from bot/demo/synthetic.py (the same generator the demo uses), written as
the CSV files `buildboard org import` and `buildboard usage import` read. Artifacts for a
realistic share of people are generated here, deterministically, as plain rows for a bulk insert.
"""

from __future__ import annotations

import csv
import json
import os
import random
import time
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from bot.demo.synthetic import (
    generate_people,
    generate_usage,
    usage_days,
    write_people_csv,
    write_usage_csv,
)

DATA_DIR = Path(os.environ.get("BENCH_DATA_DIR") or Path(__file__).resolve().parent / ".data")
# The last usage day: a Sunday, so the 13 weeks are whole ISO weeks (2026-W35 … 2026-W47).
END_DATE = date(2026, 11, 22)
WEEKS = 13
MAX_DEPTH = 8
SEED = 7
# Share of people who log something they built in a given week, and the most they log.
ARTIFACT_SHARE = 0.12
ARTIFACT_KINDS = ("tool", "automation", "prototype", "analysis", "doc", "other")
ARTIFACTS_HEADER = ("email", "week_start", "title", "url", "kind", "hours_saved_per_week", "work_units")


@dataclass(frozen=True)
class Dataset:
    people: int
    directory: Path
    people_csv: Path
    usage_csv: Path
    artifacts_csv: Path
    usage_rows: int
    artifacts: int
    weeks: int
    end_date: date

    @property
    def first_day(self) -> date:
        return usage_days(self.weeks, self.end_date)[0]

    @property
    def last_week_start(self) -> date:
        return usage_days(1, self.end_date)[0]

    def split_usage(self) -> tuple[Path, Path, int]:
        """The usage CSV split into the weeks before the last one and the last week (cached); last week's rows."""
        history, last = self.directory / "usage-history.csv", self.directory / "usage-last-week.csv"
        counted = self.directory / "usage-last-week.rows"
        if not counted.is_file():
            cut = self.last_week_start.isoformat()
            rows = 0
            with (
                open(self.usage_csv, encoding="utf-8") as source,
                open(f"{history}.tmp", "w", encoding="utf-8") as before,
                open(f"{last}.tmp", "w", encoding="utf-8") as after,
            ):
                header = source.readline()
                before.write(header)
                after.write(header)
                for line in source:
                    if line[:10] >= cut:
                        after.write(line)
                        rows += 1
                    else:
                        before.write(line)
            Path(f"{history}.tmp").replace(history)
            Path(f"{last}.tmp").replace(last)
            counted.write_text(str(rows))
        return history, last, int(counted.read_text())


def dataset(people: int, *, log=print) -> Dataset:
    """The cached dataset for `people` people, generating whatever is missing."""
    directory = DATA_DIR / f"org-{people}-w{WEEKS}-s{SEED}"
    directory.mkdir(parents=True, exist_ok=True)
    meta_path = directory / "meta.json"
    if meta_path.is_file():
        meta = json.loads(meta_path.read_text())
        return _dataset(directory, people, meta)
    started = time.perf_counter()
    log(f"generating the {people:,}-person organisation in {directory} (once; cached for later runs)")
    org = generate_people(people, seed=SEED, max_depth=MAX_DEPTH)
    write_people_csv(org, directory / "people.csv.tmp")
    rows = write_usage_csv(generate_usage(org, weeks=WEEKS, end_date=END_DATE, seed=SEED), directory / "usage.csv.tmp")
    artifacts = _write_artifacts([p.email for p in org], directory / "artifacts.csv.tmp")
    for name in ("people.csv", "usage.csv", "artifacts.csv"):
        (directory / f"{name}.tmp").replace(directory / name)
    meta = {"usage_rows": rows, "artifacts": artifacts}
    meta_path.write_text(json.dumps(meta))
    log(
        f"generated {people:,} people, {rows:,} usage rows, {artifacts:,} artifacts"
        f" in {time.perf_counter() - started:.0f} s"
    )
    return _dataset(directory, people, meta)


def people_file(people: int, *, log=print) -> Path:
    """Only the people CSV of the `people`-person organisation (cached): all the org import benchmark needs."""
    directory = DATA_DIR / f"org-{people}-w{WEEKS}-s{SEED}"
    path = directory / "people.csv"
    if not path.is_file():
        directory.mkdir(parents=True, exist_ok=True)
        log(f"generating the {people:,}-person people file in {directory} (once; cached for later runs)")
        write_people_csv(generate_people(people, seed=SEED, max_depth=MAX_DEPTH), directory / "people.csv.tmp")
        (directory / "people.csv.tmp").replace(path)
    return path


def _dataset(directory: Path, people: int, meta: dict) -> Dataset:
    return Dataset(
        people=people,
        directory=directory,
        people_csv=directory / "people.csv",
        usage_csv=directory / "usage.csv",
        artifacts_csv=directory / "artifacts.csv",
        usage_rows=int(meta["usage_rows"]),
        artifacts=int(meta["artifacts"]),
        weeks=WEEKS,
        end_date=END_DATE,
    )


def _write_artifacts(emails: list[str], path: Path) -> int:
    rng = random.Random(f"buildboard-bench-artifacts:{SEED}")
    first_monday = usage_days(WEEKS, END_DATE)[0]
    count = 0
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(ARTIFACTS_HEADER)
        for week in range(WEEKS):
            week_start = first_monday + timedelta(days=7 * week)
            for email in emails:
                if rng.random() >= ARTIFACT_SHARE:
                    continue
                for n in range(rng.choice((1, 1, 1, 2, 3))):
                    count += 1
                    writer.writerow(
                        (
                            email,
                            week_start.isoformat(),
                            f"Built thing {count}",
                            f"https://example.com/built/{count}",
                            rng.choice(ARTIFACT_KINDS),
                            f"{rng.choice((0, 0.5, 1, 2, 4)):.2f}",
                            f"{rng.choice((1, 1, 1, 2, 3, 5)) + n:.2f}",
                        )
                    )
    return count


if __name__ == "__main__":
    import sys

    dataset(int(sys.argv[1]) if len(sys.argv) > 1 else 85_000)
