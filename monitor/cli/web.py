"""`monitor web`: serve the SLT's page (Starlette on uvicorn) behind the reverse proxy."""

from __future__ import annotations

import click

from monitor.cli.common import EXIT_USAGE, Context, fail, handles_errors, open_store


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8080, show_default=True, type=click.IntRange(1, 65535))
@click.pass_obj
@handles_errors
def web(obj: Context, host: str, port: int) -> None:
    """Serve the SLT's page: read, acknowledge and act on alerts in a browser."""
    import uvicorn

    from monitor.web.app import create_app

    config = obj.config()
    if config.web is None:
        fail("the page needs a [web] table with base_url (its public https address)", EXIT_USAGE)
    if config.email is None:
        fail("the page needs [email]: people sign in with a link sent by mail", EXIT_USAGE)
    with open_store(config) as store:
        app = create_app(config, store)
        obj.stderr.print(f"serving {config.web.base_url} on http://{host}:{port}", highlight=False)
        # Our logging instead of uvicorn's; no access log, whose lines would carry sign-in
        # links' tokens (/login/<token>). X-Forwarded-For is trusted from 127.0.0.1 only,
        # the reverse proxy on this machine, so rate limits count the real client.
        uvicorn.run(
            app,
            host=host,
            port=port,
            log_config=None,
            access_log=False,
            proxy_headers=True,
            forwarded_allow_ips="127.0.0.1",
            server_header=False,
        )
