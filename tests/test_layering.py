"""The import-linter contracts in pyproject.toml: core never imports Qt or gui, gui never imports
torch or sqlite3, core's wings and gui's features keep their order. Every contract in the file is
named in the report as kept, and the count matches (no contract silently skipped)."""

import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from tests.processes import REPO_ROOT as ROOT

pytestmark = pytest.mark.slow  # lint-imports runs in a subprocess


def test_every_import_contract_is_kept():
    contracts = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]["contracts"]
    assert {c["type"] for c in contracts} >= {"forbidden", "layers"}
    lint = Path(sys.executable).parent / "lint-imports"
    result = subprocess.run([str(lint), "--no-cache"], cwd=ROOT, capture_output=True, text=True,
                            timeout=300)
    report = result.stdout + result.stderr
    assert result.returncode == 0, report
    words = " ".join(report.split())  # the report wraps long contract names over lines
    for contract in contracts:
        assert f"{contract['name']} KEPT" in words, f"not kept: {contract['name']}\n{report}"
    summary = re.search(r"Contracts: (\d+) kept, (\d+) broken", report)
    assert summary is not None, report
    assert (int(summary.group(1)), int(summary.group(2))) == (len(contracts), 0)
