"""Buildboard's settings: one class, read from the environment or a `.env` file."""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import time
from decimal import Decimal
from functools import lru_cache
from typing import Annotated, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import AliasChoices, Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from bot.domain.claims import ClaimRules
from bot.domain.errors import OperatorError


class NotConfigured(OperatorError):
    """A setting the command needs is not set; its text names the setting and where to find its value."""


def _env(*names: str) -> AliasChoices:
    return AliasChoices(*names)


class Settings(BaseSettings):
    """Everything an operator can set. Names are the interface (see README)."""

    model_config = SettingsConfigDict(env_file=".env", extra="ignore", populate_by_name=True)

    database_url: str = Field("sqlite:///buildboard.db", validation_alias=_env("DATABASE_URL"))

    slack_bot_token: SecretStr | None = Field(None, validation_alias=_env("SLACK_BOT_TOKEN"))
    slack_signing_secret: SecretStr | None = Field(None, validation_alias=_env("SLACK_SIGNING_SECRET"))
    slack_app_token: SecretStr | None = Field(None, validation_alias=_env("SLACK_APP_TOKEN"))
    slack_api_url: str = Field("https://slack.com/api/", validation_alias=_env("SLACK_API_URL"))

    digest_channel: str | None = Field(None, validation_alias=_env("BUILDBOARD_DIGEST_CHANNEL"))
    timezone: str = Field("UTC", validation_alias=_env("BUILDBOARD_TIMEZONE"))
    admins: Annotated[tuple[str, ...], NoDecode] = Field((), validation_alias=_env("BUILDBOARD_ADMINS"))

    nudge_min_spend_usd: Decimal = Field(Decimal("50"), ge=0, validation_alias=_env("BUILDBOARD_NUDGE_MIN_SPEND_USD"))
    nudge_top_percent: Decimal = Field(
        Decimal("10"), ge=0, le=100, validation_alias=_env("BUILDBOARD_NUDGE_TOP_PERCENT")
    )
    nudge_local_hour: int = Field(10, ge=0, le=23, validation_alias=_env("BUILDBOARD_NUDGE_LOCAL_HOUR"))
    remind_after_days: int = Field(2, ge=1, le=14, validation_alias=_env("BUILDBOARD_REMIND_AFTER_DAYS"))

    titles_require_artifact: bool = Field(True, validation_alias=_env("BUILDBOARD_TITLES_REQUIRE_ARTIFACT"))
    titles_file: str | None = Field(None, validation_alias=_env("BUILDBOARD_TITLES_FILE"))
    rank_by: Literal["work_units", "tokens", "spend"] = Field("work_units", validation_alias=_env("BUILDBOARD_RANK_BY"))
    # Issue 17: what public posts show, and the bounds on claims (bot/domain/claims.py).
    public_figures: Literal["output", "output_and_spend"] = Field(
        "output", validation_alias=_env("BUILDBOARD_PUBLIC_FIGURES")
    )
    max_counted_artifacts: int = Field(3, ge=1, le=50, validation_alias=_env("BUILDBOARD_MAX_COUNTED_ARTIFACTS"))
    unlinked_work_units: Decimal = Field(
        Decimal("0.5"), ge=0, le=13, validation_alias=_env("BUILDBOARD_UNLINKED_WORK_UNITS")
    )
    max_unlinked_hours: Decimal = Field(Decimal("8"), ge=0, validation_alias=_env("BUILDBOARD_MAX_UNLINKED_HOURS"))
    min_description_chars: int = Field(30, ge=0, le=3000, validation_alias=_env("BUILDBOARD_MIN_DESCRIPTION_CHARS"))
    unexplained_weeks: int = Field(3, ge=1, validation_alias=_env("BUILDBOARD_UNEXPLAINED_WEEKS"))

    digest_weekday: Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"] = Field(
        "mon", validation_alias=_env("BUILDBOARD_DIGEST_WEEKDAY")
    )
    digest_time: time = Field(time(9, 0), validation_alias=_env("BUILDBOARD_DIGEST_TIME"))

    retention_days: int = Field(400, ge=30, validation_alias=_env("BUILDBOARD_RETENTION_DAYS"))
    min_group_size: int = Field(5, ge=1, validation_alias=_env("BUILDBOARD_MIN_GROUP_SIZE"))
    forget_deactivated: bool = Field(False, validation_alias=_env("BUILDBOARD_FORGET_DEACTIVATED"))

    prices_file: str | None = Field(None, validation_alias=_env("BUILDBOARD_PRICES_FILE"))

    llm_enabled: bool = Field(True, validation_alias=_env("BUILDBOARD_LLM_ENABLED"))
    llm_model: str = Field("gpt-4.1-mini", validation_alias=_env("BUILDBOARD_LLM_MODEL"))
    llm_timeout_seconds: float = Field(20.0, gt=0, le=300, validation_alias=_env("BUILDBOARD_LLM_TIMEOUT_SECONDS"))
    llm_max_retries: int = Field(2, ge=0, le=5, validation_alias=_env("BUILDBOARD_LLM_MAX_RETRIES"))
    openai_api_key: SecretStr | None = Field(None, validation_alias=_env("OPENAI_API_KEY"))
    openai_base_url: str | None = Field(None, validation_alias=_env("OPENAI_BASE_URL"))
    openai_admin_key: SecretStr | None = Field(None, validation_alias=_env("OPENAI_ADMIN_KEY"))
    anthropic_admin_key: SecretStr | None = Field(None, validation_alias=_env("ANTHROPIC_ADMIN_KEY"))
    anthropic_base_url: str | None = Field(None, validation_alias=_env("ANTHROPIC_BASE_URL"))
    cursor_admin_key: SecretStr | None = Field(None, validation_alias=_env("CURSOR_ADMIN_KEY"))
    cursor_api_url: str = Field("https://api.cursor.com", validation_alias=_env("CURSOR_API_URL"))
    # The Admin API allows about 20 requests a minute per team; lower it if Cursor answers 429 often.
    cursor_requests_per_minute: float = Field(20.0, gt=0, validation_alias=_env("CURSOR_REQUESTS_PER_MINUTE"))

    # Seats (issue 18): monthly prices per seat, and when a seat counts as idle.
    seats_file: str | None = Field(None, validation_alias=_env("BUILDBOARD_SEATS_FILE"))
    idle_seat_days: int = Field(30, ge=1, validation_alias=_env("BUILDBOARD_IDLE_SEAT_DAYS"))
    idle_seat_dm: bool = Field(False, validation_alias=_env("BUILDBOARD_IDLE_SEAT_DM"))

    # Verified evidence (issue 17): merged pull requests read from GitHub.
    github_token: SecretStr | None = Field(None, validation_alias=_env("GITHUB_TOKEN"))
    github_org: str | None = Field(None, validation_alias=_env("GITHUB_ORG"))
    github_api_url: str = Field("https://api.github.com", validation_alias=_env("GITHUB_API_URL"))
    work_units_per_merged_pr: Decimal = Field(
        Decimal("0.5"), ge=0, le=13, validation_alias=_env("BUILDBOARD_WORK_UNITS_PER_MERGED_PR")
    )
    ai_tools_file: str | None = Field(None, validation_alias=_env("BUILDBOARD_AI_TOOLS_FILE"))

    # Running in production (issue 8): Slack pacing, the outbox sender, the scheduler and its leader.
    slack_workspace_rate: float = Field(5.0, ge=0, validation_alias=_env("BUILDBOARD_SLACK_WORKSPACE_RATE"))
    slack_workspace_burst: int = Field(1, ge=1, validation_alias=_env("BUILDBOARD_SLACK_WORKSPACE_BURST"))
    slack_channel_interval: float = Field(1.0, ge=0, validation_alias=_env("BUILDBOARD_SLACK_CHANNEL_INTERVAL"))
    outbox_interval_seconds: float = Field(5.0, gt=0, validation_alias=_env("BUILDBOARD_OUTBOX_INTERVAL_SECONDS"))
    outbox_claim_seconds: float = Field(60.0, gt=0, validation_alias=_env("BUILDBOARD_OUTBOX_CLAIM_SECONDS"))
    leader_lease_seconds: float = Field(45.0, gt=0, validation_alias=_env("BUILDBOARD_LEADER_LEASE_SECONDS"))
    auth_probe_seconds: float = Field(60.0, gt=0, validation_alias=_env("BUILDBOARD_AUTH_PROBE_SECONDS"))
    sync_time: time = Field(time(5, 0), validation_alias=_env("BUILDBOARD_SYNC_TIME"))
    retention_time: time = Field(time(4, 0), validation_alias=_env("BUILDBOARD_RETENTION_TIME"))

    port: int = Field(3000, validation_alias=_env("PORT"))
    log_format: Literal["text", "json"] = Field("text", validation_alias=_env("BUILDBOARD_LOG_FORMAT"))

    @field_validator("admins", mode="before")
    @classmethod
    def _split_admins(cls, value: object) -> object:
        if isinstance(value, str):
            return tuple(part.strip() for part in value.split(",") if part.strip())
        return value

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r}; use an IANA name such as Europe/Berlin") from exc
        return value

    @property
    def claim_rules(self) -> ClaimRules:
        """The bounds on claims, as the domain rules take them."""
        return ClaimRules(
            max_counted_artifacts=self.max_counted_artifacts,
            unlinked_work_units=self.unlinked_work_units,
            max_unlinked_hours=self.max_unlinked_hours,
            min_description_chars=self.min_description_chars,
        )

    @property
    def spend_public(self) -> bool:
        """Do public posts show spend beside output (BUILDBOARD_PUBLIC_FIGURES=output_and_spend)?"""
        return self.public_figures == "output_and_spend"

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def is_admin(self, *, email: str | None, slack_user_id: str | None) -> bool:
        wanted = {a.lower() for a in self.admins}
        return bool((email and email.lower() in wanted) or (slack_user_id and slack_user_id.lower() in wanted))


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process's settings, read once."""
    return Settings()


