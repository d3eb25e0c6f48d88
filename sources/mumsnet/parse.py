"""Mumsnet HTML → typed values. EVERY selector and page marker the adapter relies on is here.

The markup is not documented and changes (Tailwind classes); what is read below follows the
public scrapers quoted in sources.md 3 (2022–23). When it changes, a page that should hold posts
yields none and `parse_thread_page` raises SourceFormatError naming the page, so the monitor
says it went blind instead of hearing nothing. A consent, login or bot-challenge page is
recognised (`BlockedPageError`) and never read as a thread or a listing.

Every link is read against the URL of the page it is on (the final one, after redirects), as a
browser reads it: the pagination links of a thread page are relative (`?page=2`).

Pure functions: no requests, no clock (the caller passes `now` for "Today"/"Yesterday").
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from datetime import datetime
from urllib.parse import urljoin, urlsplit

import soupsieve
from bs4 import BeautifulSoup, Tag

from monitor.model import Skipped
from sources.common.items import read_each
from sources.common.text import BLOCK_TAGS, content_hash, plain_text
from sources.errors import SourceBlockedError, SourceFormatError
from sources.mumsnet.times import POSTED, parse_posted
from sources.mumsnet.urls import ThreadRef, page_number, thread_ref

log = logging.getLogger(__name__)

# --- selectors (the one place to change when Mumsnet changes its markup) ----------------------

# Every post container: the opening post (bg-mumsnet-forest), replies (bg-white) and the
# thread starter's replies share these border classes (2023 scraper).
POST = "div.border-t.border-b.sm\\:rounded"
# The posted-time span (2022 scraper); its parent is the post's header with the author's name.
POST_TIME = "span.lg\\:text-sm.font-normal.break-normal"
# Quotes of earlier posts inside a reply: dropped, they are someone else's words.
QUOTE = "blockquote, .quote, .quoted-post"
THREAD_TITLE = "h1"
PAGINATION_LINK = 'a[href*="page="]'
# Thread links on a topic listing page (2022 scraper).
TOPIC_THREAD_LINK = 'a[data-click-id^="topic-thread"]'
# Where a post's id may be kept (UNCONFIRMED: none seen in a public source).
POST_ID_ATTRIBUTES = ("data-post-id", "data-message-id", "id")
POST_ID = re.compile(r"(?:post|message|reply)?[-_]?(\d{4,})")
# A moderator's removal or the poster's own withdrawal replaces the text with one of these.
DELETED = re.compile(
    r"(?:message|post) (?:deleted|withdrawn|removed)\b.{0,40}\b(?:MNHQ|poster|request)", re.I
)
# Between the author's name and the time: "Name · Today 19:42".
SEPARATORS = "·|•-–—:"

# Pages that are not the page asked for: a cookie-consent wall, a login form, a bot challenge.
BLOCKED_TITLES = re.compile(
    r"just a moment|attention required|verify you are human|access denied|are you a robot|"
    r"before you continue|cookie consent|your privacy|log ?in|sign ?in",
    re.I,
)
BLOCKED_MARKERS = (
    "#challenge-form",
    "#cf-challenge-running",
    '[id^="cf-chl"]',
    'script[src*="challenge-platform"]',
    'form[action*="consent"]',
    "#qc-cmp2-ui",
    'input[type="password"]',
    'form[action*="login"]',
    'form[action*="signin"]',
)


# Compiled once: matching them inside every post is most of the parsing time otherwise.
_QUOTE = soupsieve.compile(QUOTE)
_POST_TIME = soupsieve.compile(POST_TIME)


class UnreadablePostError(SourceFormatError):
    """A post container without a readable author and time: it is skipped and counted."""


class BlockedPageError(SourceBlockedError):
    """Mumsnet answered with a consent, login or bot-challenge page instead of the content."""


@dataclass(frozen=True, slots=True)
class Post:
    """One post on a thread page."""

    key: str  # the post's own id where the page shows one, else a content hash
    author: str
    posted_at: datetime  # UTC
    text: str


@dataclass(frozen=True, slots=True)
class ThreadPage:
    """One page of a thread: its title, which page it is, the last page, and its posts."""

    title: str
    page: int
    last_page: int
    posts: tuple[Post, ...]
    removed: int  # posts deleted by MNHQ or withdrawn, skipped
    skipped: Skipped = field(default_factory=Skipped)  # posts whose author or time is unreadable


@dataclass(frozen=True, slots=True)
class ListedThread:
    """A thread link on a topic listing page."""

    thread: ThreadRef
    title: str


def parse_thread_page(
    html: str, *, thread: ThreadRef, url: str, base_url: str, now: datetime
) -> ThreadPage:
    """Pure: a thread page → its posts. BlockedPageError / SourceFormatError when it is not one."""
    soup = BeautifulSoup(html, "html.parser")
    containers = soup.select(POST)
    if not containers:
        raise_if_blocked(soup, url)
        raise SourceFormatError(
            f"{label_of(url)}: no posts found on a thread page (the page layout may have changed)"
        )
    read = read_each(
        containers,
        lambda container, _: parse_post(container, thread, url, now),
        none_read=f"{label_of(url)}: no post's author and time could be read "
        "(the page layout may have changed)",
    )
    posts = [post for post in read.items if post is not None]
    removed = len(read.items) - len(posts)
    page = page_number(url)
    heading = soup.select_one(THREAD_TITLE)
    title = plain_text(heading.get_text(" ")) if heading else ""
    last = last_page(soup, thread, url=url, base_url=base_url, current=page)
    return ThreadPage(title, page, last, tuple(posts), removed, read.skipped)


def parse_post(container: Tag, thread: ThreadRef, url: str, now: datetime) -> Post | None:
    """One post on the page at `url`, None if deleted; UnreadablePostError if no author/time."""
    for quote in _QUOTE.select(container):
        quote.decompose()
    for link in container.find_all("a"):
        # Links as text: the words a reader sees, or the address when there are none.
        shown = " ".join(link.get_text(" ").split()) or link_target(link, url)
        link.replace_with(f" {shown} ")
    header_text, body = split_header(container)
    if DELETED.match(body) or DELETED.match(header_text):
        return None
    unreadable = f"thread {thread.thread_id}: a post's author or time could not be read"
    match = POSTED.search(header_text)
    if match is None:
        raise UnreadablePostError(unreadable)
    posted_at = parse_posted(match.group(0), now)
    author = header_text[: match.start()].strip().strip(SEPARATORS).strip()
    if posted_at is None or not author:
        raise UnreadablePostError(unreadable)
    key = post_id(container) or content_hash(
        str(thread.thread_id), author, posted_at.isoformat(), body
    )
    return Post(key, author, posted_at, body)


def split_header(container: Tag) -> tuple[str, str]:
    """(header text with author and time, body text) of one post container."""
    time_span = _POST_TIME.select_one(container)
    header = time_span.parent if time_span is not None else None
    if isinstance(header, Tag) and header is not container:
        header_text = element_text(header)
        header.decompose()
        return header_text, element_text(container)
    # The 2023 layout as text: author, separator, date, time, then the body.
    text = element_text(container)
    match = POSTED.search(text)
    if match is None:
        return text, ""
    return text[: match.end()], text[match.end() :].strip()


def element_text(element: Tag) -> str:
    """The words of an element as a reader sees them: blocks apart, inline runs together."""
    for block in element.find_all(BLOCK_TAGS):
        block.insert_before(" ")
        block.insert_after(" ")
    return " ".join(element.get_text("").split())


def post_id(container: Tag) -> str | None:
    """The site's own id of a post, if the container carries one."""
    for attribute in POST_ID_ATTRIBUTES:
        value = container.get(attribute)
        match = POST_ID.fullmatch(str(value)) if value else None
        if match:
            return match.group(1)
    return None


