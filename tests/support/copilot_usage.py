"""A Copilot organisation on the local GitHub: three days of the users report, four seats, two profiles."""

from __future__ import annotations

from datetime import date

from tests.fakes.github_api import FakeGitHub

D20, D21, D22 = date(2026, 11, 20), date(2026, 11, 21), date(2026, 11, 22)


def bob_row(loc_added: int = 30) -> dict:
    return {
        "user_id": 101,
        "user_login": "bobb",
        "user_initiated_interaction_count": 10,
        "code_generation_activity_count": 12,
        "code_acceptance_activity_count": 7,
        "loc_suggested_to_add_sum": 40,
        "loc_added_sum": loc_added,
        "loc_deleted_sum": 5,
        "used_agent": True,
        "used_chat": True,
        "totals_by_feature": [
            {"feature": "code_completion", "user_initiated_interaction_count": 0, "loc_added_sum": 10},
            {"feature": "chat_panel_agent_mode", "user_initiated_interaction_count": 4, "loc_added_sum": 20},
            {"feature": "chat_panel_ask_mode", "user_initiated_interaction_count": 6, "loc_added_sum": 0},
        ],
        "totals_by_cli": {
            "last_known_cli_version": {"cli_version": "1.0.8", "sampled_at": "2026-11-20T09:01:43.000Z"},
            "prompt_count": 2,
            "request_count": 2,
            "session_count": 2,
            "token_usage": {"avg_tokens_per_request": 4400.0, "output_tokens_sum": 5000, "prompt_tokens_sum": 3800},
        },
    }


def fill(github: FakeGitHub) -> None:
    github.add_copilot_day(
        D20,
        [
            bob_row(),
            # Carol only took completions: an active day with lines, no interactions.
            {
                "user_login": "carol-c",
                "user_initiated_interaction_count": 0,
                "code_generation_activity_count": 3,
                "code_acceptance_activity_count": 2,
                "loc_added_sum": 8,
                "loc_deleted_sum": 0,
                "used_agent": False,
                "used_chat": False,
            },
        ],
    )
    github.add_copilot_day(
        D21,
        [
            {"user_login": "dandan", "user_initiated_interaction_count": 2, "used_chat": True, "loc_added_sum": 0},
            {"user_login": "stranger", "user_initiated_interaction_count": 1, "loc_added_sum": 5},
        ],
    )
    # No report for D22 yet: GitHub answers 404 for the day.
    github.profile_emails["dandan"] = "Dan@Example.com"  # Dan has no github_login: matched by his profile email
    github.profile_emails["stranger"] = "stranger@elsewhere.example"  # not a person: unmatched
    github.add_seat("bobb", "business", "2026-11-20T10:00:00Z")
    github.add_seat("carol-c", "enterprise", None)
    github.add_seat("dandan", "business", "2026-10-01T08:00:00Z")
    github.add_seat("ghost", "business", None)
