"""The JupyterLab extension's own test suites, run as part of the Python suite.

One test runs the jest unit tests (``jlpm test``), the other the Playwright
end-to-end tests (``jlpm test:e2e``), which start a real ``jupyter lab`` with
LearnFlow and drive Debian's Chromium against it. The end-to-end tests use the
``jupyter`` on PATH (the editable install's), or ``$LEARNFLOW_E2E_JUPYTER``;
their screenshots, traces and the server's log land in ``test-artifacts/ui/``.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

LABEXTENSION = Path(__file__).resolve().parent.parent / "labextension"
CHROMIUM = os.environ.get("LEARNFLOW_E2E_CHROMIUM", "/usr/bin/chromium")
TAIL_LINES = 120


def tail(output: str, lines: int = TAIL_LINES) -> str:
    return "\n".join(output.splitlines()[-lines:])


def run_jlpm(
    *args: str, timeout: float, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """Run jlpm in labextension/ with CI=true (and ``env``), its output and errors together."""
    jlpm = shutil.which("jlpm")
    assert jlpm, "jlpm is missing: it comes with JupyterLab (pip install -e '.[test]')"
    env = {**os.environ, "CI": "true", "PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD": "1", **(env or {})}
    return subprocess.run(
        [jlpm, *args],
        cwd=LABEXTENSION,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        timeout=timeout,
        check=False,
    )


def _ensure_node_modules() -> None:
    """Install the extension's dependencies from the lockfile if they are missing."""
    bins = LABEXTENSION / "node_modules" / ".bin"
    if (bins / "jest").exists() and (bins / "playwright").exists():
        return
    result = run_jlpm("install", timeout=600)
    assert result.returncode == 0, f"jlpm install failed:\n{tail(result.stdout)}"


@pytest.mark.timeout(600)
def test_labextension_unit_tests_pass() -> None:
    _ensure_node_modules()

    result = run_jlpm("test", timeout=540)

    assert result.returncode == 0, f"jlpm test failed:\n{tail(result.stdout)}"


@pytest.mark.timeout(900)
def test_labextension_end_to_end_tests_pass() -> None:
    if not Path(CHROMIUM).exists():
        pytest.fail(
            f"Chromium is missing at {CHROMIUM}; the end-to-end tests need it. "
            "Install it with `apt-get install chromium` (.ci/run does)."
        )
    _ensure_node_modules()

    result = run_jlpm("test:e2e", timeout=840)

    assert result.returncode == 0, (
        f"jlpm test:e2e failed (screenshots, traces and the server log are in "
        f"test-artifacts/ui/):\n{tail(result.stdout)}"
    )
