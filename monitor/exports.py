"""The records a person exports: one JSON array, or CSV with a header row (DESIGN.md 7).

Shared by the command line (`--format json|csv`) and the web page (`/incidents.csv`), so both
give the same file for the same records. Times in the records are ISO 8601 UTC already.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from typing import Any


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
