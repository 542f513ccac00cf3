"""The store opens a project without loading torch: the command line's label and region
commands, and the window's region items, read spans and scores, not spectrograms."""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests.processes import REPO_ROOT


@pytest.mark.slow  # a fresh interpreter
def test_the_store_and_its_region_files_load_no_torch():
    code = ("import sys\n"
            "import core.store.project, core.store.region_io, core.store.region_aoef\n"
            "print('torch' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO_ROOT, capture_output=True,
                         text=True, timeout=120, check=True)
    assert out.stdout.split()[-1] == "False"
