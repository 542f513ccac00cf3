"""Counts in words: "1 clip", "2,000 clips", never "1 clips" or "file(s)"; a probability in
percent, never "100%"."""

from __future__ import annotations


def counted(n: int, noun: str, plural: str | None = None) -> str:
    """``n`` and ``noun``, the noun plural (``plural``, else ``noun`` + "s") unless ``n`` is 1;
    thousands separated."""
    return f"{n:,} {noun if n == 1 else plural or noun + 's'}"


def percent_words(probability: float) -> str:
    """A model's probability in whole percent, never "100%": from 99.5% on it reads ">99%" (a
    wrong answer at 99.9% read "100%", as if the model could not be wrong)."""
    return ">99%" if probability >= 0.995 else f"{probability:.0%}"
