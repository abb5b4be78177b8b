import json
from decimal import Decimal
from importlib.resources import files

import pytest

from bot.ingest.prices import ModelPrice, PriceTable, UnknownModel

OPENAI_MODELS = [
    "gpt-5",
    "gpt-5-mini",
    "gpt-5-nano",
    "gpt-4.1",
    "gpt-4.1-mini",
    "gpt-4.1-nano",
    "gpt-4o",
    "gpt-4o-mini",
    "o3",
    "o4-mini",
    "o3-mini",
    "o1",
    "text-embedding-3-small",
    "text-embedding-3-large",
]
ANTHROPIC_MODELS = [
    "claude-opus-4-1",
    "claude-opus-4",
    "claude-sonnet-4-5",
    "claude-sonnet-4",
    "claude-3-7-sonnet",
    "claude-haiku-4-5",
    "claude-3-5-haiku",
    "claude-3-haiku",
]


@pytest.fixture(scope="module")
def table() -> PriceTable:
    return PriceTable.load()


def write(tmp_path, content, name="prices.json"):
    path = tmp_path / name
    path.write_text(content if isinstance(content, str) else json.dumps(content), encoding="utf-8")
    return path


def test_bundled_file_is_package_data_with_meta():
    document = json.loads((files("bot.ingest") / "prices.json").read_text(encoding="utf-8"))
    assert set(document["_meta"]) >= {"source", "retrieved", "units", "note"}
    assert document["_meta"]["units"] == "USD per token"
    for name, entry in document["models"].items():
        assert entry["provider"] in {"openai", "anthropic"}, name
        assert {"input_cost_per_token", "output_cost_per_token", "cache_read_input_token_cost"} <= set(entry), name


def test_source_and_date(table):
    assert "LiteLLM" in table.source
    assert len(table.retrieved) == 10 and table.retrieved[4] == "-"


@pytest.mark.parametrize("model", OPENAI_MODELS + ANTHROPIC_MODELS)
def test_covers_current_models(table, model):
    assert table.knows(model)
    expected = "anthropic" if model.startswith("claude") else "openai"
    assert table.provider_for(model) == expected


def test_list_prices_per_million(table):
    million = Decimal(1_000_000)
    gpt4o = table.price_for("gpt-4o")
    assert (gpt4o.input * million, gpt4o.output * million, gpt4o.cached_input * million) == (2.5, 10, 1.25)
    assert gpt4o.cache_write is None
    sonnet = table.price_for("claude-sonnet-4")
    assert sonnet == ModelPrice(
        input=Decimal("0.000003"),
        output=Decimal("0.000015"),
        cached_input=Decimal("0.0000003"),
        cache_write=Decimal("0.00000375"),
    )
    assert table.price_for("claude-opus-4-1").output * million == 75
    assert table.price_for("gpt-5").cached_input * million == Decimal("0.125")


def test_prices_are_exact_decimals(table):
    # Built from the JSON text, not from binary floats: no 0.0000025000000000000001 creeping in.
    assert table.price_for("gpt-4o").input == Decimal("0.0000025")
    assert table.price_for("gpt-4o-mini").cached_input == Decimal("0.000000075")


def test_cost_with_cached_input(table):
    cost = table.cost_usd("gpt-4o", input_tokens=1_000_000, cached_input_tokens=400_000, output_tokens=200_000)
    # 600,000 × $2.50/M + 400,000 × $1.25/M + 200,000 × $10/M
    assert cost == Decimal("4.000000")


def test_cost_with_anthropic_cache_write(table):
    cost = table.cost_usd(
        "claude-sonnet-4",
        input_tokens=1_000_000,
        cached_input_tokens=500_000,
        cache_write_tokens=100_000,
        output_tokens=50_000,
    )
    # 400,000 × $3/M + 500,000 × $0.30/M + 100,000 × $3.75/M + 50,000 × $15/M = 1.20 + 0.15 + 0.375 + 0.75
    assert cost == Decimal("2.475000")


def test_cache_write_without_its_own_price_costs_input(table):
    cost = table.cost_usd("gpt-4o", input_tokens=1_000, cache_write_tokens=1_000, output_tokens=0)
    assert cost == Decimal("0.002500")


def test_cost_is_rounded_half_up_to_micro_dollars(table):
    # 1 token of gpt-4o-mini cached input = $0.000000075 → 0.000000; 7 tokens = 0.000000525 → 0.000001
    assert table.cost_usd("gpt-4o-mini", input_tokens=1, cached_input_tokens=1, output_tokens=0) == 0
    assert table.cost_usd("gpt-4o-mini", input_tokens=7, cached_input_tokens=7, output_tokens=0) == Decimal("0.000001")
    assert table.cost_usd("gpt-4o", input_tokens=0, output_tokens=0).as_tuple().exponent == -6


