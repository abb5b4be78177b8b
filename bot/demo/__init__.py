"""`buildboard demo` and what it stands on: a synthetic organisation, its usage and artifacts, and local
stand-ins for Slack (standin/). A demo and test aid: the app never imports it.
"""
