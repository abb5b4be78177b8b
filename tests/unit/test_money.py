from decimal import Decimal

import pytest

from bot.domain.money import cents_to_usd, format_tokens, format_usd


@pytest.mark.parametrize(
    ("cents", "usd"),
    [
        ("123.45", "1.2345"),
        (" 0.01 ", "0.0001"),
        ("1000000", "10000"),
        ("-250", "-2.5"),
        (12345, "123.45"),
        (0, "0"),
        (Decimal("99.999"), "0.99999"),
        (0.1, "0.001"),
        (123.45, "1.2345"),
    ],
)
def test_cents_to_usd_is_exact(cents, usd):
    result = cents_to_usd(cents)
    assert isinstance(result, Decimal)
    assert result == Decimal(usd)


def test_cents_string_keeps_every_digit():
    assert str(cents_to_usd("123.45")) == "1.2345"
    assert cents_to_usd("0.000000000000000000000000000001") == Decimal("1E-32")
    # Precision beyond the default 28-digit context is kept too.
    long = "1234567890123456789012345678901.23"
    assert cents_to_usd(long) == Decimal("12345678901234567890123456789.0123")


@pytest.mark.parametrize("bad", ["", "abc", "1,50", "NaN", "Infinity", True, None, [1]])
def test_cents_to_usd_refuses_non_amounts(bad):
    with pytest.raises(ValueError):
        cents_to_usd(bad)


@pytest.mark.parametrize(
    ("amount", "text"),
    [
        ("1234.5", "$1,234.50"),
        ("1234567.891", "$1,234,567.89"),
        ("9.99", "$9.99"),
        ("9.995", "$10.00"),
        ("0.42", "$0.42"),
        ("0.01", "$0.01"),
        ("0.0099", "<$0.01"),
        ("0.000001", "<$0.01"),
        ("0", "$0.00"),
        ("-3.2", "-$3.20"),
        ("-0.004", "-<$0.01"),
        ("50", "$50.00"),
    ],
)
def test_format_usd(amount, text):
    assert format_usd(Decimal(amount)) == text


@pytest.mark.parametrize(
    ("tokens", "text"),
    [
        (0, "0"),
        (812, "812"),
        (999, "999"),
        (1_000, "1K"),
        (1_049, "1K"),
        (1_050, "1.1K"),
        (12_345, "12.3K"),
        (99_950, "100K"),
        (950_000, "950K"),
        (999_499, "999K"),
        (999_500, "1M"),
        (1_200_000, "1.2M"),
        (1_250_000, "1.3M"),
        (45_000_000, "45M"),
        (12_345_678_901, "12.3B"),
        (3_000_000_000_000, "3T"),
        (-5_300, "-5.3K"),
    ],
)
def test_format_tokens(tokens, text):
    assert format_tokens(tokens) == text
