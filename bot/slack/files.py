"""Files sent to one person: the one way Buildboard puts a file in someone's DM."""

from __future__ import annotations

from slack_sdk import WebClient


def send_file_to_user(client: WebClient, user_id: str, *, filename: str, content: str, title: str, comment: str) -> str:
    """Upload `content` as `filename` into the user's DM (conversations.open, files_upload_v2); returns the DM."""
    channel = client.conversations_open(users=user_id)["channel"]["id"]
    client.files_upload_v2(channel=channel, content=content, filename=filename, title=title, initial_comment=comment)
    return channel
