"""Which links are a Mumsnet thread, and pagination links read against the page they are on."""

from __future__ import annotations

import pytest

from sources.mumsnet.parse import parse_thread_page
from sources.mumsnet.urls import ThreadRef, thread_ref
from tests.loopback import FIXTURES
from tests.sources.mumsnet.support import NEW_HEAD, NOW, SITE


@pytest.mark.parametrize(
    "url",
    [
        f"{SITE}/talk/primary_education/5412345-Calcot-Infants-new-head",
        f"{SITE}/Talk/primary_education/5412345-Calcot-Infants-new-head?page=3#post-134000020",
        "https://mumsnet.com/talk/primary_education/5412345",
        f"{SITE}/talk/Primary_Education/5412345/?pg=2",
    ],
)
def test_every_form_of_a_thread_url_is_one_thread(url: str) -> None:
    assert thread_ref(url, SITE) == ThreadRef(5412345, "primary_education")


@pytest.mark.parametrize(
    "url",
    [
        f"{SITE}/search?query=calcot",
        f"{SITE}/talk/primary_education",
        "https://www.mumsnet.com.evil.example/talk/primary_education/5412345",
        "https://www.readingchronicle.co.uk/talk/primary_education/5412345",
        "javascript:alert(1)",
    ],
)
def test_other_links_are_not_threads(url: str) -> None:
    assert thread_ref(url, SITE) is None


@pytest.mark.parametrize(
    ("href", "last"),
    [
        ("?page=7", 7),  # as Mumsnet serves its pagination: relative to the page itself
        ("5412345-Calcot-Infants-new-head?page=7", 7),
        ("../primary_education/5412345?page=7", 7),
        ("/talk/primary_education/5412345?page=7", 7),
        ("https://www.mumsnet.com/talk/primary_education/5412345?page=7", 7),
        ("5412999-Calcot-Juniors-SATs-results?page=9", 2),  # another thread's page: not ours
        ("https://www.mumsnet.com.evil.example/talk/primary_education/5412345?page=9", 2),
        ("https://[::1/talk/primary_education/5412345?page=9", 2),  # malformed: leads nowhere
    ],
)
def test_pagination_links_are_read_against_the_page_they_are_on(href: str, last: int) -> None:
    page = (FIXTURES / "mumsnet" / "thread_5412345_page1.html").read_text("utf-8")
    assert page.count('href="?page=3"') == 2
    page = page.replace('href="?page=3"', f'href="{href}"')
    # The URL after a redirect to the slugged form: relative links resolve against it.
    url = f"{SITE}{NEW_HEAD}-Calcot-Infants-new-head?page=1"
    parsed = parse_thread_page(
        page, thread=ThreadRef(5412345, "primary_education"), url=url, base_url=SITE, now=NOW
    )
    assert (parsed.page, parsed.last_page) == (1, last)
