"""Loopback doubles of the services' write endpoints, shaped as ../shared/sources.md §1c, §4, §7.

    BusinessProfileDouble   GET  …/reviews                        the listing, from its state
                            GET  …/reviews/{reviewId}             one Review
                            PUT  …/reviews/{reviewId}/reply       {"comment"} → ReviewReply
                            DELETE …/reviews/{reviewId}/reply     → {}
    GraphDouble             GET  /{v}/{post}/comments             every comment of the post
                            GET  /{v}/{comment}                   one comment
                            POST /{v}/{object}/comments           message=… → {"id"}
                            POST /{v}/{comment}                   is_hidden=true|false → {"success"}
                            GET  /{v}/debug_token                 {"data": {"scopes": [...]}}

Each keeps the service's state (a reply made is there when read back), checks the credential as
the service does (Bearer token; Page token in the query or form), and can be told to refuse
(`refusal`: a reply served to every write instead), to lose an object (`delete`), or to act on
a write but answer too late (`stall`: the client's deadline passes first) or not at all (503).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl

from tests.loopback import FIXTURES, LoopbackServer, Reply, Request

JSON = "application/json; charset=UTF-8"
STALL = 3.0  # seconds a stalled answer waits: longer than the 1 s client deadline the tests set


def json_reply(payload: Any, status: int = 200) -> Reply:
    """A JSON reply."""
    return Reply(status=status, body=json.dumps(payload), headers={"Content-Type": JSON})


def fixture_reply(folder: str, name: str, status: int) -> Reply:
    """A reply whose body is tests/fixtures/<folder>/<name>."""
    body = (FIXTURES / folder / name).read_bytes()
    return Reply(status=status, body=body, headers={"Content-Type": JSON})


def google_time(moment: datetime) -> str:
    """RFC 3339 with Z and milliseconds, as Business Profile writes times."""
    return (
        moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"
    )


def graph_time(moment: datetime) -> str:
    """Graph's GET time format (+0000, no colon)."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S+0000")


class BusinessProfileDouble:
    """The reviews of one location, answerable and writable as the Business Profile API v4."""

    def __init__(self, server: LoopbackServer, reviews_path: str, token: str, *pages: str) -> None:
        self.server = server
        self.path = reviews_path
        self.token = token
        self.reviews: dict[str, dict[str, Any]] = {}
        for page in pages:
            payload = json.loads((FIXTURES / "google" / page).read_bytes())
            self.reviews.update({review["reviewId"]: review for review in payload["reviews"]})
        self.refusal: Reply | None = None
        self.stall = 0  # writes to act on but answer too late
        self.unanswered = 0  # writes to drop with a 503 before acting
        server.route(reviews_path, Reply(), guard=self.answer)
        for review_id in list(self.reviews):
            server.route(f"{reviews_path}/{review_id}", Reply(), guard=self.answer)
            server.route(f"{reviews_path}/{review_id}/reply", Reply(), guard=self.answer)

    def writes(self) -> list[Request]:
        """The PUT and DELETE requests received."""
        return [r for r in self.server.requests if r.method in ("PUT", "DELETE")]

    def answer(self, request: Request) -> Reply:
        if request.headers.get("Authorization") != f"Bearer {self.token}":
            return fixture_reply("google", "error_401_unauthenticated.json", 401)
        if request.path == self.path:
            return self.listing()
        review_id = request.path.removeprefix(self.path + "/").removesuffix("/reply")
        review = self.reviews.get(review_id)
        if review is None:
            return fixture_reply("google", "error_404_location.json", 404)
        if not request.path.endswith("/reply"):
            return json_reply(review) if request.method == "GET" else json_reply({}, 405)
        if self.refusal is not None:
            return self.refusal
        if self.unanswered:
            self.unanswered -= 1
            return Reply(status=503, body=b"Service Unavailable")
        now = datetime.now(UTC)
        if request.method == "PUT":
            comment = json.loads(request.body)["comment"]
            review["reviewReply"] = {"comment": comment, "updateTime": google_time(now)}
            answer = json_reply(review["reviewReply"])
        elif request.method == "DELETE":
            review.pop("reviewReply", None)
            answer = json_reply({})
        else:
            return json_reply({}, 405)
        review["updateTime"] = google_time(now)  # an owner's reply bumps the review's time
        if self.stall:
            self.stall -= 1
            answer.delay = STALL
        return answer

    def listing(self) -> Reply:
        reviews = sorted(self.reviews.values(), key=lambda r: r["updateTime"], reverse=True)
        return json_reply(
            {"reviews": reviews, "averageRating": 4.3, "totalReviewCount": len(reviews)}
        )

    def delete(self, review_id: str) -> None:
        """The review's author deletes it."""
        del self.reviews[review_id]


