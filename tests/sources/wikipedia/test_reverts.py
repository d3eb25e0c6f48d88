"""Undos and manual reverts are marked as reverts."""

from __future__ import annotations

from monitor.model import EditorKind
from tests.loopback import LoopbackServer
from tests.sources.wikipedia.support import (
    REPOLL_CURSOR,
    by_id,
    config_for,
    facts_of,
    poll,
    route_reverts,
)


def test_an_undo_and_a_manual_revert_are_reverts(server: LoopbackServer) -> None:
    route_reverts(server)
    items = by_id(poll(config_for(server), REPOLL_CURSOR).items)
    assert list(items) == ["1255003000", "1255003050", "1255003900", "1255004000"]
    insult, undo, spam, manual = (facts_of(item) for item in items.values())
    assert (insult.reverted, insult.is_revert, insult.offensive_words) == (True, False, ("idiot",))
    assert (undo.is_revert, undo.reverted) == (True, False)
    assert items["1255003050"].extra["revert_tags"] == ["mw-undo"]
    # The undo's summary quotes the insult it removes: not the undoer's word.
    assert "idiot" in items["1255003050"].extra["comment"] and undo.offensive_words == ()
    assert (spam.reverted, spam.is_revert, spam.editor) == (True, False, EditorKind.ANONYMOUS)
    assert manual.is_revert and items["1255004000"].extra["revert_tags"] == ["mw-manual-revert"]
    # A temporary account removing 1,066 bytes would look like vandalism, were it not a revert.
    assert (manual.editor, manual.bytes_removed) == (EditorKind.TEMPORARY, 1066)
