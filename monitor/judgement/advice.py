"""What the school's social media policy suggests for an alert: the rule's steps, in the words of
the source where the mention is (shown in the mail, `monitor alerts show` and the web page).

Drawn from the Calcot social media policy ("Social media incidents", "Extremism") and the
safeguarding duty: an offending post by a member of the school community → ask for it to be
deleted; by a third party → report it to the platform, with the Professionals' Online Safety
Helpline (POSH) to help or speed that up; police when potentially illegal or dangerous;
extremism falls under the Prevent duty; anything about a child's safety goes to the DSL at once.

Where to act depends on where it was said (a Google review is answered by an owner reply and
flagged, a comment on our own Facebook page hidden, a Mumsnet post reported to Mumsnet, a
Wikipedia article discussed on its talk page, never edited by us): each adapter declares that
as `Capabilities.advice`, and the steps below say `{respond}` or `{remove}` where it goes.

`draft_reply` suggests the words of a public reply where the policy allows one: thank the
writer, invite them to contact the school office, never discuss individuals. It is a draft for a
person to edit and send (`monitor alerts reply`); nothing here sends it.
"""

from __future__ import annotations

from monitor.config.settings import Config
from sources.capabilities import Advice

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
        "{remove}",
        f"{POSH} can help or speed removal.",
        "Involve the police if it is potentially illegal or dangerous.",
    ),
    "staff_named": (
        "A member of staff is named in a negative post: tell the head teacher and support them.",
        "{remove}",
        f"{POSH} helps with posts about staff. Do not reply publicly about the member of staff.",
    ),
    "wikipedia_vandalism": (
        "Check the edit in the article's history; vandalism is usually reverted within minutes.",
        "{remove}",
    ),
    "ofsted_report": (
        "Tell the head teacher and the chair of governors today: parents read the Ofsted report"
        " before anything else, and the local press follows it.",
        "Prepare a short statement for parents before they read the report elsewhere: what it"
        " found, in plain words, and what the school is doing about any area that needs it.",
        "Safeguarding Not met or a category of concern: the DSL, the chair of governors and the"
        " local authority or trust agree what is said, by whom and when.",
    ),
    "parent_view_fall": (
        "Fewer parents agree on Parent View: tell the head teacher and look for what changed"
        " (a recent incident, a change of staff, how the school has been communicating).",
        "Parent View is anonymous: do not try to find who answered; invite parents to raise"
        " concerns with the school directly.",
    ),
    "low_rating": (
        "{respond}",
        "The complaints procedure applies: the office follows up whoever gets in touch.",
        "{remove}",
    ),
    "negative": (
        "Read it and decide whether to respond; the policy urges parents to raise concerns with"
        " the school directly, in private.",
        "{respond}",
    ),
    "new_thread": ("Read the thread; do not argue online.", "{respond}"),
    "praise": ("Acknowledge it with a short thank-you.", "{respond}"),
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


def suggestions(rule: str, where: Advice | None = None) -> tuple[str, ...]:
    """The policy's steps for an alert of `rule` about a mention from a source advising `where`.

    None for an unknown rule; `where` None (a source no longer configured): the generic advice.
    """
    where = where or Advice()
    places = {"{respond}": where.respond, "{remove}": where.remove}
    return tuple(places.get(step, step) for step in SUGGESTIONS.get(rule, ()))


def where_said(config: Config, source: str | None) -> Advice | None:
    """The advice of the adapter reading the source named `source` (None: not configured)."""
    configured = config.sources.get(source) if source else None
    return source_advice(configured.type) if configured else None


def source_advice(source_type: str | None) -> Advice | None:
    """What the adapter of `source_type` advises (None when no adapter of that type is known)."""
    from sources.base import adapter_for  # the registry: imports the one adapter asked for

    if source_type is None:
        return None
    try:
        return adapter_for(source_type).capabilities.advice
    except KeyError:
        return None
