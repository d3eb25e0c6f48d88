"""Third-party adapters are found through the `reputation_monitor.sources` entry-point group."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

PLUGIN = '''
"""Parish newsletter: a third-party source type."""
from monitor.model import FetchResult
from sources.base import SourceConfig, register


class ParishConfig(SourceConfig):
    parish: str


@register("parish_newsletter", ParishConfig)
async def fetch(http, config, state):
    return FetchResult([])
'''


def test_an_installed_plugin_adapter_is_listed_and_usable(tmp_path: Path) -> None:
    (tmp_path / "parish_plugin.py").write_text(PLUGIN, encoding="utf-8")
    dist = tmp_path / "parish_plugin-1.0.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: parish-plugin\nVersion: 1.0\n")
    (dist / "entry_points.txt").write_text(
        "[reputation_monitor.sources]\nparish_newsletter = parish_plugin\n"
    )
    env = {**os.environ, "PYTHONPATH": str(tmp_path)}
    listed = subprocess.run(
        [sys.executable, "-m", "monitor", "sources"],
        capture_output=True,
        text=True,
        env=env,
        check=True,
        timeout=60,
    )
    assert "parish_newsletter: Parish newsletter: a third-party source type." in listed.stdout
    assert "    parish:" in listed.stdout
    assert "feed: " in listed.stdout and "wikipedia: " in listed.stdout