PREFIX = "BUILDBOARD_"


def known_names() -> tuple[str, ...]:
    """Every environment name Settings reads."""
    names: list[str] = []
    for field in Settings.model_fields.values():
        alias = field.validation_alias
        if isinstance(alias, AliasChoices):
            names.extend(choice for choice in alias.choices if isinstance(choice, str))
        elif isinstance(alias, str):
            names.append(alias)
    return tuple(names)


@dataclass(frozen=True)
class UnknownSetting:
    name: str
    where: str  # "the environment" or the .env file's path
    suggestion: str | None  # the closest known name, if one is close


def unknown_settings(environ: Mapping[str, str] | None = None, env_file: str = ".env") -> list[UnknownSetting]:
    """BUILDBOARD_* names in the environment or the .env file that no setting reads (a typo is silently ignored
    otherwise), each with the closest known name."""
    known = known_names()
    found: dict[str, str] = {}
    names: Iterable[str] = os.environ if environ is None else environ
    for name in names:
        if name.upper().startswith(PREFIX):
            found.setdefault(name, "the environment")
    if os.path.isfile(env_file):
        from dotenv import dotenv_values

        for name in dotenv_values(env_file):
            if name.upper().startswith(PREFIX):
                found.setdefault(name, env_file)
    wanted = {k.upper() for k in known}
    unknown = []
    for name, where in sorted(found.items()):
        if name.upper() in wanted:
            continue
        import difflib  # here: only a name no setting reads needs it

        # Compared without the prefix every candidate shares, which would make any name look close.
        suffixes = {k[len(PREFIX) :]: k for k in known if k.startswith(PREFIX)}
        close = difflib.get_close_matches(name.upper()[len(PREFIX) :], list(suffixes), n=1, cutoff=0.6)
        unknown.append(UnknownSetting(name, where, suffixes[close[0]] if close else None))
    return unknown
