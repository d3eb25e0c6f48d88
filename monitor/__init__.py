"""reputation-monitor: watch what is said online about a school and tell its SLT."""

__version__ = "0.1.0"
