"""The client secret and tokens: never shown, never sent to another origin, never stored."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from monitor.config.settings import Config
from tests.loopback import LoopbackServer, Reply
from tests.sources.common.token_endpoint import route_token
from tests.sources.google_business.support import (
    CLIENT_SECRET,
    REFRESH_TOKEN,
    REVIEWS,
    SECRETS,
    business,
    failure,
    google,
    scan,
)


@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
def test_a_token_request_redirected_to_another_origin_takes_no_secret_there(
    server: LoopbackServer, status: int
) -> None:
    other = LoopbackServer().start()  # another port: another origin, recording what it receives
    try:
        route_token(other, google("token_ok"))
        location = {"Location": f"{other.url}/token", "Set-Cookie": "NID=fixture-cookie; Path=/"}
        server.route("/token", Reply(status=status, headers=location))
        error = failure(business(server))
        assert len(server.requests_to("/token")) == 1  # the configured endpoint got the secrets
        received = [
            f"{request.method} {request.target} {request.headers} {request.body!r}"
            for request in other.requests
        ]
        for secret in SECRETS:
            assert not any(secret in seen for seen in received)
        for request in other.requests:
            assert (request.method, request.body) == ("GET", b"")  # 301/302/303: a bodiless GET
            assert {name.lower() for name in request.headers} & {"authorization", "cookie"} == set()
        if status in (307, 308):  # these keep the body: refused, nothing sent to the other origin
            assert other.requests == []
            assert f"redirected (HTTP {status}) to another origin" in str(error)
            assert "127.0.0.1" in str(error) and "/token" in str(error)
    finally:
        other.stop()


def test_the_config_never_shows_a_secret(server: LoopbackServer) -> None:
    config = business(server)
    shown = f"{config!r} {config.model_dump_json()} {config.grant()!r}"
    for secret in (CLIENT_SECRET, REFRESH_TOKEN):
        assert secret not in shown


def test_no_secret_reaches_the_database(scanned: Config, server: LoopbackServer) -> None:
    scan(scanned)
    # A refused grant is recorded as the source's error: that text must not hold a secret either.
    route_token(server, google("token_invalid_grant", 400))
    server.route(REVIEWS, google("error_401_unauthenticated", 401))
    failed = scan(scanned)
    assert failed.outcomes[0].status == "failed"
    engine = sa.create_engine(scanned.storage.url)
    try:
        with engine.connect() as connection:
            dumped: list[str] = []
            metadata = sa.MetaData()
            metadata.reflect(connection)
            for table in metadata.sorted_tables:
                dumped.extend(repr(tuple(row)) for row in connection.execute(sa.select(table)))
    finally:
        engine.dispose()
    everything = "\n".join(dumped)
    assert "AbFvOqk-new-two-star" in everything and "invalid_grant" in everything
    for secret in SECRETS:
        assert secret not in everything
