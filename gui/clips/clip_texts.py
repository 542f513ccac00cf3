"""The clip list's words for a clip's state: its Status (in a few words, and in full) and what
an answer of silence or unknown means (the Classify tab says it alike)."""

from __future__ import annotations

from typing import Any

from core.audio import reading
from core.audio.cut_short import CUT_SHORT
from core.ml.novelty import SILENCE, UNKNOWN
from core.words import percent_words

NO_CONFIDENCE = "—"  # the Confidence shown beside silence or unknown


_VERDICT_TIPS = {
    UNKNOWN: "Unknown: the clip is unlike every clip the model was trained on ({} was its "
             "best class score, which means nothing here). Label it to teach the model this sound.",
    # No class score: a model's answer to nothing is no answer ("100% was its best" read so).
    SILENCE: "Silence: nothing in the clip rises above its own background noise.",
}


def verdict_tip(verdict: str, best_score: float) -> str:
    """What an answer of silence or unknown means, with the best class score beside it (the
    clip list and the Classify tab say it alike)."""
    return _VERDICT_TIPS[verdict].format(percent_words(best_score))


def status_text(record: Any) -> str:
    """'OK', 'Missing' or the reason the file cannot be read, in full (the tooltip); a readable
    file's flaw (cut short) after 'Readable'."""
    if record.missing:
        return "Missing (deleted or moved)"
    if record.error:
        return record.error
    if getattr(record, "note", None):
        return f"Readable, but {record.note}"
    return "OK"


# A few words for each reason core gives, so the Status column is read whole, never cut.
_SHORT_REASONS = {reading.EMPTY_FILE: "Empty file", reading.UNRECOGNISED: "Not audio",
                  reading.CORRUPT: "Corrupt", reading.NO_FRAMES: "No audio",
                  reading.NON_FINITE: "NaN/Inf samples", reading.PERMISSION: "No permission",
                  reading.NOT_FOUND: "Missing", reading.IS_FOLDER: "A folder",
                  reading.NOT_A_FILE: "Not a file", reading.BROKEN_LINK: "Broken link"}


def short_status(record: Any) -> str:
    """The Status column's text: 'OK', 'Missing', a few words for why it cannot be read, or
    'Cut short' (read as far as it goes), 'Header damaged' (its sizes left unwritten, read to
    its end)."""
    if record.missing:
        return "Missing"
    if record.error:
        # A reason may say more after its words ("...(NaN or Inf): 5 samples of those read...").
        return next((short for reason, short in _SHORT_REASONS.items()
                     if record.error.startswith(reason)), "Unreadable")
    note = getattr(record, "note", None)  # core.audio.cut_short's
    if note:
        return "Cut short" if note.startswith(CUT_SHORT) else "Header damaged"
    return "OK"