class GraphDouble:
    """A Page's posts' comments, readable and writable as the Graph API."""

    def __init__(
        self,
        server: LoopbackServer,
        version: str,
        page_id: str,
        token: str,
        comments: Mapping[str, list[dict[str, Any]]],  # post id → its comments (Graph JSON)
        scopes: tuple[str, ...] = ("pages_show_list", "pages_read_engagement",
                                   "pages_read_user_content", "pages_manage_engagement"),
    ) -> None:  # fmt: skip
        self.server = server
        self.version = version
        self.page_id = page_id
        self.token = token
        self.scopes = scopes
        self.posts = {post: [dict(c) for c in listed] for post, listed in comments.items()}
        self.refusal: Reply | None = None
        self.stall = 0
        self.serial = 0
        server.route(f"/{version}/debug_token", Reply(), guard=self.answer)
        for post, listed in self.posts.items():
            server.route(f"/{version}/{post}/comments", Reply(), guard=self.answer)
            for comment in listed:
                self.route_comment(comment["id"])

    def route_comment(self, comment_id: str) -> None:
        self.server.route(f"/{self.version}/{comment_id}", Reply(), guard=self.answer)
        self.server.route(f"/{self.version}/{comment_id}/comments", Reply(), guard=self.answer)

    def writes(self) -> list[Request]:
        """The POST requests received."""
        return [r for r in self.server.requests if r.method == "POST"]

    def find(self, comment_id: str) -> tuple[str, dict[str, Any]] | None:
        for post, listed in self.posts.items():
            for comment in listed:
                if comment["id"] == comment_id:
                    return post, comment
        return None

    def delete(self, comment_id: str) -> None:
        """The comment's author deletes it."""
        for listed in self.posts.values():
            listed[:] = [c for c in listed if c["id"] != comment_id]

    def answer(self, request: Request) -> Reply:
        fields = dict(parse_qsl(request.query)) | dict(parse_qsl(request.body.decode()))
        if fields.get("access_token") != self.token:
            return fixture_reply("facebook", "error_190_463.json", 400)
        target = request.path.removeprefix(f"/{self.version}/")
        if target == "debug_token":
            return self.debug_token(fields)
        if request.method == "POST" and self.refusal is not None:
            return self.refusal
        if target.endswith("/comments"):
            parent = target.removesuffix("/comments")
            if request.method == "POST":
                return self.add_comment(parent, fields["message"])
            return self.comments_under(parent)
        found = self.find(target)
        if found is None:
            return fixture_reply("facebook", "error_100_33.json", 400)
        _, comment = found
        if request.method == "POST":
            comment["is_hidden"] = fields["is_hidden"] == "true"
            return self.maybe_stalled(json_reply({"success": True}))
        return json_reply(comment)

    def add_comment(self, parent: str, message: str) -> Reply:
        if parent in self.posts:
            post = parent
        else:
            found = self.find(parent)
            if found is None:
                return fixture_reply("facebook", "error_100_33.json", 400)
            post = found[0]
        self.serial += 1
        comment_id = f"{post.split('_')[-1]}_77000000000{self.serial:04d}"
        comment: dict[str, Any] = {
            "id": comment_id,
            "message": message,
            "created_time": graph_time(datetime.now(UTC)),
            "from": {"id": self.page_id, "name": "Calcot Schools"},
            "permalink_url": f"https://www.facebook.com/CalcotSchools/posts/x?comment_id={comment_id}",
            "comment_count": 0,
            "is_hidden": False,
            "can_hide": False,
        }
        if parent != post:
            comment["parent"] = {"id": parent}
        self.posts[post].append(comment)
        self.route_comment(comment_id)
        return self.maybe_stalled(json_reply({"id": comment_id}))

    def comments_under(self, parent: str) -> Reply:
        if parent in self.posts:
            listed = self.posts[parent]
        else:
            listed = [c for c in self.posts_flat() if c.get("parent", {}).get("id") == parent]
        return json_reply({"data": listed, "paging": {"cursors": {"before": "QQ", "after": "QQ"}}})

    def posts_flat(self) -> list[dict[str, Any]]:
        return [comment for listed in self.posts.values() for comment in listed]

    def maybe_stalled(self, answer: Reply) -> Reply:
        if self.stall:
            self.stall -= 1
            answer.delay = STALL
        return answer

    def debug_token(self, fields: Mapping[str, str]) -> Reply:
        if fields.get("input_token") != self.token:
            return fixture_reply("facebook", "error_190_463.json", 400)
        return json_reply(
            {
                "data": {
                    "app_id": "1234567890123456",
                    "type": "PAGE",
                    "application": "Calcot monitor",
                    "data_access_expires_at": 0,
                    "expires_at": 0,
                    "is_valid": True,
                    "profile_id": self.page_id,
                    "scopes": list(self.scopes),
                    "granular_scopes": [
                        {"scope": scope, "target_ids": [self.page_id]} for scope in self.scopes
                    ],
                    "user_id": "7000000000000001",
                }
            }
        )


PERMISSION_200 = json_reply(
    {
        "error": {
            "message": "(#200) Requires pages_manage_engagement permission to manage the object",
            "type": "OAuthException",
            "code": 200,
            "fbtrace_id": "AbCdEfGhIjKlMnOpQrStUv",
        }
    },
    status=403,
)
