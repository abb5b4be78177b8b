"""The Slack-id progress line of `org import`: drawn on a terminal only, ended with a newline."""

import io

from bot.commands.data import DirectoryProgress


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_the_progress_line_is_drawn_on_a_terminal_and_ended():
    stream = Terminal()
    progress = DirectoryProgress(stream)
    progress(1, 150, 70_000)
    progress(350, 70_000, 70_000)
    progress.close()
    assert stream.getvalue() == (
        "\rSlack ids: 150 of 70,000 found (1 page of users.list)"
        "\rSlack ids: 70,000 of 70,000 found (350 pages of users.list)\n"
    )


def test_nothing_is_written_off_a_terminal():
    stream = io.StringIO()
    progress = DirectoryProgress(stream)
    progress(3, 10, 10)
    progress.close()
    assert stream.getvalue() == ""
