"""Headless Chromium for the browser tests: find it (or skip), run it, keep screenshots.

Debian's ``chromium``; without it a browser test skips with the reason, or
fails under ``OMNICX_REQUIRE_CHROMIUM=1`` (as ``.ci/run`` sets). Screenshots
go to ``OMNICX_ARTIFACTS`` when set (else the test's temporary directory).
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--window-size=1200,900")  # fmt: skip


def chromium() -> str:
    """The path of the chromium binary; skips (or fails, when required) without one."""
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found is None:
        if os.environ.get("OMNICX_REQUIRE_CHROMIUM") == "1":
            pytest.fail("OMNICX_REQUIRE_CHROMIUM=1 but no chromium: apt-get install -y chromium")
        pytest.skip("no chromium on PATH (Debian: apt-get install -y chromium)")
    return found


def run(binary: str, *args: str) -> subprocess.CompletedProcess[str]:
    """Run headless chromium with ``args``; fails the test when it exits with an error."""
    result = subprocess.run([binary, *FLAGS, *args], capture_output=True, text=True,
                            timeout=180, check=False)  # fmt: skip
    assert result.returncode == 0, result.stderr
    return result


def browse(binary: str, *args: str) -> str:
    """Run headless chromium with ``args``; its standard output (``--dump-dom``'s page)."""
    return run(binary, *args).stdout


def artifacts(tmp_path: Path) -> Path:
    """Where screenshots are kept: ``OMNICX_ARTIFACTS``, or the test's temporary directory."""
    folder = Path(os.environ.get("OMNICX_ARTIFACTS", tmp_path))
    folder.mkdir(parents=True, exist_ok=True)
    return folder
