"""Title rules on hand-built weeks: the Goodhart guard, ties, repeat holders, opted-out people, the rule file."""

import os
from datetime import date
from decimal import Decimal

import pytest

from bot.domain.stats import PersonWeek
from bot.domain.titles import (
    DEFAULT_RULES_FILE,
    TitleHistory,
    TitleRulesError,
    award_titles,
    load_rules,
    longest_run,
    ordinal,
)

RULES = load_rules()


def week(pid, tokens=0, spend="0", days=0, artifacts=0, units="0", streak=0):
    return PersonWeek(pid, tokens, Decimal(spend), days, artifacts, Decimal(units), streak)


def holders(awards, key):
    return [a.person_id for a in awards if a.title_key == key]


# 1 burns the most tokens and shares nothing; 2 and 3 shared something.
BURNER = week(1, tokens=9_000_000, spend="400", days=7, streak=7)
BUILDER = week(2, tokens=2_000_000, spend="60", days=5, artifacts=2, units="3", streak=3)
TINKERER = week(3, tokens=500_000, spend="12", days=3, artifacts=1, units="1", streak=3)
WEEK = [BURNER, BUILDER, TINKERER]


def test_the_default_rules_ship_with_the_package():
    assert DEFAULT_RULES_FILE.name == "titles.toml" and DEFAULT_RULES_FILE.exists()
    assert [r.key for r in RULES] == [
        "token_legend",
        "session_immortal",
        "builder_of_the_week",
        "efficiency_ace",
        "rising_star",
        "first_build",
    ]
    assert [r.name for r in RULES][:2] == ["Token Legend", "Session Immortal"]


def test_the_top_token_user_without_an_artifact_is_no_token_legend_while_artifacts_are_required():
    awards = award_titles(WEEK, {}, TitleHistory(), rules=RULES, require_artifact=True)
    assert holders(awards, "token_legend") == [2]
    assert holders(awards, "session_immortal") == [2]
    [legend] = [a for a in awards if a.title_key == "token_legend"]
    assert (legend.name, legend.emoji, legend.metric_value, legend.streak_weeks) == (
        "Token Legend",
        ":fire:",
        Decimal(2_000_000),
        1,
    )


def test_without_the_requirement_tokens_alone_still_win_no_title():
    # Issue 17: titles are public, and nobody is shown in public without counted output that week, so even
    # with BUILDBOARD_TITLES_REQUIRE_ARTIFACT=false the burner (no output) holds nothing: the best with output does.
    awards = award_titles(WEEK, {}, TitleHistory(), rules=RULES, require_artifact=False)
    assert holders(awards, "token_legend") == [2]
    assert holders(awards, "session_immortal") == [2]
    assert holders(awards, "builder_of_the_week") == [2]
    assert all(a.person_id != 1 for a in awards)


def test_an_artifact_worth_nothing_is_no_output_for_any_title():
    # An admin overrode the only artifact to 0 work units: shared, but no counted output.
    zero = week(4, tokens=50_000_000, spend="900", days=7, artifacts=1, units="0", streak=7)
    awards = award_titles([*WEEK, zero], {}, TitleHistory(), rules=RULES, require_artifact=False)
    assert all(a.person_id != 4 for a in awards)


def test_output_titles():
    previous = {2: week(2, artifacts=1, units="1"), 3: week(3)}
    history = TitleHistory(first_artifact_people=frozenset({3}))
    awards = award_titles(WEEK, previous, history, rules=RULES)
    assert holders(awards, "builder_of_the_week") == [2]
    # $60 / 3 units = $20 per unit; $12 / 1 unit = $12 per unit: both spent at least $10.
    assert holders(awards, "efficiency_ace") == [3]
    [ace] = [a for a in awards if a.title_key == "efficiency_ace"]
    assert ace.metric_value == Decimal("12.00")
    # Rising Star: 2 went from 1 to 3 units (+2), 3 from 0 to 1 (+1).
    assert holders(awards, "rising_star") == [2]
    assert holders(awards, "first_build") == [3]


def test_efficiency_ace_needs_the_minimum_spend():
    cheap = week(4, tokens=10, spend="0.50", days=1, artifacts=1, units="5")
    awards = award_titles([*WEEK, cheap], {}, TitleHistory(), rules=RULES)
    assert holders(awards, "efficiency_ace") == [3]  # 4's $0.10 per unit is below the $10 minimum spend
    assert holders(awards, "builder_of_the_week") == [4]


def test_session_immortal_ties_go_to_the_longest_run_of_consecutive_days():
    a = week(10, tokens=100, spend="1", days=5, artifacts=1, units="1", streak=2)
    b = week(11, tokens=100, spend="1", days=5, artifacts=1, units="1", streak=5)
    c = week(12, tokens=100, spend="1", days=4, artifacts=1, units="1", streak=4)
    asked = []

    def runs(ids):
        asked.append(sorted(ids))
        return {10: 2, 11: 5, 12: 4}

    awards = award_titles([a, b, c], {}, TitleHistory(), rules=RULES, longest_runs=runs)
    assert holders(awards, "session_immortal") == [11]
    # Only the tied candidates were looked up, never everyone.
    assert asked == [[10, 11]]


def test_a_tie_on_work_units_goes_to_the_lower_cost_per_work_unit():
    dear = week(20, tokens=100, spend="90", days=1, artifacts=1, units="3")
    cheap = week(21, tokens=100, spend="30", days=1, artifacts=1, units="3")
    awards = award_titles([dear, cheap], {}, TitleHistory(), rules=RULES)
    assert holders(awards, "builder_of_the_week") == [21]


