"""End to end through the real app: Slack-signed HTTP requests to its endpoint, a real database, a local Slack."""
