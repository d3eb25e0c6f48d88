"""Facebook page: posts on the school's page (its own and visitors'), comments and replies.

Each poll reads `/{page-id}/feed` from the last poll minus an hour (deduped by id; the first poll
goes back `comment_lookback_days`), then every comment and reply (`filter=stream`) of each post
younger than `comment_lookback_days`: new comments on older posts never reach the feed, so this
pass is what finds them, and it also sees edits and hidden comments. When Facebook reports more
than 80% of a quota used, the comment pass is skipped (and stays skipped for an hour or as long
as Facebook estimates) so the token is not cut off. The two passes are in `poll.py`, requests
and errors in `api.py`, parsing in `parse.py`, items in `items.py`; `webhook.py` turns webhook
deliveries into the same items.

The cursor: {"last_poll": ISO time, "posts": {post id: ISO created time}, "slow_until": ISO|null}.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from monitor.model import FetchResult, Mention, SourceState
from sources.base import register
from sources.capabilities import (
    Advice,
    Capabilities,
    Changed,
    HideTarget,
    Remedies,
    ReplyTarget,
    Webhook,
    WebhookReceiver,
    WriteAccess,
)
from sources.facebook_page.config import FacebookCursor, FacebookPageConfig

if TYPE_CHECKING:
    from sources.http import PoliteClient

__all__ = ["CAPABILITIES", "FacebookCursor", "FacebookPageConfig", "fetch"]


# The writes import the Graph client and the parser when they run (moderation.py), not when the
# config is loaded.
async def post_reply(
    http: PoliteClient, config: FacebookPageConfig, mention: Mention, text: str
) -> Changed:
    """A comment by the Page under the post or comment (moderation.post_reply)."""
    from sources.facebook_page import moderation

    return await moderation.post_reply(http, config, mention, text)


async def set_hidden(
    http: PoliteClient, config: FacebookPageConfig, mention: Mention, hidden: bool
) -> Changed:
    """The comment hidden or shown again on our Page (moderation.set_hidden)."""
    from sources.facebook_page import moderation

    return await moderation.set_hidden(http, config, mention, hidden)


async def write_access(http: PoliteClient, config: FacebookPageConfig) -> WriteAccess:
    """Whether the Page token may reply and hide (moderation.write_access)."""
    from sources.facebook_page import moderation

    return await moderation.write_access(http, config)


def webhook_receiver(config: FacebookPageConfig) -> WebhookReceiver | None:
    """The Page's end of Meta's `feed` webhook, when both webhook secrets are set (webhook.py)."""
    from sources.facebook_page.webhook import PageReceiver

    return PageReceiver.of(config)


CAPABILITIES = Capabilities(
    advice=Advice(
        respond="Reply under the post or comment on our page, briefly, inviting the writer to"
        " message or call the office; never discuss a child or a member of staff.",
        remove="It is on our own page: hide the comment (its writer and friends still see it) or"
        " delete it, and ban a repeat abuser from the page (Page settings, People and other"
        " Pages).",
    ),
    remedies=Remedies(
        auth_expired="make a new Page access token as the last error says and put it where"
        " access_token_* points (docs/sources/facebook.md, When the token stops working)",
        blocked="Facebook refuses the calls: it is asked again when it allows; do not poll"
        " faster (docs/sources/facebook.md, Rate limits)",
    ),
    webhook=Webhook(
        path="facebook",
        receiver=webhook_receiver,
        needs="both app_secret_* and verify_token_*",
    ),
    reply=ReplyTarget(
        item_types=frozenset({"post", "comment"}),
        post=post_reply,
        where="as a comment by the Page on Facebook",
    ),
    hide=HideTarget(item_types=frozenset({"comment"}), set_hidden=set_hidden),
    write_access=write_access,
    respond_instead="a post on the Page cannot be hidden from the monitor: hide or delete it on"
    " Facebook, or reply to it (`monitor alerts reply`); a public reply the Page made is"
    " deleted on Facebook itself",
)


@register("facebook_page", FacebookPageConfig, CAPABILITIES)
async def fetch(http: PoliteClient, config: FacebookPageConfig, state: SourceState) -> FetchResult:
    """New feed posts since the last poll, then every comment on posts still being watched."""
    # Imported here: loading the config (every command) must not load what fetching needs.
    from sources.facebook_page.poll import Poll

    session = config.session(http)
    return await Poll(session, config, FacebookCursor.from_json(state.cursor)).run()