def test_a_full_tie_shares_the_title():
    twin_a = week(30, tokens=500, spend="20", days=2, artifacts=1, units="2", streak=2)
    twin_b = week(31, tokens=500, spend="20", days=2, artifacts=1, units="2", streak=2)
    awards = award_titles([twin_a, twin_b], {}, TitleHistory(), rules=RULES)
    assert holders(awards, "token_legend") == [30, 31]
    assert holders(awards, "builder_of_the_week") == [30, 31]


def test_a_repeat_holder_is_counted():
    history = TitleHistory(previous_holders={"builder_of_the_week": {2: 2}, "token_legend": {1: 4}})
    awards = award_titles(WEEK, {}, history, rules=RULES)
    [builder] = [a for a in awards if a.title_key == "builder_of_the_week"]
    assert (builder.person_id, builder.streak_weeks) == (2, 3)
    [legend] = [a for a in awards if a.title_key == "token_legend"]
    assert (legend.person_id, legend.streak_weeks) == (2, 1)  # 1 held it last week; 2 starts a new run
    assert ordinal(3) == "3rd" and ordinal(11) == "11th" and ordinal(22) == "22nd"


def test_an_opted_out_winner_leaves_the_title_to_the_next_eligible_person():
    awards = award_titles(WEEK, {}, TitleHistory(), rules=RULES, require_artifact=False, eligible={2, 3})
    assert holders(awards, "token_legend") == [2]
    assert 1 not in {a.person_id for a in awards}
    awards = award_titles(WEEK, {}, TitleHistory(), rules=RULES, eligible={3})
    assert holders(awards, "builder_of_the_week") == [3]


def test_nobody_qualifying_means_no_title():
    assert award_titles([week(1, tokens=10, spend="1", days=1)], {}, TitleHistory(), rules=RULES) == []
    assert award_titles([], {}, TitleHistory(), rules=RULES) == []


def test_longest_run():
    d = date(2026, 11, 16)
    days = [d, d.replace(day=17), d.replace(day=19), d.replace(day=20), d.replace(day=21)]
    assert longest_run(days) == 3
    assert longest_run([]) == 0


def test_an_operator_rule_file_replaces_the_default(tmp_path):
    path = tmp_path / "titles.toml"
    path.write_text(
        '[[title]]\nkey = "night_owl"\nname = "Night Owl"\nemoji = ":owl:"\nmetric = "spend_usd"\n'
        'direction = "lowest"\nrequires_artifact = "never"\nmin_spend_usd = 1\n'
    )
    [rule] = load_rules(path)
    awards = award_titles(WEEK, {}, TitleHistory(), rules=[rule])
    assert holders(awards, "night_owl") == [3]


def test_the_operator_rule_file_is_read_again_after_an_edit_and_only_then(tmp_path):
    from bot.services.titles import rules_for
    from bot.settings import Settings

    path = tmp_path / "titles.toml"
    rule = (
        '[[title]]\nkey = "night_owl"\nname = "{name}"\nemoji = ":owl:"\nmetric = "spend_usd"\n'
        'direction = "lowest"\nrequires_artifact = "never"\nmin_spend_usd = 1\n'
    )
    path.write_text(rule.format(name="Night Owl"))
    settings = Settings(titles_file=str(path), _env_file=None)
    assert [r.name for r in rules_for(settings)] == ["Night Owl"]
    assert rules_for(settings)[0] is rules_for(settings)[0]  # parsed once while the file is unchanged
    before = path.stat()
    path.write_text(rule.format(name="Night Bat"))  # the same length: the modification time tells it apart
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns + 1_000_000))
    assert [r.name for r in rules_for(settings)] == ["Night Bat"]
    path.write_text("[[title]]\n")
    with pytest.raises(TitleRulesError, match="field"):
        rules_for(settings)
    assert [r.name for r in rules_for(Settings(_env_file=None))] == [r.name for r in RULES]  # the bundled file


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (
            '[[title]]\nkey = "x"\nname = "X"\nmetric = "tokenz"\n',
            "title 1 (x): field 'metric': 'tokenz' is not one of",
        ),
        ('[[title]]\nkey = "x"\nname = "X"\n', "title 1 (x): field 'metric' is missing"),
        ('[[title]]\nkey = "x"\nname = "X"\nmetric = "tokens"\nmin_spend = 3\n', "unknown field 'min_spend'"),
        (
            '[[title]]\nkey = "x"\nname = "X"\nmetric = "tokens"\nmin_tokens = -1\n',
            "field 'min_tokens' must be a number of at least 0",
        ),
        (
            '[[title]]\nkey = "x"\nname = "X"\nmetric = "tokens"\ntie_break = ["luck"]\n',
            "field 'tie_break': 'luck' is not one of",
        ),
        (
            '[[title]]\nkey = "x"\nname = "X"\nmetric = "tokens"\n'
            '[[title]]\nkey = "x"\nname = "Y"\nmetric = "tokens"\n',
            "title 2: field 'key': 'x' is used twice",
        ),
        ("[[title]\n", "not valid TOML"),
        ("", "no titles"),
    ],
)
def test_a_bad_rule_file_names_the_file_and_the_field(tmp_path, body, message):
    path = tmp_path / "my-titles.toml"
    path.write_text(body)
    with pytest.raises(TitleRulesError) as caught:
        load_rules(path)
    assert str(path) in str(caught.value)
    assert message in str(caught.value)


def test_a_missing_rule_file_says_so(tmp_path):
    with pytest.raises(TitleRulesError, match="cannot read it"):
        load_rules(tmp_path / "nope.toml")
