"""Rules: each on matches and traps, severity, dedupe, and what raises nothing."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from monitor.config.settings import load
from monitor.judgement.rules import Candidate, Evaluation, RuleContext, Rules, load_context
from monitor.judgement.sentiment import SentimentScorer
from monitor.model import EditorKind, Item, RevisionFacts, Severity
from storage import mentions
from storage.database import Store
from storage.mentions import StoredText
from tests.configs import write_config

NOW = datetime(2026, 12, 1, 7, 0, tzinfo=UTC)
SCORER = SentimentScorer()


@pytest.fixture(scope="module")
def rules(tmp_path_factory: pytest.TempPathFactory) -> Rules:
    """The rules of a config with one extra word per list and Mrs Rose on the staff."""
    directory = tmp_path_factory.mktemp("rules")
    path = write_config(
        directory,
        storage_url=f"sqlite:///{directory / 'monitor.db'}",
        sources={},
        staff=("Mrs Hazel Example", "Mrs Rose"),
        extra=(
            '[alerts]\nsafeguarding_words = ["hidden camera"]\n'
            'abusive_words = ["numpty", "ass", "cock"]\n'  # "ass" and "cock" for the traps
        ),
    )
    return Rules.from_config(load(path))


def candidate(
    text: str,
    *,
    title: str | None = None,
    item_type: str = "entry",
    source_type: str = "feed",
    rating: float | None = None,
    extra: dict[str, Any] | None = None,
    facts: RevisionFacts | None = None,
    is_new: bool = True,
    baseline: bool = False,
    previous: StoredText | None = None,
    published_at: datetime | None = None,
) -> Candidate:
    """A candidate scored as the scan scores it (title first)."""
    item = Item(
        external_id="x1",
        item_type=item_type,
        text=text,
        title=title,
        rating=rating,
        extra=extra or {},
        published_at=published_at,
        facts=facts,
    )
    sentiment = SCORER.score_item(title, text) if (text.strip() or title) else None
    return Candidate("src", source_type, item, sentiment, is_new, baseline, previous)


def raised(evaluation: Evaluation) -> dict[str, Severity]:
    """rule -> severity of the alerts raised."""
    return {alert.rule: alert.severity for alert in evaluation.alerts}


# ---- word lists -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "My daughter told me a teaching assistant groomed her online.",
        "There is a child protection investigation at the juniors.",
        "Someone found a HIDDEN CAMERA in the changing room.",  # a configured word
        "A boy brought a knife into Year 6.",
        "My son has been self-harming and nobody at school noticed.",
    ],
)
def test_safeguarding_is_urgent(rules: Rules, text: str) -> None:
    assert raised(rules.evaluate(candidate(text)))["safeguarding"] == Severity.URGENT


@pytest.mark.parametrize(
    "text",
    [
        "Ofsted found safeguarding to be effective.",  # bare "safeguarding" is a compliment
        "The children learnt to use a knife and fork at lunch.",
        "We had grape juice at the harvest festival.",  # "rape" inside a word
        "The therapist visits on Tuesdays.",  # "rapist" inside a word
        "Drugs awareness week starts on Monday.",
    ],
)
def test_safeguarding_traps(rules: Rules, text: str) -> None:
    assert "safeguarding" not in raised(rules.evaluate(candidate(text)))


@pytest.mark.parametrize(
    "text", ["The crisis meeting is at 6.", "Isisford is in Queensland.", "A basement class."]
)
def test_extremism_word_boundary_traps(rules: Rules, text: str) -> None:
    assert "extremism" not in raised(rules.evaluate(candidate(text)))


def test_extremism_is_urgent(rules: Rules) -> None:
    evaluation = rules.evaluate(candidate("Someone sprayed 'white power' on the school gates."))
    assert raised(evaluation)["extremism"] == Severity.URGENT
    assert "'white power'" in next(a.summary for a in evaluation.alerts if a.rule == "extremism")
    assert "extremism" not in raised(rules.evaluate(candidate("A history lesson on Rome.")))


@pytest.mark.parametrize(
    "text",
    [
        "We visited Scunthorpe on the school trip.",  # "cunt" inside a word
        "My son's class assembly was lovely.",  # "ass" inside "class"
        "The PE teacher passed the ball.",
        "Cocktail party for the PTA.",
    ],
)
def test_abusive_word_boundary_traps(rules: Rules, text: str) -> None:
    assert "abusive" not in raised(rules.evaluate(candidate(text)))


def test_abusive_is_high(rules: Rules) -> None:
    evaluation = rules.evaluate(candidate("The deputy is a total numpty and a twat."))
    assert raised(evaluation)["abusive"] == Severity.HIGH
    summary = next(a.summary for a in evaluation.alerts if a.rule == "abusive")
    assert "'numpty'" in summary and "'twat'" in summary


# ---- staff ---------------------------------------------------------------------------------


def test_staff_named_in_a_negative_mention_is_urgent(rules: Rules) -> None:
    evaluation = rules.evaluate(
        candidate("The office is polite. Mrs Example shouted at my son and humiliated him.")
    )
    assert raised(evaluation)["staff_named"] == Severity.URGENT
    summary = next(a.summary for a in evaluation.alerts if a.rule == "staff_named")
    assert summary.startswith("names a member of staff (Mrs Hazel Example)")
    assert "worst sentence −0." in summary and "'Mrs Example shouted" in summary
    assert evaluation.severity == Severity.URGENT
    assert "negative" not in raised(evaluation)  # staff_named already says it


def test_staff_named_in_a_kind_mention_is_normal(rules: Rules) -> None:
    evaluation = rules.evaluate(candidate("Mr E. and Mrs Rose ran a wonderful nativity."))
    assert raised(evaluation)["staff_named"] == Severity.NORMAL
    summary = next(a.summary for a in evaluation.alerts if a.rule == "staff_named")
    assert "Mr E." in summary and "Mrs Rose" in summary
    assert "praise" not in raised(evaluation)  # praise stands down when another rule matched


@pytest.mark.parametrize(
    ("praised", "other"),
    [
        (  # kind words about a member of staff: staff_named says it
            candidate("The teachers ran a wonderful nativity, the children were brilliant!"),
            candidate("Mrs Rose ran a wonderful nativity, the children were brilliant!"),
        ),
        (  # a 5-star review that names her
            candidate("Lovely school.", item_type="review", rating=5),
            candidate("Mrs Rose is lovely.", item_type="review", rating=5),
        ),
        (  # a glowing new thread: new_thread says it
            candidate("Calcot Juniors is brilliant, the staff are wonderful and kind."),
            candidate(
                "Calcot Juniors is brilliant, the staff are wonderful and kind.",
                title="Calcot Juniors",
                item_type="thread",
            ),
        ),
    ],
    ids=["staff_named", "staff_named_in_a_five_star_review", "new_thread"],
)
def test_praise_stands_down_when_another_rule_matched(
    rules: Rules, praised: Candidate, other: Candidate
) -> None:
    """Text that is praise on its own (compound above the threshold, or 5 stars) is not thanked
    twice when another rule already reports the mention."""
    assert raised(rules.evaluate(praised)) == {"praise": Severity.INFO}
    evaluation = rules.evaluate(other)
    assert "praise" not in raised(evaluation)
    assert len(evaluation.alerts) == 1 and evaluation.alerts[0].rule in {
        "staff_named",
        "new_thread",
    }


def rules_with(directory: Path, alerts: str) -> Rules:
    """The rules of a config with these [alerts] lines and Mrs Rose on the staff."""
    path = write_config(
        directory,
        storage_url=f"sqlite:///{directory / 'monitor.db'}",
        sources={},
        staff=("Mrs Rose",),
        extra=f"[alerts]\n{alerts}\n",
    )
    return Rules.from_config(load(path))


def test_staff_named_is_urgent_at_the_threshold_and_normal_just_above(tmp_path: Path) -> None:
    mildly = candidate("Mrs Rose forgot the homework, annoying.")
    assert mildly.sentiment is not None
    score = min(mildly.sentiment.compound, mildly.sentiment.most_negative)
    assert -0.5 < score < 0
    # The label alone makes it urgent (below); here the tone model never says negative, so
    # only VADER's threshold decides.
    never = "\n[sentiment]\nnegative_probability = 1.0"
    at = rules_with(tmp_path, f"staff_negative_threshold = {score}{never}")
    assert raised(at.evaluate(mildly)) == {"staff_named": Severity.URGENT}
    # VADER scores have four decimals: the score is now just above the threshold.
    below = rules_with(tmp_path, f"staff_negative_threshold = {score - 0.0001:.4f}{never}")
    assert raised(below.evaluate(mildly)) == {"staff_named": Severity.NORMAL}


def test_staff_named_is_urgent_when_labelled_negative_whatever_vader_says(
    tmp_path: Path,
) -> None:
    """A complaint without an emotive word names the teacher: the label makes it urgent."""
    quiet = candidate("Mrs Rose has still not marked a single piece of homework since September.")
    assert quiet.sentiment is not None and quiet.sentiment.p_negative is not None
    assert quiet.sentiment.p_negative >= 0.35  # labelled negative by the tone model
    rules = rules_with(tmp_path, "staff_negative_threshold = -1.0")  # VADER never decides
    evaluation = rules.evaluate(quiet)
    assert raised(evaluation) == {"staff_named": Severity.URGENT}
    assert "negative" in evaluation.labels


@pytest.mark.parametrize(
    "text",
    [
        "The rose garden was planted by the PTA.",
        "I miss the old playground.",
        "We read Mr Men books in Reception.",
        "Mr and Mrs are written on the wedding cake.",
    ],
)
def test_staff_traps(rules: Rules, text: str) -> None:
    evaluation = rules.evaluate(candidate(text))
    assert "staff_named" not in raised(evaluation)
    assert "staff_named" not in evaluation.labels


def test_staff_by_title_and_surname_even_unconfigured(rules: Rules) -> None:
    """Someone not in [school] staff, named by title: high when negative, never urgent."""
    evaluation = rules.evaluate(candidate("mr jones ignored my emails."))
    assert raised(evaluation)["staff_named"] == Severity.HIGH
    summary = next(a.summary for a in evaluation.alerts if a.rule == "staff_named")
    assert summary.startswith("names someone by title (mr jones), not in [school] staff")
    configured = rules.evaluate(candidate("Mrs Example ignored my emails, shocking."))
    assert raised(configured)["staff_named"] == Severity.URGENT


# ---- scores and ratings --------------------------------------------------------------------


def test_low_rating_is_high_and_named(rules: Rules) -> None:
    evaluation = rules.evaluate(candidate("", item_type="review", rating=1))
    assert raised(evaluation) == {"low_rating": Severity.HIGH}
    assert evaluation.alerts[0].summary == "1-star review (no text)"
    assert "low_rating" not in raised(rules.evaluate(candidate("ok", item_type="review", rating=3)))


def test_low_rating_is_two_stars_or_fewer(rules: Rules) -> None:
    two = rules.evaluate(candidate("", item_type="review", rating=2))
    assert raised(two) == {"low_rating": Severity.HIGH}
    assert two.alerts[0].summary == "2-star review (no text)"
    assert "low_rating" in two.labels
    three = rules.evaluate(candidate("", item_type="review", rating=3))
    assert three.alerts == () and "low_rating" not in three.labels


def test_negative_explains_itself(rules: Rules) -> None:
    evaluation = rules.evaluate(candidate("Total shambles, they have done nothing about it."))
    assert raised(evaluation) == {"negative": Severity.NORMAL}
    summary = evaluation.alerts[0].summary
    assert summary.startswith("negative (P(negative) 0.9")  # the tone model's chance
    assert "; compound −0.8" in summary and "why: 'shambles'" in summary
    assert summary.endswith("; 'Total shambles, they have done nothing about it.'")
    assert evaluation.labels == ("negative",)


def test_negative_from_the_worst_sentence_of_a_long_post(rules: Rules) -> None:
    text = (
        "We moved to Calcot Junior School in Year 3 and the class teacher is kind. Reading books "
        "come home every week. The after-school clubs are great fun and the staff are friendly. "
        "But the way the school handled my son being assaulted was an absolute disgrace."
    )
    evaluation = rules.evaluate(candidate(text))
    assert raised(evaluation) == {"safeguarding": Severity.URGENT}  # "assaulted"
    # The summary quotes the worst sentence; `negative` stands down for the more specific rule.
    assert evaluation.alerts[0].summary.endswith(
        "'But the way the school handled my son being assaulted was an absolute disgrace.'"
    )


def test_praise_is_info_to_acknowledge(rules: Rules) -> None:
    evaluation = rules.evaluate(candidate("The staff went the extra mile, we can't fault them!"))
    assert raised(evaluation) == {"praise": Severity.INFO}
    assert evaluation.alerts[0].summary.startswith("to acknowledge: praise, P(negative) 0.0")
    assert "why: 'went the extra mile'" in evaluation.alerts[0].summary
    five = rules.evaluate(candidate("", item_type="review", rating=5))
    assert raised(five) == {"praise": Severity.INFO}
    assert "praise" not in raised(rules.evaluate(candidate("It was fine.")))


def test_sarcasm_is_not_praise(rules: Rules) -> None:
    evaluation = rules.evaluate(
        candidate("Oh brilliant, another training day with two days' notice.")
    )
    assert "praise" not in raised(evaluation)


def test_new_thread_is_high(rules: Rules) -> None:
    thread = candidate("Anyone got kids at Calcot?", title="Calcot Juniors", item_type="thread")
    assert raised(rules.evaluate(thread))["new_thread"] == Severity.HIGH
    edited = candidate("Anyone?", title="Calcot Juniors", item_type="thread", is_new=False)
    assert "new_thread" not in raised(rules.evaluate(edited))


# ---- what raises nothing -------------------------------------------------------------------


def test_baseline_raises_nothing_but_is_labelled(rules: Rules) -> None:
    evaluation = rules.evaluate(
        candidate("Mrs Example is an absolute disgrace, awful.", baseline=True)
    )
    assert evaluation.alerts == ()
    assert "staff_named" in evaluation.labels and "negative" in evaluation.labels


def test_facebook_page_posts_are_never_alerted(rules: Rules) -> None:
    post = candidate(
        "Reminder: no school on Friday, sorry for the short notice. Shambles of a week!",
        item_type="post",
        source_type="facebook_page",
        extra={"by_page": True},
    )
    assert rules.evaluate(post).alerts == ()


def test_reply_only_change_raises_nothing(rules: Rules) -> None:
    text = "Awful school, avoid."
    before = StoredText(None, text, 1.0)
    review = candidate(
        text, item_type="review", rating=1, is_new=False, previous=before,
        extra={"reply": "We are sorry to hear this; please contact the office."},
    )  # fmt: skip
    assert rules.evaluate(review).alerts == ()
    changed = candidate(
        "Awful school, avoid. Mrs Example never replied.", item_type="review", rating=1,
        is_new=False, previous=before,
    )  # fmt: skip
    assert {"low_rating", "staff_named"} <= set(raised(rules.evaluate(changed)))


def test_dedupe_key_is_per_rule_and_mention(rules: Rules) -> None:
    evaluation = rules.evaluate(candidate("Mrs Example is a twat.", item_type="review", rating=1))
    keys = {alert.rule: alert.dedupe_key for alert in evaluation.alerts}
    assert keys["abusive"] == "abusive:src:x1"
    assert keys["staff_named"] == "staff_named:src:x1"
    assert len(set(keys.values())) == len(keys)
    assert [alert.severity for alert in evaluation.alerts] == sorted(
        (alert.severity for alert in evaluation.alerts), key=lambda s: s.rank
    )


# ---- wikipedia -----------------------------------------------------------------------------


ORDINARY = RevisionFacts(
    editor=EditorKind.REGISTERED,
    size_delta=12,
    bytes_removed=0,
    removed_share=0.0,
    blanking=False,
    replaced=False,
    offensive_words=(),
    is_revert=False,
    reverted=False,
    revert_risk=None,
)


def revision(text: str = "Calcot Junior is a primary school in Calcot.", **facts: Any) -> Candidate:
    """A revision of the school's article: an ordinary edit but for `facts`."""
    return candidate(text, item_type="revision", facts=replace(ORDINARY, **facts))


