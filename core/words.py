"""Counts in words: "1 clip", "2,000 clips", never "1 clips" or "file(s)"."""

from __future__ import annotations


def counted(n: int, noun: str, plural: str | None = None) -> str:
    """``n`` and ``noun``, the noun plural (``plural``, else ``noun`` + "s") unless ``n`` is 1;
    thousands separated."""
    return f"{n:,} {noun if n == 1 else plural or noun + 's'}"
