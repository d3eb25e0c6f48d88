"""The long-running service: the daemon and its jobs, systemd, the webhook receiver, retention and
the operator's status view.
"""