@pytest.mark.parametrize(
    ("facts", "reason"),
    [
        ({"editor": EditorKind.TEMPORARY, "blanking": True}, "blanked the page"),
        (
            {"editor": EditorKind.ANONYMOUS, "bytes_removed": 4200, "removed_share": 0.6},
            "removed 4200",
        ),
        ({"editor": EditorKind.TEMPORARY, "replaced": True}, "replaced most of the page"),
        ({"offensive_words": ("poo",)}, "added offensive words 'poo'"),
        ({"revert_risk": 0.95}, "revert risk 0.95"),
    ],
)
def test_wikipedia_vandalism_is_urgent(rules: Rules, facts: dict[str, Any], reason: str) -> None:
    evaluation = rules.evaluate(revision(**facts))
    assert raised(evaluation)["wikipedia_vandalism"] == Severity.URGENT
    assert reason in evaluation.alerts[0].summary


@pytest.mark.parametrize(
    "facts",
    [
        {"editor": EditorKind.REGISTERED, "bytes_removed": 4200, "removed_share": 0.6},
        {"editor": EditorKind.TEMPORARY, "bytes_removed": 200, "removed_share": 0.02},  # small
        {"revert_risk": 0.5},
        {"revert_risk": None},
        {"editor": EditorKind.ANONYMOUS, "blanking": True, "is_revert": True},  # a revert
    ],
)
def test_wikipedia_ordinary_edits(rules: Rules, facts: dict[str, Any]) -> None:
    assert "wikipedia_vandalism" not in raised(rules.evaluate(revision(**facts)))


