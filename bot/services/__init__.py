"""Use cases (digest, nudges, sharing, team stats, exports, sync, erasure, …): domain rules over the
database, talking to the outside only through the ports they are given (bot/services/ports.py).

Never imports bot.slack, bot.jobs, bot.commands or bot.demo; returns plain values defined in bot.domain.
"""
