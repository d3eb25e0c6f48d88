"""Text made safe for both backends, in one place, before anything scraped is stored.

PostgreSQL refuses NUL in text and JSON; both refuse lone surrogates when encoding UTF-8; and
other C0 control characters only ever arrive from broken or hostile pages. So: NUL and the other
C0 controls except tab and newline are removed, and lone surrogates become U+FFFD. `safe_json`
applies the same to every string (keys too) inside a JSON value.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from monitor.model import Item

_CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f]")
_SURROGATES = re.compile(r"[\ud800-\udfff]")


def safe_text(text: str) -> str:
    """`text` without C0 controls (tab and newline kept; CR dropped) or lone surrogates."""
    if _CONTROLS.search(text):
        text = _CONTROLS.sub("", text.replace("\r\n", "\n"))
    if _SURROGATES.search(text):
        text = _SURROGATES.sub("\ufffd", text)
    return text


def safe_optional(text: str | None) -> str | None:
    """`safe_text`, passing None through."""
    return None if text is None else safe_text(text)


def safe_json(value: Any) -> Any:
    """A JSON value with `safe_text` applied to every string in it, keys included."""
    if isinstance(value, str):
        return safe_text(value)
    if isinstance(value, Mapping):
        return {safe_text(str(key)): safe_json(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [safe_json(item) for item in value]
    return value


def safe_item(item: Item) -> Item:
    """The item with every text field and `extra` made safe (the same item when already safe)."""
    cleaned = replace(
        item,
        external_id=safe_text(item.external_id),
        text=safe_text(item.text),
        url=safe_optional(item.url),
        title=safe_optional(item.title),
        author=safe_optional(item.author),
        parent_external_id=safe_optional(item.parent_external_id),
        extra=safe_json(dict(item.extra)),
    )
    return item if cleaned == item else cleaned
