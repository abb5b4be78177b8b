"""The week's paragraph keeps no link but the week's artifacts' own links (the model may write any)."""

from __future__ import annotations

import pytest

from bot.domain.story import paragraph_links_kept

ARTIFACT = "https://git.example.com/ticket"


@pytest.mark.parametrize(
    ("written", "kept"),
    [
        (f"See {ARTIFACT}.", f"See {ARTIFACT}."),
        ("See https://evil.example/x now.", "See now."),
        (f"See {ARTIFACT}/../evil and http://evil.example.", "See and ."),
        ("Use <https://evil.example|the new tool> today", "Use the new tool today"),
        (f"Use <{ARTIFACT}|the triage bot>", f"Use the triage bot ({ARTIFACT})"),
        (f"<{ARTIFACT}>", ARTIFACT),
        ("<https://evil.example>", ""),
        ("Go to www.evil.example, evil.example/login or phish.com", "Go to , or"),
        ("mailto:someone@evil.example", ""),
        ("FTP://EVIL.EXAMPLE/x", ""),
        ("Built with Node.js, e.g. for v1.2.3", "Built with Node.js, e.g. for v1.2.3"),
        ("Hi <!channel> and <@U0BOB>", "Hi <!channel> and <@U0BOB>"),  # text: the renderer escapes them
    ],
)
def test_only_the_weeks_links_stay(written, kept):
    assert paragraph_links_kept(written, [ARTIFACT]) == kept
