"""Pure values and rules: weeks, money, ranking, titles, nudge selection, flags, what is public.

No Slack, no SQL, no I/O: imports nothing of Buildboard's other packages. Most unit tests live here.
"""
