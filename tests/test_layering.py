"""The import-linter contracts in pyproject.toml: core never imports Qt or gui, gui never imports
torch or sqlite3, and core's wings keep their order. Every contract must be reported kept."""

import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

pytestmark = pytest.mark.slow  # lint-imports runs in a subprocess


def test_every_import_contract_is_kept():
    contracts = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]["contracts"]
    assert {c["type"] for c in contracts} >= {"forbidden", "layers"}
    lint = Path(sys.executable).parent / "lint-imports"
    result = subprocess.run([str(lint), "--no-cache"], cwd=ROOT, capture_output=True, text=True,
                            timeout=300)
    report = result.stdout + result.stderr
    assert result.returncode == 0, report
    for contract in contracts:
        assert re.search(rf"^{re.escape(contract['name'])}\s+KEPT$", report, re.M | re.S) or \
            f"{contract['name']} KEPT" in " ".join(report.split()), f"not kept: {contract['name']}\n{report}"
    summary = re.search(r"Contracts: (\d+) kept, (\d+) broken", report)
    assert summary is not None, report
    assert (int(summary.group(1)), int(summary.group(2))) == (len(contracts), 0)
