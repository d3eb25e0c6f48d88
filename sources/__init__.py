"""Source adapters. The built-ins are imported here so that they register themselves."""

from sources import feed, wikipedia

__all__ = ["feed", "wikipedia"]
