"""Tables and records for the terminal (rich) and for pipes (plain columns, JSON, CSV)."""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Sequence
from typing import Any

from rich.console import Console
from rich.table import Table
from rich.text import Text


def render_table(console: Console, headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    """A rich table on a terminal; tab-separated columns with a header line elsewhere."""
    if console.is_terminal:
        table = Table(*headers, show_lines=False)
        for row in rows:
            # Text(), not str: scraped text must not be read as rich markup ("[red]...").
            table.add_row(*(Text(_cell(value)) for value in row))
        console.print(table)
        return
    out = console.file
    out.write("\t".join(headers) + "\n")
    for row in rows:
        out.write("\t".join(_cell(value).replace("\t", " ").replace("\n", " ") for value in row))
        out.write("\n")


def render_json(records: Sequence[dict[str, Any]]) -> str:
    """One JSON array, as `--format json` promises."""
    return json.dumps(list(records), indent=2, ensure_ascii=False) + "\n"


def render_csv(records: Sequence[dict[str, Any]], fields: Sequence[str]) -> str:
    """CSV with a header row; lists are joined with ';'."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(fields), extrasaction="ignore")
    writer.writeheader()
    for record in records:
        writer.writerow(
            {
                key: ";".join(value) if isinstance(value, list) else value
                for key, value in record.items()
            }
        )
    return buffer.getvalue()


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:+.2f}"
    # Scraped text may carry terminal escape sequences; show them, never let them act.
    return _CONTROL.sub(lambda match: repr(match.group())[1:-1], str(value))


_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
