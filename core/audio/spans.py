"""Spans of time (events, regions: anything with ``begin_s`` and ``end_s``) compared, and an
energy event's score read back as the SNR it stands for. Plain arithmetic, no torch: the store
and the window's region items use these without loading a detector."""

from __future__ import annotations

import math

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


def snr_db_of_score(score: float) -> float:
    """The peak SNR (dB) an energy event's ``score`` stands for (``EnergyEvent.score`` undone;
    120 dB at a score of 1)."""
    return -10.0 * math.log10(max(1.0 - float(score), 1e-12))
