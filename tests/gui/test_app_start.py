"""Start-up: the environment's bytecode is compiled once, in the background, not on every run."""

from __future__ import annotations

import importlib.util

import pytest

from gui.app import precompile_packages


@pytest.mark.slow  # compiles in a subprocess
def test_packages_are_compiled_once_in_the_background(tmp_path):
    site = tmp_path / "site-packages"
    (site / "pkg").mkdir(parents=True)
    probe = site / "pkg" / "__init__.py"
    probe.write_text("VALUE = 1\n")
    (site / "pkg" / "other.py").write_text("def f():\n    return 2\n")
    process = precompile_packages(site, probe)
    assert process is not None
    assert process.wait(timeout=120) == 0
    for source in (probe, site / "pkg" / "other.py"):
        assert (tmp_path / importlib.util.cache_from_source(str(source))).is_file()
    assert precompile_packages(site, probe) is None  # compiled: nothing to do the next time


def test_nothing_to_do_without_the_probe(tmp_path):
    assert precompile_packages(tmp_path, tmp_path / "missing.py") is None
