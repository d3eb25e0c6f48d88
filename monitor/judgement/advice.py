"""What the school's social media policy suggests for each kind of alert (shown in the mail).

Drawn from the Calcot social media policy ("Social media incidents", "Extremism") and the
safeguarding duty: an offending post by a member of the school community → ask for it to be
deleted; by a third party → report it to the platform, with the Professionals' Online Safety
Helpline (POSH) to help or speed that up; police when potentially illegal or dangerous;
extremism falls under the Prevent duty; anything about a child's safety goes to the DSL at once.

`draft_reply` suggests the words of a public reply where the policy allows one: thank the
writer, invite them to contact the school office, never discuss individuals. It is a draft for a
person to edit and send (`monitor alerts reply`); nothing here sends it.
"""

from __future__ import annotations

POSH = "the Professionals' Online Safety Helpline (POSH: helpline@saferinternet.org.uk)"

SUGGESTIONS: dict[str, tuple[str, ...]] = {
    "safeguarding": (
        "Pass this to the Designated Safeguarding Lead (DSL) now, today: it does not wait for"
        " the digest.",
        "Do not reply publicly or contact the writer; the DSL decides the next step"
        " (children's social care or police if a child may be at risk).",
        "Keep a copy (a screenshot with the date and link) before it can be removed.",
    ),
    "extremism": (
        "Prevent duty: pass this to the DSL (Prevent lead), who decides whether to refer it.",
        "Report the post to the platform as extremist or hateful content.",
        "Involve the police if it is potentially illegal or dangerous.",
    ),
    "abusive": (
        "If a member of the school community wrote it, ask them to delete it (the policy expects"
        " this promptly).",
        f"If a third party wrote it, report it to the platform; {POSH} can help or speed removal.",
        "Involve the police if it is potentially illegal or dangerous.",
    ),
    "staff_named": (
        "A member of staff is named in a negative post: tell the head teacher and support them.",
        "Ask for the post to be deleted (a member of the school community) or report it to the"
        f" platform (a third party); {POSH} helps with posts about staff.",
        "Do not reply publicly about the member of staff.",
    ),
    "wikipedia_vandalism": (
        "Check the edit in the article's history; vandalism is usually reverted within minutes.",
        "If it stays, ask for help at the article's talk page or WP:Help desk rather than"
        " editing the school's own article repeatedly (conflict of interest).",
    ),
    "low_rating": (
        "Reply publicly, briefly and politely, inviting the writer to contact the school directly;"
        " the complaints procedure applies.",
    ),
    "negative": (
        "Read it and decide whether to respond; the policy urges parents to raise concerns with"
        " the school directly, in private.",
    ),
    "new_thread": (
        "Read the thread; do not argue online. Invite parents to contact the school directly.",
    ),
    "praise": ("Acknowledge it with a short thank-you reply.",),
    "volume_spike": ("Many mentions at once: find out what has happened.",),
    "source_health": (
        "The monitor cannot see this source until it is fixed: see `monitor status` and the"
        " source's set-up guide (an expired token or key is the usual cause).",
    ),
}

RECORD = (
    "Record what you do: monitor alerts action ID requested_deletion | reported_to_platform |"
    " contacted_posh | contacted_police | replied_publicly | hidden | unhidden | note"
)

# Never names or discusses anyone (pupil, parent, member of staff): that is for a private talk.
PRIVATE = "We never discuss individual pupils, families or staff online."
CONCERN = (
    "Thank you for taking the time to tell us this. We are sorry to hear you are unhappy and"
    " would like to put it right: please contact the school office so that we can talk it"
    " through with you. " + PRIVATE
)
DRAFTS: dict[str, str] = {
    "low_rating": CONCERN,
    "negative": CONCERN,
    "new_thread": (
        "Thank you for raising this. We are always glad to talk to parents and carers directly:"
        " please contact the school office and we will help. " + PRIVATE
    ),
    "praise": (
        "Thank you so much for your kind words. We will pass them on to everyone at school,"
        " and we are always glad to hear from you through the school office."
    ),
}


def draft_reply(rule: str, school: str) -> str | None:
    """A public reply to suggest for `rule`, signed `school`; None where the policy advises none."""
    draft = DRAFTS.get(rule)
    return None if draft is None else f"{draft} From everyone at {school}."


def suggestions(rule: str) -> tuple[str, ...]:
    """The policy's suggested steps for an alert of `rule` (none for an unknown rule)."""
    return SUGGESTIONS.get(rule, ())
