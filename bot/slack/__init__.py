"""Slack: the Bolt app and its listeners, Block Kit builders, the Web API client and the delivery
adapter (the outbox sender and the renderer that builds each message when it is sent).
"""
