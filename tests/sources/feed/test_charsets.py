"""Charsets: from the HTTP header, the XML declaration, a byte order mark, or guessed.

Legacy multi-byte encodings named nowhere: feedparser guesses them only with chardet.
"""

from __future__ import annotations

import codecs

import pytest

from sources.common.feeds import FeedOrigin, parse_feed
from tests.loopback import FIXTURES, LoopbackServer
from tests.sources.feed.support import feed_config, run_fetch, serve_fixture


@pytest.mark.parametrize(
    ("name", "content_type", "title", "text"),
    [
        (
            "koi8r_header_charset.rss",
            "application/rss+xml; charset=KOI8-R",
            "Школа закрыта из-за снега",
            "Школа Calcot Junior School закрыта в понедельник.",
        ),
        (
            "windows1252_header_charset.rss",
            "text/xml; charset=windows-1252",
            "Calcot’s café raises £2,000 for the “Junior School” library",
            "Parents’ cake sale – £2,000 raised, says Mrs Müller.",
        ),
    ],
)
def test_a_charset_named_only_in_the_header_decodes_the_feed(
    server: LoopbackServer, name: str, content_type: str, title: str, text: str
) -> None:
    # Neither file names its encoding in the XML declaration: only the HTTP header does.
    assert b"encoding=" not in (FIXTURES / "feed" / name).read_bytes()[:100]
    (item,) = run_fetch(feed_config(url=serve_fixture(server, "/feed", name, content_type))).items
    assert (item.title, item.text) == (title, text)


def test_the_header_charset_overrides_a_wrong_declaration_but_not_a_byte_order_mark() -> None:
    body = (FIXTURES / "feed" / "koi8r_header_charset.rss").read_bytes()
    declared = body.replace(b'<?xml version="1.0"?>', b'<?xml version="1.0" encoding="utf-8"?>')
    origin = FeedOrigin("text/xml; charset=koi8-r", "https://novosti.example.ru/rss")
    assert parse_feed(declared, label="x", origin=origin)[0].title == "Школа закрыта из-за снега"
    utf8 = body.decode("koi8-r").encode("utf-8")
    bom = codecs.BOM_UTF8 + utf8
    assert parse_feed(bom, label="x", origin=origin)[0].title == "Школа закрыта из-за снега"


def test_a_text_xml_feed_without_charset_is_read_by_its_declaration() -> None:
    # RFC 3023 made such a feed ASCII; RFC 7303 (and every browser) reads the declaration.
    origin = FeedOrigin("text/xml", "https://blog.example.org/feed")
    (ofsted, *_) = parse_feed(
        (FIXTURES / "feed" / "atom.xml").read_bytes(), label="x", origin=origin
    )
    assert ofsted.title == "Ofsted visit for Calcot Infant School"
    fundraiser = parse_feed(
        (FIXTURES / "feed" / "atom.xml").read_bytes(), label="x", origin=origin
    )[-1]
    assert fundraiser.text == "Calcot Schools fundraising day raises £2,000."


@pytest.mark.parametrize(
    ("name", "title", "text"),
    [
        (
            "shift_jis_undeclared.rss",
            "カルコット校での保護者説明会について",
            "十一月二十八日（土）午前十時から、カルコット校の体育館で保護者説明会を行います。"
            "新しい校長先生からのご挨拶と、来年度の授業計画についての説明があります。",
        ),
        (
            "gbk_undeclared.rss",
            "卡尔科特学校家长会通知",
            "十一月二十八日星期六上午十点，卡尔科特学校将在体育馆举行家长会。"
            "新校长将介绍明年的教学计划，欢迎各位家长参加。",
        ),
        (
            "big5_undeclared.rss",
            "卡爾科特學校家長會通知",
            "十一月二十八日星期六上午十點，卡爾科特學校將在體育館舉行家長會。"
            "新校長將介紹明年的教學計劃，歡迎各位家長參加。",
        ),
        (
            "euc_kr_undeclared.rss",
            "캘콧 학교 학부모 설명회 안내",
            "십일월 이십팔일 토요일 오전 열시에 캘콧 학교 강당에서 학부모 설명회를 엽니다. "
            "새 교장 선생님의 인사와 내년도 수업 계획에 대한 설명이 있습니다.",
        ),
    ],
)
def test_a_feed_in_a_legacy_encoding_named_nowhere_is_decoded(
    server: LoopbackServer, name: str, title: str, text: str
) -> None:
    body = (FIXTURES / "feed" / name).read_bytes()
    assert b"encoding=" not in body[:100]  # neither the declaration nor the header names it
    url = serve_fixture(server, "/feed", name, "application/rss+xml")
    first = run_fetch(feed_config(url=url)).items[0]
    assert (first.title, first.text) == (title, text)
