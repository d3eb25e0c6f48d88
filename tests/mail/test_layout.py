"""Mail on a phone: no fixed width wider than a 375 px screen, tiles that wrap, words that break.

Hostile text is the test: 300-letter words and long URLs in every field a mention has, which a
table cell would otherwise stretch to fit, pushing the whole mail off the side of the screen.
"""

from __future__ import annotations

import re
from datetime import timedelta

from bs4 import BeautifulSoup, Tag

from monitor.config.settings import Config
from monitor.mail.delivery import dispatch
from monitor.mail.digest import send_now
from monitor.mail.urgent import queue_urgent
from storage.database import Store
from tests.mail.conftest import NOW, add_mention, raise_alert
from tests.mail.smtpd import SmtpServer

PHONE = 375  # px: an iPhone's width, and more than most Android phones give a mail's body
WORD = "Calcot" + "x" * 300
LONG_URL = "https://www.mumsnet.com/talk/primary/" + "a" * 400
LOOK_ALIKE = "https://calcot.example" + "b" * 200 + "@evil.example/" + "c" * 200
LONG_PIECE = re.compile("Calcotx{100}|a{100}|c{100}")  # what is shown of them, maybe cut
_PIXELS = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(px)?\s*$")


def styles(tag: Tag) -> dict[str, str]:
    """A tag's inline CSS as property → value."""
    declarations = (part.partition(":") for part in str(tag.get("style", "")).split(";"))
    return {name.strip().lower(): value.strip() for name, _, value in declarations if name.strip()}


def fixed_widths(html: str) -> list[tuple[str, str]]:
    """(tag, width) for every fixed width wider than a phone, in attributes or inline CSS."""
    found = []
    for tag in BeautifulSoup(html, "html.parser").find_all(True):
        candidates = [str(tag.get("width", ""))]
        css = styles(tag)
        candidates += [css.get("width", ""), css.get("min-width", "")]
        for value in candidates:
            match = _PIXELS.match(value)
            if match and float(match[1]) > PHONE:
                found.append((tag.name, value))
    return found


def breaks_long_words(tag: Tag) -> bool:
    """True when `tag` or an element around it lets a long word break at the screen's edge."""
    for element in [tag, *tag.parents]:
        css = styles(element) if isinstance(element, Tag) else {}
        if css.get("overflow-wrap") == "anywhere" or css.get("word-break") == "break-word":
            return True
    return False


def send_hostile_mail(store: Store, config: Config) -> None:
    """Send an urgent mail and a digest about mentions made of long words."""
    with store.transaction() as tx:
        for week in range(1, 8):  # a trend with a bar in every week
            add_mention(tx, f"old{week}", now=NOW - timedelta(weeks=week), text="Calcot again.")
        raised = []
        for number, url in enumerate((LONG_URL, LOOK_ALIKE)):
            mention = add_mention(
                tx,
                f"long{number}",
                title=WORD,
                text=f"{WORD} {WORD} {url}",
                author=WORD,
                url=url,
                words=(WORD,),
            )
            raised.append(raise_alert(tx, "abusive", mention, summary=f"{WORD} {url}"))
        queue_urgent(tx, config, raised, NOW)
    dispatch(store, config, NOW)
    send_now(store, config, NOW + timedelta(minutes=1))


def test_no_fixed_width_is_wider_than_a_phone_and_long_words_break(
    store: Store, config: Config, smtp_server: SmtpServer
) -> None:
    send_hostile_mail(store, config)
    assert len(smtp_server.received) == 2  # the urgent mail and the digest
    for mail in smtp_server.received:
        html = mail.part("html")
        assert fixed_widths(html) == []
        soup = BeautifulSoup(html, "html.parser")
        cards = [
            table
            for table in soup.find_all("table")
            if styles(table).get("max-width") == "640px" and table.get("width") == "100%"
        ]
        assert len(cards) == 1  # fluid, up to 640 px
        holding = [text.parent for text in soup.find_all(string=LONG_PIECE)]
        assert holding and all(tag is not None and breaks_long_words(tag) for tag in holding)
        for tag in soup.find_all(style=re.compile("nowrap")):
            assert len(tag.get_text(strip=True)) <= 12, tag  # nothing scraped is kept unbroken


def test_the_digest_tiles_wrap_two_by_two_on_a_narrow_screen(
    store: Store, config: Config, smtp_server: SmtpServer
) -> None:
    send_hostile_mail(store, config)
    digest = BeautifulSoup(smtp_server.received[1].part("html"), "html.parser")

    tiles = [tag for tag in digest.find_all("div") if styles(tag).get("display") == "inline-block"]
    assert len(tiles) == 4 and len({id(tile.parent) for tile in tiles}) == 1
    row = tiles[0].parent
    assert isinstance(row, Tag) and styles(row).get("font-size") == "0"  # no gaps between them
    for tile in tiles:
        css = styles(tile)
        # Half the row each: two side by side on any narrow screen. At most a quarter of the
        # 640 px card's inner width: four in a row on a wide one.
        assert css["width"] == "50%"
        match = _PIXELS.match(css["max-width"])
        assert match is not None and 4 * float(match[1]) <= 640 - 2 * 21

    bars = [
        cell for cell in digest.find_all("td", bgcolor=True) if styles(cell).get("height") == "14px"
    ]
    assert len(bars) >= 7 and all(str(bar["width"]).endswith("%") for bar in bars)
