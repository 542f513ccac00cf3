"""Counts in words (core.words, for the window and the command line alike): the clip list said
"1 clips", the Classify tab "Classified 1 file(s)"."""

from __future__ import annotations

import pytest

from core.words import counted


@pytest.mark.parametrize("n, noun, plural, text", [
    (1, "clip", None, "1 clip"), (0, "clip", None, "0 clips"), (2000, "clip", None, "2,000 clips"),
    (1, "process", "processes", "1 process"), (2, "process", "processes", "2 processes")])
def test_a_count_names_its_noun_in_the_number_it_needs(n, noun, plural, text):
    assert counted(n, noun, plural) == text
