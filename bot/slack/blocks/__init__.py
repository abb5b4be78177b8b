"""Block Kit builders: plain values from bot.domain in, JSON blocks out, always within Slack's limits.

Pure and snapshot-tested; import nothing of Buildboard but bot.domain.
"""
