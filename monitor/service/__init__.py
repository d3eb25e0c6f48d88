"""The long-running service: the daemon, its per-source poller and jobs, and the servers.

daemon.py      APScheduler's jobs (dispatch, digest, purge, health), SIGTERM, the watchdog
poller.py      each source polled when it is due, as its own task
slots.py       the digest, purge and health check once per slot across workers
wiring.py      the library's functions made into the poller and the jobs (`monitor run`)
systemd.py     readiness and watchdog notifications
webhook.py     the Facebook Page webhook receiver (`monitor webhook`)
web_server.py  uvicorn as every inward-facing server runs it
retention.py   `monitor purge` and the daemon's daily purge
status.py      what `monitor status` shows
"""
