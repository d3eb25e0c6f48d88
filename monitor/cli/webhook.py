"""`monitor webhook`: serve the optional webhook receiver (for the Facebook Page today)."""

from __future__ import annotations

import click

from monitor.cli.common import EXIT_USAGE, Context, fail, handles_errors, open_store


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535))
@click.pass_obj
@handles_errors
def webhook(obj: Context, host: str, port: int) -> None:
    """Serve the Facebook Page webhook (optional): store posts and comments as Meta pushes them."""
    import uvicorn

    from monitor.service.web_server import server_config
    from monitor.service.webhook import create_app, webhook_sources
    from sources.base import adapter_for, adapters

    config = obj.config()
    sources = webhook_sources(config)
    if not sources:
        takers = [(name, adapter_for(name).capabilities.webhook) for name in adapters()]
        needs = " or ".join(f"{name} source has {hook.needs}" for name, hook in takers if hook)
        fail(
            f"no enabled {needs or 'source type takes a webhook'} set,"
            " so there is no webhook to serve (polling works without one)",
            EXIT_USAGE,
        )
    with open_store(config) as store:
        app = create_app(config, store)
        for name, source in sources.items():
            obj.stderr.print(f"webhook for {name}: http://{host}:{port}/{source.path}/{name}")
        # Deadlines and size caps for a public port; no access log, whose request lines would
        # carry hub.verify_token in the query string.
        uvicorn.Server(server_config(app, host, port)).run()