def test_wikipedia_already_reverted_is_info(rules: Rules) -> None:
    evaluation = rules.evaluate(revision(editor=EditorKind.TEMPORARY, blanking=True, reverted=True))
    assert raised(evaluation) == {"wikipedia_vandalism": Severity.INFO}
    assert evaluation.alerts[0].summary.endswith("(already reverted)")


def test_the_vandalism_rule_reads_typed_facts_not_extra(rules: Rules) -> None:
    # Keys in extra are the adapter's notes: they raise nothing, whatever they are called.
    loose = candidate(
        "Calcot Junior School is a primary school in Calcot.",
        item_type="revision",
        extra={"editor_kind": "temporary", "blanking": True, "offensive_words": ["poo"]},
    )
    assert raised(rules.evaluate(loose)) == {}
    known = "RevisionFacts, InspectionFacts, ParentViewFacts"
    with pytest.raises(TypeError, match=rf"Item\.facts must be one of {known}, not dict"):
        Item("x", "revision", "text", facts={"editor": "temporary"})  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=r"where Item\.facts are stored"):
        Item("x", "revision", "text", extra={"facts": {}})


# ---- volume ---------------------------------------------------------------------------------


def test_volume_spike_once_over_k_times_the_mean(rules: Rules) -> None:
    context = RuleContext(now=NOW, last_day=3, daily_mean=1.0)
    spikes = []
    for _ in range(4):
        evaluation = rules.evaluate(
            candidate("The school is in the news.", published_at=NOW), context
        )
        spikes += [alert for alert in evaluation.alerts if alert.rule == "volume_spike"]
    # 4 mentions are below the minimum of 5; 5, 6 and 7 are more than 3 × 1.0: one key a day.
    assert [alert.summary.split(" ")[0] for alert in spikes] == ["5", "6", "7"]
    assert {alert.dedupe_key for alert in spikes} == {"volume_spike:2026-12-01"}
    assert spikes[0].severity == Severity.HIGH


