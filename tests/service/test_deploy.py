"""The systemd unit: valid, hardened to an exposure of 2.0 or lower, and Python runs under it."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.configs import write_config
from tests.loopback import LoopbackServer, Reply

ROOT = Path(__file__).resolve().parents[2]
UNIT = ROOT / "deploy" / "monitor.service"
INSTALLED_COMMAND = "/opt/reputation-monitor/venv/bin/monitor"
SYSTEMD_ANALYZE = shutil.which("systemd-analyze")
needs_systemd_analyze = pytest.mark.skipif(
    SYSTEMD_ANALYZE is None, reason="systemd-analyze is not installed on this machine"
)
PR_SET_MDWE = 65  # prctl: refuse memory that is writable and executable (Linux 6.3+)


def unit_here(tmp_path: Path) -> Path:
    """The unit with ExecStart pointing at this checkout's `monitor` (verify checks it exists)."""
    command = Path(sys.executable).with_name("monitor")
    text = UNIT.read_text(encoding="utf-8")
    assert INSTALLED_COMMAND in text
    path = tmp_path / "monitor.service"
    path.write_text(text.replace(INSTALLED_COMMAND, str(command)), encoding="utf-8")
    return path


@needs_systemd_analyze
def test_the_unit_passes_systemd_analyze_verify(tmp_path: Path) -> None:
    result = subprocess.run(
        [SYSTEMD_ANALYZE, "verify", str(unit_here(tmp_path))],  # type: ignore[list-item]
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert result.stderr.strip() == "", result.stderr


@needs_systemd_analyze
def test_the_unit_exposure_is_2_or_lower_as_documented() -> None:
    result = subprocess.run(
        [SYSTEMD_ANALYZE, "security", "--offline=yes", str(UNIT)],  # type: ignore[list-item]
        capture_output=True,
        text=True,
        timeout=60,
    )
    found = re.search(r"Overall exposure level for monitor\.service: (\d+\.\d)", result.stdout)
    assert found, result.stdout + result.stderr
    assert float(found[1]) <= 2.0
    operations = (ROOT / "docs" / "operations.md").read_text(encoding="utf-8")
    assert f"exposure level {found[1]}" in operations


def test_every_setting_is_explained_by_a_comment_above_it() -> None:
    text = UNIT.read_text(encoding="utf-8")
    service = text[text.index("[Service]") : text.index("[Install]")]
    explained = False
    for line in service.splitlines():
        if not line.strip() or line.startswith("["):
            explained = False  # a blank line ends a commented group
        elif line.startswith("#"):
            explained = True
        else:
            assert explained, f"no comment above: {line}"


def mdwe_supported() -> bool:
    probe = subprocess.run(
        [
            sys.executable,
            "-c",
            "import ctypes, sys; libc = ctypes.CDLL(None); "
            f"sys.exit(0 if libc.prctl({PR_SET_MDWE}, 1, 0, 0, 0) == 0 else 1)",
        ],
        timeout=60,
    )
    return probe.returncode == 0


def test_a_scan_runs_with_memory_deny_write_execute(server: LoopbackServer, tmp_path: Path) -> None:
    if not sys.platform.startswith("linux") or not mdwe_supported():
        pytest.skip("this kernel has no PR_SET_MDWE (Linux 6.3+) to stand in for the unit's")
    server.route("/alerts.xml", Reply.fixture("feed/google_alerts.xml", "application/atom+xml"))
    config = write_config(
        tmp_path,
        storage_url=f"sqlite:///{tmp_path / 'monitor.db'}",
        sources={"alerts": {"type": "feed", "url": f"{server.url}/alerts.xml"}},
    )
    # Set the flag, then exec the command: the flag holds across exec, as under systemd.
    launcher = (
        "import ctypes, os, sys\n"
        f"assert ctypes.CDLL(None).prctl({PR_SET_MDWE}, 1, 0, 0, 0) == 0\n"
        "os.execv(sys.executable, [sys.executable, '-m', 'monitor', *sys.argv[1:]])\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", launcher, "--config", str(config), "scan"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert "alerts" in result.stdout


def test_monitor_admin_needs_no_sudo() -> None:
    # A minimal Debian server has no sudo: the wrapper drops to the service user with runuser
    # (util-linux, always installed), so `monitor-admin` works for root without it.
    script = (ROOT / "deploy" / "monitor-admin").read_text(encoding="utf-8")
    commands = [line for line in script.splitlines() if not line.lstrip().startswith("#")]
    assert not any("sudo" in line for line in commands if "echo" not in line)
    assert any(line.startswith("exec runuser -u reputation-monitor --") for line in commands)
    assert "umask 077" in commands  # as the unit's UMask=0077
    checked = subprocess.run(["sh", "-n", str(ROOT / "deploy" / "monitor-admin")], timeout=10)
    assert checked.returncode == 0


def test_a_config_error_is_not_restarted_in_a_loop() -> None:
    # `monitor run` exits 2 on a config error (README: exit statuses); restarting cannot fix it.
    settings = [line.strip() for line in UNIT.read_text(encoding="utf-8").splitlines()]
    assert "Restart=on-failure" in settings
    assert "RestartPreventExitStatus=2" in settings


def test_the_unit_loads_no_credential_an_upgrade_would_restore() -> None:
    # Credentials go in a `systemctl edit` drop-in: the upgrade steps reinstall this file, and a
    # LoadCredential= line here whose file a school does not have stops the service (243).
    settings = [line.strip() for line in UNIT.read_text(encoding="utf-8").splitlines()]
    assert not [line for line in settings if line.startswith("LoadCredential")]
    operations = (ROOT / "docs" / "operations.md").read_text(encoding="utf-8")
    assert "sudo systemctl edit reputation-monitor" in operations
    assert "LoadCredential=smtp-password:/etc/reputation-monitor/credentials/smtp-password" in (
        operations
    )


WEB_UNIT = ROOT / "deploy" / "monitor-web.service"


@needs_systemd_analyze
def test_the_web_unit_passes_verify_and_is_hardened_like_the_daemons(tmp_path: Path) -> None:
    command = Path(sys.executable).with_name("monitor")
    text = WEB_UNIT.read_text(encoding="utf-8")
    assert f"{INSTALLED_COMMAND} --config /etc/reputation-monitor/config.toml web" in text
    here = tmp_path / "monitor-web.service"
    here.write_text(text.replace(INSTALLED_COMMAND, str(command)), encoding="utf-8")
    verify = subprocess.run(
        [SYSTEMD_ANALYZE, "verify", str(here)],  # type: ignore[list-item]
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert verify.returncode == 0 and verify.stderr.strip() == "", verify.stderr
    security = subprocess.run(
        [SYSTEMD_ANALYZE, "security", "--offline=yes", str(WEB_UNIT)],  # type: ignore[list-item]
        capture_output=True,
        text=True,
        timeout=60,
    )
    exposure = r"Overall exposure level for monitor-web\.service: (\d+\.\d)"
    found = re.search(exposure, security.stdout)
    assert found and float(found[1]) <= 2.0, security.stdout
    operations = (ROOT / "docs" / "operations.md").read_text(encoding="utf-8")
    assert f"monitor-web.service: {found[1]}" in operations


def test_the_web_unit_keeps_every_hardening_line_of_the_daemons_unit() -> None:
    def hardening(path: Path) -> set[str]:
        text = path.read_text(encoding="utf-8")
        section = text[text.index("# ---- hardening") :]
        return {line for line in section.splitlines() if line and not line.startswith("#")}

    assert hardening(UNIT) - hardening(WEB_UNIT) == set()
    settings = WEB_UNIT.read_text(encoding="utf-8")
    assert "--host 127.0.0.1" in settings and "RestartPreventExitStatus=2" in settings
