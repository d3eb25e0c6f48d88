"""Benchmark: how long `monitor mentions --limit 50` takes as a process, against `python -c pass`.

    .venv/bin/python benchmarks/startup.py [--mentions 100000] [--runs 11] [--instructions]

Builds a SQLite file of `--mentions` stored mentions and a config naming every built-in source
type, then times, alternately and in the same run, `python -c pass` (the interpreter's own
start), `monitor --version` and `monitor mentions --limit 50` as processes. Prints the median
wall-clock and CPU time of each and the ratios of `mentions` to the bare interpreter (target: at
most 8). Run by hand; record the output in docs/performance.md. Not a test.

`mentions` is timed twice: as it runs every time but the first after an edit of the config
(the config remembered as validated, monitor.config.reading, in this run's own cache folder),
and as it runs once after each edit ("config validated": a cache folder it cannot create, so
it validates every time).

`--instructions` also counts, once each, the instructions every command executes (valgrind's
cachegrind, if installed): unlike times, the count does not move with the machine's load, so
it compares runs made at different times. Two more commands show the floor any command that
validates its config pays: the interpreter with click imported, and with pydantic's first model
built as well.
"""

from __future__ import annotations

import argparse
import os
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from monitor.model import Item, Sentiment  # noqa: E402
from storage import mentions  # noqa: E402
from storage.database import Store  # noqa: E402
from storage.mentions import MentionWrite  # noqa: E402
from tests.configs import ONE_SOURCE_OF_EACH_TYPE, write_config  # noqa: E402

PHRASES = [
    "Calcot Junior School pupils won the county chess trophy, a brilliant result.",
    "Parents are angry about poor communication from the office this term.",
    "The nativity play at Calcot Infant School was lovely and the children were wonderful.",
    "Terrible handling of the bullying complaint; nobody called us back!!!",
]
BATCH = 2000


def fill(url: str, count: int) -> None:
    """Store `count` feed mentions, a minute apart, in batches."""
    start = datetime(2026, 1, 1, tzinfo=UTC)
    sentiment = Sentiment(-0.4, 0.1, 0.6, 0.3, -0.5, "nobody called us back", ("terrible",))
    with Store.open(url) as store:
        for first in range(0, count, BATCH):
            writes = [
                MentionWrite(
                    Item(
                        external_id=f"urn:bench:{number}",
                        item_type="entry",
                        text=f"{PHRASES[number % len(PHRASES)]} Item {number}.",
                        title=f"Story {number} about Calcot",
                        url=f"https://news.example/{number}",
                        published_at=start + timedelta(minutes=number),
                    ),
                    sentiment,
                    ["negative"] if number % 4 == 3 else [],
                    False,
                )
                for number in range(first, min(first + BATCH, count))
            ]
            with store.transaction() as tx:
                mentions.add_or_update_many(
                    tx, source="news", source_type="feed", writes=writes, now=start
                )


def seconds(command: list[str], environment: dict[str, str]) -> tuple[float, float]:
    """Wall-clock and CPU (user + system) time of one run of `command`, which must succeed."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    began = time.perf_counter()
    subprocess.run(command, env=environment, check=True, stdout=subprocess.DEVNULL)
    wall = time.perf_counter() - began
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
    return wall, cpu


def instructions(command: list[str], environment: dict[str, str]) -> int | None:
    """Instructions executed by one run of `command` (cachegrind); None without valgrind."""
    valgrind = shutil.which("valgrind")
    if valgrind is None:
        return None
    counting = [valgrind, "--tool=cachegrind", "--cache-sim=no", "--cachegrind-out-file=/dev/null"]
    done = subprocess.run(
        [*counting, *command],
        env=environment,
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    found = re.search(r"I\s+refs:\s+([\d,]+)", done.stderr)
    return int(found[1].replace(",", "")) if found else None


def main() -> None:
    """Fill a database, time the three commands alternately, print medians and the ratio."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mentions", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=11)
    parser.add_argument("--instructions", action="store_true", help="count them (valgrind)")
    arguments = parser.parse_args()
    environment = {**os.environ, "KEY": "not-a-real-secret", "PYTHONPATH": str(ROOT)}
    with tempfile.TemporaryDirectory() as folder:
        directory = Path(folder)
        url = f"sqlite:///{directory / 'monitor.db'}"
        began = time.perf_counter()
        fill(url, arguments.mentions)
        print(f"stored {arguments.mentions:,} mentions in {time.perf_counter() - began:.1f} s")
        config = write_config(directory, storage_url=url, sources=ONE_SOURCE_OF_EACH_TYPE)
        monitor = [sys.executable, "-m", "monitor", "--config", str(config)]
        environment["XDG_CACHE_HOME"] = str(directory / "cache")
        (directory / "a-file").touch()
        validating = {**environment, "XDG_CACHE_HOME": str(directory / "a-file")}
        commands = {
            "python -c pass": ([sys.executable, "-c", "pass"], environment),
            "monitor --version": ([*monitor, "--version"], environment),
            MENTIONS: ([*monitor, "mentions", "--limit", "50"], environment),
            "  (config validated)": ([*monitor, "mentions", "--limit", "50"], validating),
        }
        for command, where in commands.values():  # warm the file cache, bytecode and config cache
            seconds(command, where)
        if arguments.instructions:
            count_instructions(commands, environment)
        walls: dict[str, list[float]] = {name: [] for name in commands}
        cpus: dict[str, list[float]] = {name: [] for name in commands}
        for _ in range(arguments.runs):
            for name, (command, where) in commands.items():
                wall, cpu = seconds(command, where)
                walls[name].append(wall)
                cpus[name].append(cpu)
    print(f"medians of {arguments.runs} runs; CPU = user + system, steadier on a shared machine")
    for name in commands:
        wall, cpu = statistics.median(walls[name]), statistics.median(cpus[name])
        spread = f"{min(walls[name]):.3f}–{max(walls[name]):.3f}"
        print(f"{name:30} wall {wall:.3f} s (range {spread})  CPU {cpu:.3f} s")
    for label, times in (("wall", walls), ("CPU", cpus)):
        base = statistics.median(times["python -c pass"])
        ratio = statistics.median(times[MENTIONS]) / base
        validated = statistics.median(times["  (config validated)"]) / base
        print(
            f"mentions / bare interpreter, {label}: {ratio:.1f}× (target ≤ 8×);"
            f" {validated:.1f}× when it validates the config (the first run after an edit)"
        )


MENTIONS = "monitor mentions --limit 50"


FLOOR = {
    "python -c 'import click'": "import click",
    "  + pydantic's first model": (
        "import click\nfrom pydantic import BaseModel\nclass First(BaseModel):\n    x: int"
    ),
}


def count_instructions(
    commands: dict[str, tuple[list[str], dict[str, str]]], environment: dict[str, str]
) -> None:
    """Print each command's instruction count and its ratio to the bare interpreter's."""
    floor = {name: [sys.executable, "-c", code] for name, code in FLOOR.items()}
    counts = {name: instructions(command, where) for name, (command, where) in commands.items()}
    counts.update({name: instructions(command, environment) for name, command in floor.items()})
    base = counts["python -c pass"]
    if base is None:
        print("instructions: valgrind is not installed")
        return
    print("instructions executed (cachegrind), once each; load does not change them")
    for name, count in counts.items():
        if count is not None:
            print(f"{name:30} {count / 1e6:8.0f} M  {count / base:5.1f}× python -c pass")


if __name__ == "__main__":
    main()
