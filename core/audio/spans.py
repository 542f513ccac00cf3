"""Spans of time (events, regions: anything with ``begin_s`` and ``end_s``) compared, and an
energy event's score read back as the SNR it stands for. Plain arithmetic, no torch: the store
and the window's region items use these without loading a detector."""

from __future__ import annotations

import math

from core.words import percent_words

#: Slack past a recording's duration that a span's end may reach: durations from headers and
#: times written by other tools are rounded (to the millisecond, often).
END_SLACK_S = 0.01

#: Two events (of several templates or variants) overlapping by this share of the shorter are one
#: call: at half, a two-note hoot was found two or three times, a note apart (42-55% overlap).
SAME_CALL_OVERLAP = 0.25


def same_call(one, other) -> bool:
    """Whether two spans (``begin_s``, ``end_s``: events, regions) overlap by SAME_CALL_OVERLAP
    of the shorter: one call found twice, or found where a person marked it."""
    overlap_s = min(one.end_s, other.end_s) - max(one.begin_s, other.begin_s)
    return overlap_s >= SAME_CALL_OVERLAP * min(one.end_s - one.begin_s,
                                                other.end_s - other.begin_s)


def share_channel(one, other) -> bool:
    """Whether two spans (with ``channel``: from 0, None on every channel) lie on a channel in
    common: a region on one microphone marks only what was heard there, or everywhere."""
    one_channel, other_channel = getattr(one, "channel", None), getattr(other, "channel", None)
    return one_channel is None or other_channel is None or one_channel == other_channel


def event_band(low_hz: float, high_hz: float, nyquist_hz: float
               ) -> tuple[float | None, float | None]:
    """A detector's event band as a region's: the whole spectrum (0 Hz to the file's top, a
    search of every frequency) is no band, so the window's Find Loud Events and the command
    line's ``detect-energy`` write one search's events alike (a time span, not a 0-8,000 Hz
    box from the one and a span from the other)."""
    if low_hz <= 0 and nyquist_hz > 0 and high_hz >= nyquist_hz:
        return None, None
    return low_hz, high_hz


def snr_db_of_score(score: float) -> float:
    """The peak SNR (dB) an energy event's ``score`` stands for (``EnergyEvent.score`` undone;
    120 dB at a score of 1)."""
    return -10.0 * math.log10(max(1.0 - float(score), 1e-12))


def score_words(source: str, score: float) -> str:
    """An event's ``score`` as what it measures, by the ``source`` that found it: a model's or
    another tool's confidence "87%" (a number outside 0..1 from another tool "score 3.5"); Find
    Loud Events' loudest moment above its band's background "20 dB" (its score is the share of
    that moment's power above the background, which reads 99% for any loud call); Find Similar
    Calls' match with its template "match 0.85"; an older store's search, either of the two,
    "score 0.99". The region list and the notes written into other tools' files say it alike."""
    if source == "loud":
        return f"{snr_db_of_score(score):.0f} dB"
    if source == "similar":
        return f"match {score:.2f}"
    if source == "search":
        return f"score {score:.2f}"
    return percent_words(score) if 0.0 <= score <= 1.0 else f"score {score:g}"