def test_embeddings_have_no_output_price(table):
    assert table.cost_usd("text-embedding-3-small", input_tokens=1_000_000, output_tokens=0) == Decimal("0.02")


def test_cached_more_than_input_is_refused(table):
    with pytest.raises(ValueError, match="exceed input_tokens"):
        table.cost_usd("gpt-4o", input_tokens=100, cached_input_tokens=80, cache_write_tokens=30, output_tokens=1)
    with pytest.raises(ValueError, match="negative"):
        table.cost_usd("gpt-4o", input_tokens=-1, output_tokens=0)


@pytest.mark.parametrize(
    ("name", "base"),
    [
        ("claude-sonnet-4-20250514", "claude-sonnet-4"),
        ("claude-sonnet-4@20250514", "claude-sonnet-4"),
        ("claude-opus-4-1-20250805", "claude-opus-4-1"),
        ("claude-3-5-haiku-latest", "claude-3-5-haiku"),
        ("gpt-4o-2024-08-06", "gpt-4o"),
        ("gpt-4o-mini-2024-07-18", "gpt-4o-mini"),
        ("openai/gpt-4o", "gpt-4o"),
        ("anthropic/claude-sonnet-4-20250514", "claude-sonnet-4"),
    ],
)
def test_fallback_names(table, name, base):
    assert table.knows(name)
    assert table.price_for(name) == table.price_for(base)


def test_dated_fallback_costs_like_the_undated_model(table):
    assert table.cost_usd("claude-sonnet-4-20250514", input_tokens=10, output_tokens=10) == table.cost_usd(
        "claude-sonnet-4", input_tokens=10, output_tokens=10
    )


@pytest.mark.parametrize("name", ["gpt-7", "claude-sonnet-9-20300101", "mistral/mistral-large", "", "gpt-4o-extra"])
def test_unknown_model_raises(table, name):
    assert not table.knows(name)
    with pytest.raises(UnknownModel) as caught:
        table.price_for(name)
    assert caught.value.model == name
    with pytest.raises(UnknownModel):
        table.cost_usd(name, input_tokens=1, output_tokens=1)


def test_override_merges_on_top(tmp_path):
    path = write(
        tmp_path,
        {
            "models": {
                "gpt-4o": {"input_cost_per_token": 2e-06},  # one field of a known model
                "acme-large": {"provider": "openai", "input_cost_per_token": 1e-06, "output_cost_per_token": 4e-06},
            }
        },
    )
    table = PriceTable.load(path)
    gpt4o = table.price_for("gpt-4o")
    assert gpt4o.input == Decimal("0.000002")
    assert gpt4o.output == Decimal("0.00001")  # untouched
    acme = table.price_for("acme-large-2025-01-01")
    assert acme == ModelPrice(
        input=Decimal("0.000001"), output=Decimal("0.000004"), cached_input=Decimal("0.000001"), cache_write=None
    )
    assert table.knows("claude-sonnet-4")  # bundled models stay
    assert str(path) in table.source
    assert table.retrieved == PriceTable.load().retrieved


def test_override_meta_is_used(tmp_path):
    path = write(
        tmp_path,
        {
            "_meta": {"source": "our contract", "retrieved": "2026-01-05"},
            "models": {"o3": {"output_cost_per_token": 7e-06}},
        },
    )
    table = PriceTable.load(str(path))
    assert table.retrieved == "2026-01-05"
    assert "our contract" in table.source
    assert table.price_for("o3").output == Decimal("0.000007")


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        ("{not json", "not valid JSON"),
        ([1, 2], "JSON object"),
        ({"gpt-4o": {"input_cost_per_token": 1e-06}}, 'missing the "models"'),
        ({"models": []}, '"models" must be an object'),
        ({"models": {"gpt-4o": 3}}, "'gpt-4o' must be an object"),
        ({"models": {"gpt-4o": {"input_cost_per_token": "cheap"}}}, "'input_cost_per_token' must be a number"),
        ({"models": {"gpt-4o": {"output_cost_per_token": -1e-06}}}, "must not be negative"),
        ({"models": {"gpt-4o": {"input_cost_per_token": True}}}, "must be a number"),
        ({"models": {"new-model": {"input_cost_per_token": 1e-06}}}, "'new-model' has no 'output_cost_per_token'"),
    ],
)
def test_bad_override_names_the_file_and_the_problem(tmp_path, content, problem):
    path = write(tmp_path, content, name="our-prices.json")
    with pytest.raises(ValueError) as caught:
        PriceTable.load(path)
    assert str(path) in str(caught.value)
    assert problem in str(caught.value)


def test_missing_override_file(tmp_path):
    with pytest.raises(ValueError, match="cannot be read") as caught:
        PriceTable.load(tmp_path / "nope.json")
    assert "nope.json" in str(caught.value)


def test_unknown_model_message_says_what_to_do():
    assert "override" in str(UnknownModel("gpt-7"))
