"""`buildboard prices check`."""

from __future__ import annotations

import argparse

from bot.commands.common import CommandError, runtime, sessions_or_fail


def prices_check(args: argparse.Namespace) -> int:
    from bot.ingest.prices import PriceTable
    from bot.ingest.seat_prices import SeatPrices
    from bot.services.price_check import check_prices

    rt = runtime()
    try:
        prices = PriceTable.load(rt.settings.prices_file)
        seat_prices = SeatPrices.load(rt.settings.seats_file)
    except ValueError as exc:
        raise CommandError(str(exc)) from None
    sessions = sessions_or_fail(rt)
    today = rt.clock().date()
    with sessions() as session:
        check = check_prices(session, prices, seat_prices, today=today)
    if check.complete:
        print(f"prices: every model used since {check.since} is priced, and every seat plan held has a price")
        return 0
    if check.unknown_models:
        print(
            f"models used since {check.since} that the price table does not know "
            "(add them with BUILDBOARD_PRICES_FILE):"
        )
        for m in check.unknown_models:
            print(f"  {m.provider} {m.model}: {m.tokens:,} tokens, last used {m.last_day}")
    if check.unpriced_plans:
        print("seat plans held with no monthly price (add them with BUILDBOARD_SEATS_FILE):")
        for plan in check.unpriced_plans:
            print(f"  {plan}")
    return 0
