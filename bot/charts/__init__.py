"""Drawing charts (matplotlib, headless Agg): a `Chart` from bot/domain/chart.py in, PNG bytes out.

Only the code that draws imports this package, and matplotlib is imported on the first drawing,
so the CLI and the bot start without it. Services never import it: they are given a ChartRenderer.
"""
