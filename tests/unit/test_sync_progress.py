"""The sync's terminal progress bar and default window."""

import io
from datetime import UTC, date, datetime

from bot.commands.sync import TerminalProgress
from bot.services.sync import default_window


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_bar_draws_on_a_terminal_only():
    terminal = Terminal()
    bar = TerminalProgress("openai 2026-11-01..2026-11-10", terminal)
    bar(5, 10)
    bar(10, 10)
    bar.close()
    assert terminal.getvalue() == (
        "\ropenai 2026-11-01..2026-11-10 [###############---------------] 5/10 days"
        "\ropenai 2026-11-01..2026-11-10 [##############################] 10/10 days\n"
    )
    pipe = io.StringIO()
    quiet = TerminalProgress("openai", pipe)
    quiet(1, 2)
    quiet.close()
    assert pipe.getvalue() == ""


def test_default_window_is_the_last_three_utc_days():
    late_evening = datetime(2026, 11, 25, 23, 30, tzinfo=UTC)
    assert default_window(late_evening) == (date(2026, 11, 23), date(2026, 11, 25))
    assert default_window(late_evening, until=date(2026, 11, 1)) == (date(2026, 10, 30), date(2026, 11, 1))
