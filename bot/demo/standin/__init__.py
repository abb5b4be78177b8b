"""Local stand-ins for the services the bot talks to (Slack's Web API), for the demo, the benches and the tests."""
