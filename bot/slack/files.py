"""Files Buildboard uploads: into one person's DM, or shared nowhere (a chart only their App Home shows)."""

from __future__ import annotations

from slack_sdk import WebClient


def send_file_to_user(
    client: WebClient,
    user_id: str,
    *,
    filename: str,
    content: str | bytes,
    title: str,
    comment: str,
    alt_text: str | None = None,
) -> str:
    """Upload `content` as `filename` into the user's DM (conversations.open, files_upload_v2); returns the DM."""
    channel = client.conversations_open(users=user_id)["channel"]["id"]
    client.files_upload_v2(
        channel=channel, content=content, filename=filename, title=title, initial_comment=comment, alt_txt=alt_text
    )
    return channel


class SlackPrivateFiles:
    """Uploads with files_upload_v2 and no channel: the file is the app's alone until something shows it.

    A Home view's image block shows it by id (`slack_file`) to the one person the view belongs to;
    it is never shared in a channel or DM, so nobody else can find it.
    """

    def __init__(self, client: WebClient) -> None:
        self._client = client

    def upload(self, *, filename: str, content: bytes, title: str, alt_text: str) -> str:
        answer = self._client.files_upload_v2(content=content, filename=filename, title=title, alt_txt=alt_text)
        files = answer.get("files") or [answer.get("file") or {}]
        return str((files[0] or {})["id"])