def test_volume_spike_needs_more_than_k_times_the_mean_once_the_minimum_is_met(
    rules: Rules,
) -> None:
    # 2 a day usually: 3 × 2 = 6. Five stored already, so the minimum of 5 is met throughout.
    context = RuleContext(now=NOW, last_day=5, daily_mean=2.0)
    at_factor = rules.evaluate(candidate("The school is in the news.", published_at=NOW), context)
    assert at_factor.alerts == ()  # 6 is exactly 3 × the mean: not more
    over = rules.evaluate(candidate("The school is in the news.", published_at=NOW), context)
    [spike] = over.alerts
    assert spike.rule == "volume_spike"
    assert spike.summary.startswith("7 mentions in 24 h against 2.0 a day")


def test_volume_needs_a_minimum_and_ignores_old_news(rules: Rules) -> None:
    context = RuleContext(now=NOW, last_day=1, daily_mean=0.0)
    old = NOW - timedelta(days=30)
    for _ in range(10):
        assert rules.evaluate(candidate("News.", published_at=old), context).alerts == ()
    evaluation = rules.evaluate(candidate("News.", published_at=NOW), context)
    assert evaluation.alerts == ()  # 2 in 24 h: below the minimum of 5


def test_vandalism_names_the_words_so_abusive_and_negative_stand_down(rules: Rules) -> None:
    edit = revision(
        "The head is an idiot and a liar, this school is a shambles.",
        editor=EditorKind.ANONYMOUS, offensive_words=("idiot", "liar"),
    )  # fmt: skip
    assert raised(rules.evaluate(edit)) == {"wikipedia_vandalism": Severity.URGENT}
    reverted = revision(
        "Mrs Example is an idiot and a groomer.",
        editor=EditorKind.TEMPORARY, offensive_words=("idiot",), reverted=True,
    )  # fmt: skip
    # Already gone from the page: one info alert, no text rules.
    assert raised(rules.evaluate(reverted)) == {"wikipedia_vandalism": Severity.INFO}


