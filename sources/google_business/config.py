"""The keys of a google_business source (the listing, the OAuth client and its secrets) and the
limit a reply lives within."""

from __future__ import annotations

from typing import TYPE_CHECKING

from pydantic import Field, HttpUrl, field_validator, model_validator

from monitor.config.secrets import Secret
from sources.base import SharedHost, SourceConfig, shared_host_of

if TYPE_CHECKING:
    from sources.common.oauth import RefreshGrant

MAX_REPLY_BYTES = 4096  # the API's limit on a reply's comment (UTF-8 bytes)

REDO = (
    "authorise again with a Google account that manages the listing and save the new refresh"
    " token (docs/sources/google.md, 'A refresh token')"
)


class GoogleBusinessConfig(
    SourceConfig,
    secrets={
        "client_id": "the OAuth client id (not secret: `client_id` may give it plainly)",
        "client_secret": "the OAuth client secret",
        "refresh_token": "the OAuth refresh token",
    },
    required=("client_secret", "refresh_token"),
):
    """The school's own Business Profile location."""

    account_id: str = Field(description="Business Profile account id (digits, or accounts/…).")
    location_id: str = Field(description="Business Profile location id (digits, or locations/…).")
    client_id: str | None = Field(
        None, description="OAuth client id (not secret; or client_id_env)."
    )
    api_url: HttpUrl = Field(
        HttpUrl("https://mybusiness.googleapis.com/v4"), description="Business Profile API v4."
    )
    token_url: HttpUrl = Field(
        HttpUrl("https://oauth2.googleapis.com/token"), description="OAuth 2.0 token endpoint."
    )
    max_pages: int = Field(
        10, ge=1, le=100, description="Pages of 50 reviews read at most per poll (the first too)."
    )

    @field_validator("account_id", "location_id")
    @classmethod
    def _bare_id(cls, value: str) -> str:
        bare = value.strip().rsplit("/", 1)[-1]
        if not bare or not bare.replace("-", "").replace("_", "").isalnum():
            raise ValueError("give the id's digits, e.g. 112233445566778899000")
        return bare

    @model_validator(mode="after")
    def _one_client_id(self) -> GoogleBusinessConfig:
        if (self.client_id is not None) == self.secret_given("client_id"):
            keys = ", ".join(f"client_id{suffix}" for suffix in SUFFIXES)
            raise ValueError(f"give exactly one of {keys}")
        return self

    def grant(self) -> RefreshGrant:
        """The OAuth grant these keys describe, secrets resolved."""
        from sources.common.oauth import RefreshGrant

        client_id = Secret(self.client_id) if self.client_id else self.secret("client_id")
        client_secret, refresh_token = self.secret("client_secret"), self.secret("refresh_token")
        assert (
            client_id and client_secret and refresh_token
        )  # guaranteed by the required secrets and _one_client_id
        return RefreshGrant(str(self.token_url), client_id, client_secret, refresh_token, REDO)

    @property
    def reviews_url(self) -> str:
        """The list-reviews URL of this location."""
        base = str(self.api_url).rstrip("/")
        return f"{base}/accounts/{self.account_id}/locations/{self.location_id}/reviews"

    def shared_host(self) -> SharedHost | None:
        """Google's quotas are per project, not per process: one poll at a time, fleet-wide."""
        return shared_host_of(str(self.api_url))


SUFFIXES = ("", "_env", "_file", "_credential")
