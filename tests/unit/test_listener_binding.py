"""Bolt injects only the Slack arguments a bound listener names; the Runtime stays bound."""

from slack_bolt.util.utils import get_arg_names_of_callable, get_name_for_callable

from bot.slack.listeners.actions.share_button_clicked import share_button_clicked
from bot.slack.listeners.binding import with_runtime
from bot.slack.listeners.commands.buildboard_command import buildboard_command


def test_bolt_sees_the_slack_arguments_only():
    bound = with_runtime(share_button_clicked, runtime=object())
    assert get_arg_names_of_callable(bound) == ["ack", "body", "action"]
    assert get_name_for_callable(bound) == "share_button_clicked"


def test_extra_bound_keywords_stay_out_of_bolts_view_too():
    bound = with_runtime(buildboard_command, runtime=object(), subcommands=())
    assert get_arg_names_of_callable(bound) == ["ack", "command", "respond"]