def last_page(
    soup: BeautifulSoup, thread: ThreadRef, *, url: str, base_url: str, current: int
) -> int:
    """The highest page number the thread's pagination links to (at least this page)."""
    pages = [current]
    for link in soup.select(PAGINATION_LINK):
        target_url = link_target(link, url)
        target = thread_ref(target_url, base_url)
        if target is not None and target.thread_id == thread.thread_id:
            pages.append(page_number(target_url))
    return max(pages)


def parse_topic_page(html: str, *, url: str, base_url: str) -> list[ListedThread]:
    """Pure: a topic listing page → its threads. BlockedPageError / SourceFormatError if none."""
    soup = BeautifulSoup(html, "html.parser")
    links = soup.select(TOPIC_THREAD_LINK)
    if not links:
        raise_if_blocked(soup, url)
        raise SourceFormatError(
            f"{label_of(url)}: no threads found on a topic page (the page layout may have changed)"
        )
    found: dict[int, ListedThread] = {}
    for link in links:
        thread = thread_ref(link_target(link, url), base_url)
        title = plain_text(link.get_text(" "))
        if thread is not None and title:
            found.setdefault(thread.thread_id, ListedThread(thread, title))
    return list(found.values())


def raise_if_blocked(soup: BeautifulSoup, url: str) -> None:
    """BlockedPageError when the page is a consent wall, a login form or a bot challenge."""
    if looks_blocked(soup):
        raise BlockedPageError(
            f"{label_of(url)}: Mumsnet sent a consent, login or bot-check page instead of the page"
        )


def is_blocked_page(html: str) -> bool:
    """Pure: True when `html` is a consent wall, a login form or a bot challenge."""
    return looks_blocked(BeautifulSoup(html, "html.parser"))


def looks_blocked(soup: BeautifulSoup) -> bool:
    """True when the parsed page is a consent wall, a login form or a bot challenge."""
    title = plain_text(soup.title.get_text(" ")) if soup.title else ""
    return bool(BLOCKED_TITLES.search(title)) or any(
        soup.select_one(marker) for marker in BLOCKED_MARKERS
    )


def link_target(link: Tag, page_url: str) -> str:
    """Where a link on the page at `page_url` leads, as a browser resolves it."""
    href = str(link.get("href") or "").strip()
    try:
        return urljoin(page_url, href) if href else ""
    except ValueError:  # a malformed link (an unclosed IPv6 bracket) leads nowhere
        return ""


def label_of(url: str) -> str:
    """Host and path of a URL, for messages (Mumsnet URLs carry no secrets, but no query)."""
    parts = urlsplit(url)
    return f"{parts.hostname or ''}{parts.path}"
