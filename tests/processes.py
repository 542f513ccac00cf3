"""Running Earmark in another process, as a person or a crash would: ``run_main`` for the command
line, ``start_python`` for a script that a test kills mid-work. One copy for every test."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent


def run_main(*args, cwd: str | Path | None = None, timeout_s: float = 600) -> subprocess.CompletedProcess:
    """``python main.py ARGS`` to completion; stdout and stderr captured as text."""
    return subprocess.run([sys.executable, str(REPO_ROOT / "main.py"), *map(str, args)],
                          capture_output=True, text=True, timeout=timeout_s, cwd=cwd)


def start_main(*args) -> subprocess.Popen:
    """``python main.py ARGS`` in the background (pipes for stdout and stderr)."""
    return subprocess.Popen([sys.executable, str(REPO_ROOT / "main.py"), *map(str, args)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def start_python(script: str, *args) -> subprocess.Popen:
    """Run ``script`` (dedented) with the repository importable; ``args`` become ``sys.argv[1:]``."""
    code = f"import sys; sys.path.insert(0, {str(REPO_ROOT)!r})\n" + textwrap.dedent(script)
    return subprocess.Popen([sys.executable, "-c", code, *map(str, args)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def kill_hard(proc: subprocess.Popen) -> str:
    """SIGKILL ``proc`` (a crash, a power cut), wait for it and close its pipes; returns what it
    wrote on stderr."""
    os.kill(proc.pid, signal.SIGKILL)
    _, stderr = proc.communicate()
    assert proc.returncode == -signal.SIGKILL, stderr
    return stderr or ""


def killed_mid_write(script: str, folder, rounds: int = 3, seed: int = 0):
    """Run ``script`` (see ``start_python``; it prints "started" once writing) on ``folder``
    ``rounds`` times, each killed hard a random 0.05-0.4 s after it started; yields after each
    kill, for the caller to check what the writes left."""
    rng = random.Random(seed)
    for _ in range(rounds):
        proc = start_python(script, folder)
        try:
            assert proc.stdout.readline().strip() == "started", proc.stderr.read()
            time.sleep(rng.uniform(0.05, 0.4))
        finally:
            kill_hard(proc)
        yield
