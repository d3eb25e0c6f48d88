"""A change made at a service (a reply, a hidden comment) sent so that it is never made twice.

    done = await send_once(send, landed)

`send` makes the change; `landed` asks the service whether it is already in place and returns
the same kind of answer (None: it is not). A write that gets no answer (a timeout, a dropped
connection, a 5xx: `SourceNoAnswerError`) may still have been done, so it is sent again only
after `landed` says it was not, and only once. A refusal (any other SourceError) is raised at
once: the service said no, and asking again would not change its mind.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TypeVar

from sources.errors import SourceNoAnswerError

T = TypeVar("T")

ATTEMPTS = 2


async def send_once(
    send: Callable[[], Awaitable[T]], landed: Callable[[], Awaitable[T | None]]
) -> T:
    """`send()`'s answer; on no answer, `landed()`'s if the change is in place, else one resend."""
    for attempt in range(1, ATTEMPTS + 1):
        try:
            return await send()
        except SourceNoAnswerError as error:
            found = await landed()
            if found is not None:
                return found
            if attempt == ATTEMPTS:
                raise SourceNoAnswerError(
                    f"{error}; sent twice without an answer and not found done: look at the"
                    " service before trying again"
                ) from None
    raise AssertionError("unreachable")  # the loop returns or raises
