"""Facebook posts and comments as `Item`s, the same whether polled or delivered by webhook.

Only the author's display name is kept. Profile ids are not stored: `extra["author_key"]` is a
hash of (page id, app-scoped user id) so one person's comments can be grouped without keeping
the id. `extra["by_page"]` marks what the Page itself wrote (the rules never alert on it).
Volatile counters (`comment_count`, a post's `updated_time`, which moves with every new
comment) are left out: the content hash covers every field, and a counter would make each new
reply look like an edit of its parent. Whether the page hid it is the item's `visibility`:
hiding a comment is an edit.

A post with no words of its own (a shared link or photo) is stored with Facebook's story line
and the titles and descriptions of what it shares, so that it has words to score and match.
"""

from __future__ import annotations

import hashlib
from typing import Any

from monitor.model import Item, Visibility
from sources.facebook_page.parse import Author, Comment, Post

MAX_TEXT = 20_000  # characters of a post or comment kept as the mention text
FACEBOOK = "https://www.facebook.com"


def author_key(page_id: str, author: Author) -> str | None:
    """A stable, non-reversible key for grouping one author's comments (None if unknown)."""
    if author.id is None:
        return None
    digest = hashlib.sha256(f"facebook-author\x1f{page_id}\x1f{author.id}".encode())
    return digest.hexdigest()[:16]


def by_page(page_id: str, author: Author) -> bool:
    """True when the Page itself wrote it."""
    return author.id == page_id


def post_item(page_id: str, post: Post) -> Item:
    """A feed story as a mention."""
    extra: dict[str, Any] = {
        "by_page": by_page(page_id, post.author),
        "author_key": author_key(page_id, post.author),
        "status_type": post.status_type,
    }
    return Item(
        external_id=post.id,
        item_type="post",
        text=post_text(post)[:MAX_TEXT],
        url=post.permalink_url or post_url(post.id),
        author=post.author.name,
        published_at=post.created_time,
        extra=extra,
        visibility=visibility(post.is_hidden),
    )


def post_text(post: Post) -> str:
    """The post's own words; for a share without any, its story and what it shares."""
    if post.message.strip():
        return post.message
    parts = [post.story]
    for attachment in post.attachments:
        parts.extend((attachment.title, attachment.description))
    # A link's title is often repeated as its description: say it once.
    kept = dict.fromkeys(part.strip() for part in parts if part is not None and part.strip())
    return "\n".join(kept)


def comment_item(page_id: str, post_id: str, comment: Comment) -> Item:
    """A comment (parent: the post) or a reply (parent: the comment it answers) as a mention."""
    extra: dict[str, Any] = {
        "post_id": post_id,
        "by_page": by_page(page_id, comment.author),
        "author_key": author_key(page_id, comment.author),
        "can_hide": comment.can_hide,
    }
    return Item(
        external_id=comment.id,
        item_type="comment",
        text=comment.message[:MAX_TEXT],
        url=comment.permalink_url or comment_url(post_id, comment.id),
        author=comment.author.name,
        published_at=comment.created_time,
        parent_external_id=comment.parent_id or post_id,
        extra=extra,
        visibility=visibility(comment.is_hidden),
    )


def visibility(is_hidden: bool) -> Visibility:
    """Graph's `is_hidden` as a visibility (a removed item is no longer returned at all)."""
    return Visibility.HIDDEN if is_hidden else Visibility.VISIBLE


def post_url(post_id: str) -> str:
    """A link to a post from its id ("{page}_{post}") when Graph gave no permalink."""
    page, _, story = post_id.partition("_")
    return f"{FACEBOOK}/{page}/posts/{story}" if story else f"{FACEBOOK}/{post_id}"


def comment_url(post_id: str, comment_id: str) -> str:
    """A link to a comment on its post when Graph gave no permalink (webhook deliveries)."""
    short = comment_id.rpartition("_")[2]
    return f"{post_url(post_id)}?comment_id={short}"
