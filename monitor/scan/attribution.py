"""Which schools an item is about: the pipeline's one place that attributes mentions (a trust).

    attribution = Attribution(config)
    attribution.attribute(source, items, stored_parents) -> {external_id: (school id, ...)}

A source serving one school (every source of a `[school]` config) gives that school everything.
A source serving several is fetched once, and each item is matched against each of its schools'
names as people write them (`SchoolMatcher`: plurals, possessives, "School" left out): an item
belongs to every school it names, and a post or comment also to the schools of its thread or
post (`parent_external_id`), whether that came in the same poll or was stored before. An item
that names none of them and has no attributed parent belongs to no school: it is still stored,
shown trust-wide, and mailed to the `[email]` recipients.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from monitor.config.settings import Config
from monitor.model import Item
from sources.common.words import SchoolMatcher

Schools = tuple[str, ...]


class Attribution:
    """Every school's name matcher and what each source serves, built once from config."""

    def __init__(self, config: Config) -> None:
        tables = config.school_tables
        self.schools: Schools = tuple(tables)
        self._matchers = {school: SchoolMatcher(table.names) for school, table in tables.items()}
        self._served = {
            name: source.school_ids or self.schools for name, source in config.sources.items()
        }

    def served(self, source: str) -> Schools:
        """The schools `source` serves (every school for a source not in the config)."""
        return self._served.get(source, self.schools)

    def parents_to_look_up(self, source: str, items: Sequence[Item]) -> list[str]:
        """Parents of `items` not in the batch whose stored schools attribution needs."""
        if len(self.served(source)) <= 1:
            return []
        present = {item.external_id for item in items}
        return sorted(
            {
                item.parent_external_id
                for item in items
                if item.parent_external_id and item.parent_external_id not in present
            }
        )

    def attribute(
        self,
        source: str,
        items: Sequence[Item],
        stored_parents: Mapping[str, Schools] | None = None,
    ) -> dict[str, Schools]:
        """external_id -> the ids of the schools each item is about (in config order)."""
        served = self.served(source)
        if len(served) <= 1:
            return {item.external_id: served for item in items}
        stored = stored_parents or {}
        by_id = {item.external_id: item for item in items}
        named = {
            item.external_id: {
                school for school in served if self._matchers[school].matches(item.title, item.text)
            }
            for item in items
        }
        found: dict[str, Schools] = {}

        def schools_of(external_id: str, seen: frozenset[str]) -> Schools:
            if external_id in found:
                return found[external_id]
            item = by_id[external_id]
            wanted = set(named[external_id])
            parent = item.parent_external_id
            if parent and parent not in seen:  # a cycle of parents is a bad batch, not a hang
                if parent in by_id:
                    wanted.update(schools_of(parent, seen | {external_id}))
                else:
                    wanted.update(stored.get(parent, ()))
            found[external_id] = tuple(school for school in served if school in wanted)
            return found[external_id]

        for item in items:
            schools_of(item.external_id, frozenset())
        return found
