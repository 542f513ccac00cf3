"""The words for a model's answers: its confidence and what silence or unknown means."""

from __future__ import annotations

from core.ml.novelty import SILENCE, UNKNOWN
from core.words import percent_words
from gui.clips.clip_texts import verdict_tip


def test_a_confidence_never_reads_100_percent():
    """A dog under loud noise answered "cat" at 99.9% read "100%", as if it could not be
    wrong; from 99.5% on it reads ">99%"."""
    assert [percent_words(p) for p in (0.0, 0.5, 0.994, 0.995, 0.999, 1.0)] == [
        "0%", "50%", "99%", ">99%", ">99%", ">99%"]


def test_silence_says_no_class_score_and_unknown_says_what_it_is():
    """Digital silence said "100% was the model's best class score": a model's answer to
    nothing is no answer."""
    assert verdict_tip(SILENCE, 1.0) == ("Silence: nothing in the clip rises above its own "
                                         "background noise.")
    assert "(>99% was its best class score, which means nothing here)" in verdict_tip(UNKNOWN, 1.0)
