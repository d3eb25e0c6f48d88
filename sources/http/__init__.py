"""The shared HTTP client (`client.py`) and its parts: bodies, robots.txt, hosts, URLs."""

from sources.http.client import PoliteClient, Response, user_agent

__all__ = ["PoliteClient", "Response", "user_agent"]
