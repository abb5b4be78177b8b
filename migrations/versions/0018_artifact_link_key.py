"""artifacts.link_key: the normalised link's hash, unique, so one link counts once in the whole organisation

Revision ID: 0018
Revises: 0017
Create Date: 2026-11-29
"""

import hashlib
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import sqlalchemy as sa
from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def _normalise(url: str) -> str:
    # A copy of bot.domain.claims.normalise_link as it was when this migration was written (migrations never
    # import the application, so later changes to the rule cannot change what this migration did).
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    netloc = (parts.hostname or "").lower()
    if parts.port is not None and not (
        (scheme == "https" and parts.port == 443) or (scheme == "http" and parts.port == 80)
    ):
        netloc = f"{netloc}:{parts.port}"
    if parts.username or parts.password:
        netloc = f"{parts.username or ''}{':' + parts.password if parts.password else ''}@{netloc}"
    query = parts.query
    pairs = parse_qsl(query, keep_blank_values=True)
    if any(k.lower().startswith("utm_") for k, _ in pairs):
        query = urlencode([(k, v) for k, v in pairs if not k.lower().startswith("utm_")])
    return urlunsplit((scheme, netloc, parts.path.rstrip("/"), query, ""))


def upgrade() -> None:
    with op.batch_alter_table("artifacts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("link_key", sa.String(length=64), nullable=True))
    # Existing links: the first artifact with a link holds it; a later copy of the same link gets no key (its
    # stored work units stay as they were: the rule applies to what is shared or estimated from now on).
    connection = op.get_bind()
    artifacts = sa.table(
        "artifacts",
        sa.column("id", sa.Integer),
        sa.column("url", sa.String),
        sa.column("link_key", sa.String),
        sa.column("created_at", sa.DateTime),
    )
    seen: set[str] = set()
    rows = connection.execute(
        sa.select(artifacts.c.id, artifacts.c.url)
        .where(artifacts.c.url.is_not(None))
        .order_by(artifacts.c.created_at, artifacts.c.id)
    ).all()
    for artifact_id, url in rows:
        if not url or not url.strip():
            continue
        key = hashlib.sha256(_normalise(url).encode("utf-8")).hexdigest()
        if key in seen:
            continue
        seen.add(key)
        connection.execute(artifacts.update().where(artifacts.c.id == artifact_id).values(link_key=key))
    with op.batch_alter_table("artifacts", schema=None) as batch_op:
        batch_op.create_unique_constraint(batch_op.f("uq_artifacts_link_key"), ["link_key"])


def downgrade() -> None:
    with op.batch_alter_table("artifacts", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_artifacts_link_key"), type_="unique")
        batch_op.drop_column("link_key")
