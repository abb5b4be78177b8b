"""Usage in: CSV/JSON Lines files and the providers' admin APIs, prices, identity, writing usage rows.

Imports only bot.domain and bot.db.
"""
