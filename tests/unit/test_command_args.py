import pytest

from bot.domain.command_args import ArgumentProblem, Target, mention_id, parse_person, parse_target_and_weeks


@pytest.mark.parametrize(
    ("text", "expected"),
    [("<@U123|bob>", "U123"), ("<@U123>", "U123"), ("<@W0ABC|a b>", "W0ABC"), ("@bob", None), ("<#C1|x>", None)],
)
def test_mentions_as_slack_escapes_them(text, expected):
    assert mention_id(text) == expected


@pytest.mark.parametrize(
    ("text", "target", "weeks"),
    [
        ("", Target(), 1),
        ("4", Target(), 4),
        ("<@U0BOB|bob> 12", Target(user_id="U0BOB"), 12),
        ("<@U0BOB>", Target(user_id="U0BOB"), 1),
        ("Search Infra", Target(team_name="Search Infra"), 1),
        ("Search Infra 3", Target(team_name="Search Infra"), 3),
    ],
)
def test_target_and_weeks(text, target, weeks):
    assert parse_target_and_weeks(text) == (target, weeks)


def test_default_weeks_can_be_chosen():
    assert parse_target_and_weeks("", default_weeks=12) == (Target(), 12)


@pytest.mark.parametrize("text", ["0", "13", "-1", "Platform 99", "@bob", "<@U1|a> <@U2|b>", "<!channel>", "x" * 201])
def test_bad_arguments_say_what_to_type(text):
    with pytest.raises(ArgumentProblem) as caught:
        parse_target_and_weeks(text)
    assert "<" not in str(caught.value).replace("<@", "")  # never echoes markup back


def test_person_argument():
    assert parse_person("<@U0CAROL|carol>") == ("U0CAROL", None)
    assert parse_person("<@U0CAROL|carol> 6") == ("U0CAROL", 6)
    for bad in ["", "carol", "<@U0CAROL|carol> 13", "<@U0CAROL|carol> x"]:
        with pytest.raises(ArgumentProblem):
            parse_person(bad)
