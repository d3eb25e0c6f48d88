"""Benchmark: parsing Mumsnet thread pages (CPU work the adapter runs off the event loop).

    .venv/bin/python benchmarks/mumsnet_parse.py [--repeat 100]

Parses the five-post fixture page and a 50-post page built from it (a full Mumsnet page holds
up to 50 posts) and prints milliseconds per page. Run by hand; not a test.
"""

from __future__ import annotations

import argparse
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sources.mumsnet.parse import parse_thread_page  # noqa: E402
from sources.mumsnet.urls import ThreadRef  # noqa: E402

FIXTURE = ROOT / "tests" / "fixtures" / "mumsnet" / "thread_5412345_page1.html"
NOW = datetime(2026, 10, 27, 12, tzinfo=UTC)


def fifty_post_page(page: str) -> str:
    """The fixture with its posts repeated ten times."""
    start = page.index('<div class="posts">\n') + len('<div class="posts">\n')
    end = page.index("</div>\n<nav", start)
    return page[:start] + page[start:end] * 10 + page[end:]


def main() -> None:
    """Print ms per page for both pages."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=100)
    repeat = parser.parse_args().repeat
    page = FIXTURE.read_text("utf-8")
    for label, html in (("5-post fixture", page), ("50-post page", fifty_post_page(page))):
        started = time.perf_counter()
        for _ in range(repeat):
            parsed = parse_thread_page(
                html,
                thread=ThreadRef(5412345, "primary_education"),
                url="https://www.mumsnet.com/talk/primary_education/5412345",
                base_url="https://www.mumsnet.com",
                now=NOW,
            )
        per_page = (time.perf_counter() - started) / repeat * 1000
        print(f"{label}: {len(html)} bytes, {len(parsed.posts)} posts, {per_page:.1f} ms/page")


if __name__ == "__main__":
    main()
