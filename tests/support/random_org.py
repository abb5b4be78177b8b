"""A random people file that changes like a real one (moves, departures, hires, people coming back)."""

from __future__ import annotations

import random

from bot.ingest.records import PersonRecord


class RandomOrg:
    """A people file as a dict (email → manager email), changed at random and kept valid (no cycles)."""

    def __init__(self, rng: random.Random, size: int) -> None:
        self.rng = rng
        self.count = 0
        self.managers: dict[str, str | None] = {}
        for _ in range(size):
            self.hire()

    def hire(self) -> str:
        email = f"p{self.count}@example.com"
        self.count += 1
        listed = list(self.managers)
        self.managers[email] = self.rng.choice(listed) if listed and self.rng.random() > 0.05 else None
        return email

    def below(self, email: str) -> set[str]:
        found, frontier = set(), {email}
        while frontier:
            frontier = {p for p, m in self.managers.items() if m in frontier} - found
            found |= frontier
        return found

    def move(self, email: str) -> None:
        allowed = [p for p in self.managers if p != email and p not in self.below(email)]
        self.managers[email] = self.rng.choice(allowed) if allowed and self.rng.random() > 0.1 else None

    def leave(self, email: str) -> None:
        manager = self.managers.pop(email)
        for person, theirs in self.managers.items():
            if theirs == email:
                self.managers[person] = manager

    def come_back(self, email: str) -> None:
        self.managers[email] = self.rng.choice(list(self.managers)) if self.managers else None

    def records(self) -> list[PersonRecord]:
        return [
            PersonRecord(line, email, f"Person {email}", self.rng.choice(("Red", "Blue")), manager, None, None)
            for line, (email, manager) in enumerate(self.managers.items(), start=2)
        ]

    def change(self, moves: int, departures: int, hires: int) -> None:
        for email in self.rng.sample(list(self.managers), min(moves, len(self.managers))):
            self.move(email)
        for email in self.rng.sample(list(self.managers), min(departures, len(self.managers) - 1)):
            self.leave(email)
        for _ in range(hires):
            self.hire()
