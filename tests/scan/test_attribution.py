"""Which schools an item is about (monitor.scan.attribution), and each school's staff rules."""

from __future__ import annotations

from pathlib import Path

import pytest

from monitor.config.settings import Config, load
from monitor.judgement.rules import Candidate, Rules
from monitor.judgement.sentiment import SentimentScorer
from monitor.model import Item
from monitor.scan.attribution import Attribution

TRUST = """
[schools.infants]
name = "Calcot Infant School"
staff = ["Mrs Hazel Example"]
[schools.juniors]
name = "Calcot Junior School"
staff = ["Mr Peter Sample"]
[sources.both]
type = "feed"
url = "https://news.example.org/feed.xml"
[sources.infants_page]
type = "feed"
url = "https://infants.example.org/feed.xml"
schools = ["infants"]
"""


@pytest.fixture
def config(tmp_path: Path) -> Config:
    path = tmp_path / "config.toml"
    path.write_text(TRUST, encoding="utf-8")
    return load(path)


def item(external_id: str, title: str, text: str = "", parent: str | None = None) -> Item:
    return Item(external_id, "post", text, title=title, parent_external_id=parent)


def test_an_item_belongs_to_each_school_it_names_as_people_write_them(config: Config) -> None:
    attribution = Attribution(config)
    found = attribution.attribute(
        "both",
        [
            item("a", "Calcot Infants' nativity"),  # "School" left out, possessive
            item("b", "SATs at calcot junior school"),
            item("c", "Calcot Infant and Calcot Junior schools merge"),
            item("d", "Roadworks near Calcot"),
        ],
    )
    assert found == {
        "a": ("infants",),
        "b": ("juniors",),
        "c": ("infants", "juniors"),
        "d": (),  # names neither, from a source serving both: about no school in particular
    }


def test_a_source_serving_one_school_gives_it_everything(config: Config) -> None:
    found = Attribution(config).attribute("infants_page", [item("d", "Roadworks near Calcot")])
    assert found == {"d": ("infants",)}


def test_a_post_belongs_to_its_threads_schools_in_the_batch_or_stored(config: Config) -> None:
    attribution = Attribution(config)
    items = [
        item("thread:1", "Calcot Infants - new head??"),
        item("post:1:1", "Re: new head", "She seems lovely", parent="thread:1"),
        item("post:1:2", "Re: new head", "Junior school is next door", parent="post:1:1"),
        item("post:2:1", "Re: SATs", "Results are out", parent="thread:2"),  # stored thread
        item("post:3:1", "Re: ?", "Any news?", parent="thread:3"),  # stored, about no school
    ]
    assert attribution.parents_to_look_up("both", items) == ["thread:2", "thread:3"]
    found = attribution.attribute("both", items, {"thread:2": ("juniors",)})
    assert found == {
        "thread:1": ("infants",),
        "post:1:1": ("infants",),
        "post:1:2": ("infants",),  # its thread's school, through its parent post
        "post:2:1": ("juniors",),
        "post:3:1": (),
    }
    # A cycle of parents (a bad batch) ends rather than hangs.
    loop = [item("x", "a", parent="y"), item("y", "b", parent="x")]
    assert attribution.attribute("both", loop) == {"x": (), "y": ()}


def test_the_staff_of_the_school_a_mention_is_about_make_it_urgent(config: Config) -> None:
    rules, scorer = Rules.from_config(config), SentimentScorer.from_config(config)
    text = "Mr Sample shouted at my son and humiliated him. Disgraceful."

    def staff_alert(schools: tuple[str, ...]) -> tuple[str, str]:
        mention = item("p", "Complaint", text)
        candidate = Candidate(
            "both", "feed", mention, scorer.score_item(mention.title, text), True, False,
            schools=schools,
        )  # fmt: skip
        [alert] = [a for a in rules.evaluate(candidate).alerts if a.rule == "staff_named"]
        return str(alert.severity), alert.summary

    # About the juniors, whose staff he is: a named member of staff in a negative mention.
    severity, summary = staff_alert(("juniors",))
    assert severity == "urgent" and summary.startswith("names a member of staff (Mr Peter Sample)")
    # About the infants: someone named by title, not one of their staff.
    severity, summary = staff_alert(("infants",))
    assert severity == "high" and summary.startswith("names someone by title (Mr Sample)")
    # About no school in particular: every school's staff count.
    assert staff_alert(())[0] == "urgent"