def test_load_context_counts_stored_mentions_by_publication(database_url: str) -> None:
    with Store.open(database_url) as store, store.transaction() as tx:
        # 28 in the 28 days before the last 24 h (one a day), 2 in the last 24 h, 1 undated.
        days = [NOW - timedelta(days=1, hours=n * 24 - 12) for n in range(1, 29)]
        recent = [NOW - timedelta(hours=2), NOW - timedelta(hours=20)]
        for number, published in enumerate([*days, *recent, None]):
            mentions.add_or_update(
                tx, source="news", source_type="feed",
                item=Item(f"e{number}", "entry", "News.", published_at=published),
                sentiment=None, labels=[], now=NOW - timedelta(hours=1), baseline=number < 5,
            )  # fmt: skip
        context = load_context(tx, NOW)
    assert (context.last_day, context.daily_mean) == (3, 1.0)  # the undated one was seen today


def test_volume_spike_from_stored_counts(rules: Rules) -> None:
    context = RuleContext(now=NOW, last_day=3, daily_mean=1.0)
    first = rules.evaluate(candidate("News.", published_at=NOW), context)
    assert first.alerts == ()  # 4: not at the minimum of 5
    second = rules.evaluate(candidate("News.", published_at=NOW), context)
    [spike] = second.alerts
    assert spike.summary.startswith(
        "5 mentions in 24 h against 1.0 a day over the previous 28 days"
    )
    assert spike.source == "src"
