"""ClipTableModel: the clip list, a Qt table over core's ClipRecords, with its own sort and filter.

Sorting and filtering build one permutation of record indices in Python lists (no per-row Qt
callbacks), which keeps 20,000 rows at tens of milliseconds; QSortFilterProxyModel's Python
``lessThan``/``filterAcceptsRow`` would cost one cross-language call per comparison.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable
from typing import Any

from PySide6.QtCore import QModelIndex, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QFont

from core.ml.novelty import SILENCE, UNKNOWN, VERDICTS, verdicts_of
from core.paths import path_keys
from core.words import percent_words
from gui.clips.clip_texts import NO_CONFIDENCE, short_status, status_text, verdict_tip
from gui.common.colours import MUTED_COLOUR
from gui.common.elided_label import one_line
from gui.common.table_model import RIGHT_ALIGNED, ModelIndex, ReadOnlyTableModel
from gui.common.time_text import clip_length_text

# Regions sits before Status, the last column, which stretches into the room left.
COLUMNS = ("Name", "Folder", "Duration", "Label", "Prediction", "Confidence", "Regions", "Status")
NAME, FOLDER, DURATION, LABEL, PREDICTION, CONFIDENCE, REGIONS, STATUS = range(len(COLUMNS))
CLIP_ID_ROLE = Qt.ItemDataRole.UserRole + 1
SORT_ROLE = Qt.ItemDataRole.UserRole + 2

# Quick filters: a class name filters on that label.
FILTER_ALL = "__all__"
FILTER_UNLABELED = "__unlabeled__"
FILTER_UNREADABLE = "__unreadable__"
# Filters over the active model's predictions (the review loop).
FILTER_DISAGREE = "__disagree__"  # labelled, and the model says otherwise
# Unlabeled, what to label next: clips the model calls unknown first (a sound it has not learnt),
# then the least confident, silent clips last (nothing to hear).
FILTER_LABEL_NEXT = "__label_next__"
FILTER_LOW_CONFIDENCE = "__low_confidence__"  # unknown, or confidence under LOW_CONFIDENCE
FILTER_CLIPS = "__clips__"  # a given set of clip ids (a confusion-matrix cell)
# Filters over the model's events in long recordings (the review queue).
FILTER_UNREVIEWED = "__unreviewed_events__"  # files holding events no person has reviewed
FILTER_EVENTS_DISAGREE = "__events_disagree__"  # a model event over a person's other class
LOW_CONFIDENCE = 0.6
_VERDICT_RANK = {UNKNOWN: 0, SILENCE: 2}  # the rest (a class) 1: the order Label next shows
_PROBLEM_COLOUR = QColor("#b3261e")
_UNKNOWN_CLASS_COLOUR = QColor("#9aa0a6")


def _unsure(prediction: tuple[str, float] | None, verdicts: frozenset[str]) -> bool:
    """Whether a (label, confidence) prediction is one the model is unsure of: unknown, or a
    class under LOW_CONFIDENCE (silence is sure: there is nothing to hear); ``verdicts``: the
    names that are verdicts for the model, not classes of its own."""
    if prediction is None:
        return False
    label, confidence = prediction[:2]
    if label in verdicts:
        return label == UNKNOWN
    return confidence < LOW_CONFIDENCE


def _split(path: str) -> tuple[str, str, tuple, tuple, str, tuple]:
    """(name, folder, their natural sort keys, lower-case path, its key): computed once per
    record, because sort and filter keys over 20,000 rows must not be worked out each time."""
    folder, _, name = path.rpartition("/")
    path_key, folder_key, name_key = path_keys(path)
    return one_line(name), one_line(folder), name_key, folder_key, path.lower(), path_key


class ClipTableModel(ReadOnlyTableModel):
    """Rows are ClipRecords (any object with the ClipRecord fields); one row per visible clip.

    ``set_predictions`` fills the prediction columns, ``set_region_counts`` the Regions column;
    ``column_news_changed()`` says that one of has_predictions, has_regions, has_problems (some
    clip missing, unreadable or cut short: the Status column's only news) or has_folders (some
    clip in a subfolder: the Folder column's) changed, so a view can hide columns with nothing to say;
    ``set_region_labels`` and ``set_event_flags`` what the class and event filters read;
    ``set_class_colours`` colours labels.
    """

    column_news_changed = Signal()
    records_replaced = Signal()  # set_records: another folder's clips (their ids are its own)
    columns = COLUMNS
    right_columns = (DURATION, CONFIDENCE, REGIONS)  # numbers, aligned on their last digit

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self._records: list[Any] = []
        self._index_of_id: dict[int, int] = {}  # clip id -> index in _records
        self._names: list[tuple[str, str, tuple, tuple, str, tuple]] = []  # see _split
        self._visible: list[int] = []  # row -> index in _records
        self._row_of_index: dict[int, int] = {}  # index in _records -> row (visible only)
        self._predictions: dict[int, tuple[str, float]] = {}
        self._verdicts: frozenset[str] = frozenset(VERDICTS)  # names that are no class here
        self._model_classes: frozenset[str] | None = None  # the predicting model's, if known
        self._region_counts: dict[int, int] = {}  # clip id -> regions; absent: none
        self._problems: set[int] = set()  # ids of the clips missing, unreadable or cut short
        self._in_folders: set[int] = set()  # ids of the clips in a subfolder
        # clip id -> the classes of a person's regions on it, and the same lower-cased and joined
        # for the text filter; absent: none
        self._region_labels: dict[int, frozenset[str]] = {}
        self._region_text: dict[int, str] = {}
        self._colours: dict[str, QColor] = {}
        self._sort_column = -1
        self._sort_order = Qt.SortOrder.AscendingOrder
        self._protected: set[int] | None = None  # see protect_local_labels
        self._quick_filter = FILTER_ALL
        self._clip_filter: set[int] = set()
        self._unreviewed: dict[int, int] = {}  # clip id -> unreviewed model events
        self._events_disagree: set[int] = set()  # clips where an event meets another class
        self._text_filter = ""

    # ---- Qt model interface -------------------------------------------------------------

    def _row_count(self) -> int:
        return len(self._visible)

    def data(self, index: ModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._visible):
            return None
        i = self._visible[index.row()]
        record = self._records[i]
        column = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return self._display(i, record, column)
        if role == CLIP_ID_ROLE:
            return record.id
        if role == SORT_ROLE:
            return self._sort_key(column)(i)
        if role == Qt.ItemDataRole.DecorationRole and column == LABEL and record.label:
            return self._colours.get(record.label, _UNKNOWN_CLASS_COLOUR)
        if role == Qt.ItemDataRole.ForegroundRole:
            if column == STATUS and (record.error or record.missing or record.note):
                return QBrush(_PROBLEM_COLOUR)
            if column in (FOLDER, STATUS, PREDICTION, CONFIDENCE) or (
                    column == NAME and (record.error or record.missing)):
                return QBrush(MUTED_COLOUR)
        if role == Qt.ItemDataRole.FontRole and column == LABEL and record.label_source == "manual":
            font = QFont()
            font.setBold(True)  # a person's decision stands out from imported labels
            return font
        if role == Qt.ItemDataRole.FontRole and column in (PREDICTION, CONFIDENCE) and \
                self._verdict(record.id):
            font = QFont()
            font.setItalic(True)  # not a class: the model's scores are shown, but not as its answer
            return font
        if role == Qt.ItemDataRole.TextAlignmentRole and column in self.right_columns:
            return RIGHT_ALIGNED
        if role == Qt.ItemDataRole.ToolTipRole:
            if column == STATUS:
                return status_text(record)
            if column == LABEL and record.label:
                return f"{record.label} (from {record.label_source or 'unknown'})"
            if column in (PREDICTION, CONFIDENCE) and self._verdict(record.id):
                answer, confidence = self._predictions[record.id][:2]
                return verdict_tip(answer, confidence)
            if column in (NAME, FOLDER):
                return record.path
        return None

    def _display(self, i: int, record: Any, column: int) -> str:
        if column == NAME:
            return self._names[i][0]
        if column == FOLDER:
            return self._names[i][1]
        if column == DURATION:
            return clip_length_text(record.duration_s)
        if column == LABEL:
            return one_line(record.label or "")
        if column == PREDICTION:
            prediction = self._predictions.get(record.id)
            return one_line(prediction[0]) if prediction else ""
        if column == CONFIDENCE:
            prediction = self._predictions.get(record.id)
            if not prediction:
                return ""
            # Silence or unknown names no class: the best class's score is no confidence in that
            # answer ("unknown 100%" read as sure it is unknown); the tooltip gives it.
            return NO_CONFIDENCE if prediction[0] in self._verdicts else percent_words(prediction[1])
        if column == REGIONS:
            n = self._region_counts.get(record.id, 0)
            return f"{n:,}" if n else ""
        if column == STATUS:
            return short_status(record)
        return ""

    def column_texts(self, column: int, limit: int) -> set[str]:
        """The distinct texts ``column`` shows in its first ``limit`` rows (as listed)."""
        records = self._records
        return {self._display(i, records[i], column) for i in self._visible[:limit]}

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        """Sort the visible rows by ``column``; -1 restores path order (see ``_sorted``)."""
        self._sort_column, self._sort_order = column, order
        self._relayout()

    # ---- our interface ------------------------------------------------------------------

    def record(self, row: int) -> Any:
        """The ClipRecord shown at ``row``."""
        return self._records[self._visible[row]]

    def record_by_id(self, clip_id: int) -> Any | None:
        """The ClipRecord with ``clip_id``, visible or not."""
        i = self._index_of_id.get(clip_id)
        return None if i is None else self._records[i]

    def row_of_id(self, clip_id: int) -> int:
        """The row showing ``clip_id``, or -1 when it is filtered out or unknown."""
        i = self._index_of_id.get(clip_id)
        return -1 if i is None else self._row_of_index.get(i, -1)

    def records(self) -> list[Any]:
        """Every record the model holds, in the store's order (filtered-out ones included)."""
        return list(self._records)

    def set_records(self, records: Iterable[Any]) -> None:
        """Replace everything (a new folder); predictions and region counts are cleared."""
        self._reset(records, keep_predictions=False)
        self.records_replaced.emit()

    def _reset(self, records: Iterable[Any], keep_predictions: bool) -> None:
        self.beginResetModel()
        self._records = list(records)
        self._index_of_id = {r.id: i for i, r in enumerate(self._records)}
        self._names = [_split(r.path) for r in self._records]
        had_predictions, had_regions = bool(self._predictions), bool(self._region_counts)
        if not keep_predictions:  # a new folder: its clip ids name other clips
            self._predictions, self._region_counts = {}, {}
            self._region_labels, self._region_text = {}, {}
        self._visible = self._filtered_sorted(range(len(self._records)))
        self._row_of_index = {i: row for row, i in enumerate(self._visible)}
        self.endResetModel()
        self._note_news(self._records, replace=True)
        if (had_predictions or had_regions) and not keep_predictions:
            self.column_news_changed.emit()

    def upsert_records(self, records: Iterable[Any], current: bool = False) -> None:
        """Update clips already listed and append new ones (a scan batch; ``current``: see
        ``sync_records``)."""
        changed: list[int] = []
        new: list[Any] = []
        for record in records if current else self._with_local_labels(records):
            i = self._index_of_id.get(record.id)
            if i is None:
                new.append(record)
                continue
            if self._records[i] != record:
                self._records[i] = record
                self._names[i] = _split(record.path)
                changed.append(i)
        self._emit_changed(changed)
        self._note_news([self._records[i] for i in changed] + new)
        if not new:
            return
        first = len(self._records)
        for k, record in enumerate(new):
            self._index_of_id[record.id] = first + k
        self._records.extend(new)
        self._names.extend(_split(r.path) for r in new)
        shown = self._filtered(range(first, len(self._records)))
        if shown:
            # Appended at the end, then moved into sorted place: rows appear while a scan runs.
            # A scan hands them over in path order, so that is mostly already their place.
            start, keys, run = len(self._visible), self._names, self._visible[-1:] + shown
            in_place = self._sort_column < 0 and all(
                keys[a][5] <= keys[b][5] for a, b in zip(run, run[1:], strict=False))
            self.beginInsertRows(QModelIndex(), start, start + len(shown) - 1)
            self._visible.extend(shown)
            self._row_of_index.update((i, start + k) for k, i in enumerate(shown))
            self.endInsertRows()
            if not in_place:
                self._relayout()

    def sync_records(self, records: list[Any], current: bool = False) -> None:
        """Make the model hold exactly ``records`` (the store's list after a scan). ``current``:
        read from the store just now, so their labels win over those set here during a scan
        (a class renamed meanwhile)."""
        ids = {r.id for r in records}
        if not any(r.id not in ids for r in self._records):
            self.upsert_records(records, current)
            return
        self._reset(records if current else self._with_local_labels(records),
                    keep_predictions=True)

    def _with_local_labels(self, records: Iterable[Any]) -> list[Any]:
        """``records`` with the labels set here while labels are protected
        (``protect_local_labels``) in place of theirs."""
        if not self._protected:
            return list(records)
        mine = {i: self.record_by_id(i) for i in self._protected}
        return [dataclasses.replace(r, label=mine[r.id].label, label_source=mine[r.id].label_source)
                if mine.get(r.id) is not None else r for r in records]

    def protect_local_labels(self, on: bool) -> None:
        """While on, labels edited here win over those in incoming records.

        A scan's records are read from the store in another thread and may predate a label the
        person set meanwhile (the store has the new one); the window turns this on for a scan.
        """
        self._protected = set() if on else None

    def set_labels(self, clip_ids: Iterable[int], label: str | None, source: str | None) -> None:
        """Show ``label`` (from ``source``) on these clips; the store has already been changed."""
        self.restore_labels({clip_id: (label, source) for clip_id in clip_ids})

    def restore_labels(self, labels: dict[int, tuple[str | None, str | None]]) -> None:
        """Show per-clip (label, source) pairs, e.g. the ``previous`` dict from set_labels."""
        changed = []
        if self._protected is not None:
            self._protected.update(labels)
        for clip_id, (label, source) in labels.items():
            i = self._index_of_id.get(clip_id)
            if i is not None:
                self._records[i] = dataclasses.replace(self._records[i], label=label,
                                                       label_source=source)
                changed.append(i)
        self._emit_changed(changed, LABEL, LABEL)

    def set_predictions(self, predictions: dict[int, tuple[str, float]],
                        classes: Iterable[str] | None = None) -> None:
        """Show model predictions: clip id -> (label, confidence in [0, 1]); {} clears them. The
        label may be a verdict, ``silence`` or ``unknown`` where the model has no class of that
        name (core.ml.novelty.verdicts_of), with its best class score as the confidence: shown
        in italics, explained in the tooltip. ``classes``: the model's (None: not known, both
        are verdicts), so "Model disagrees with label" leaves out a class it never learned, as
        its confusion matrix does (every clip of a class added since training was listed)."""
        classes = None if classes is None else tuple(classes)
        self._predictions = dict(predictions)
        self._verdicts = frozenset(VERDICTS if classes is None else verdicts_of(classes))
        self._model_classes = None if classes is None else frozenset(classes)
        if self._visible:
            self.dataChanged.emit(self.index(0, PREDICTION),
                                  self.index(len(self._visible) - 1, CONFIDENCE))
        if self._sort_column in (PREDICTION, CONFIDENCE):
            self._relayout()
        self.column_news_changed.emit()

    def set_region_counts(self, counts: dict[int, int]) -> None:
        """Show each clip's number of regions: clip id -> count (a clip left out has none)."""
        counts = {clip_id: n for clip_id, n in counts.items() if n}
        if counts == self._region_counts:
            return
        old, self._region_counts = self._region_counts, counts
        changed = [self._index_of_id[i] for i in counts.keys() | old.keys()
                   if counts.get(i) != old.get(i) and i in self._index_of_id]
        self._emit_changed(changed, REGIONS, REGIONS)
        if self._sort_column == REGIONS:
            self._relayout()
        if bool(old) != bool(counts):
            self.column_news_changed.emit()

    def set_region_labels(self, labels: dict[int, frozenset[str]]) -> None:
        """The classes of a person's regions on each clip (clip id -> names): a class filter
        and the text filter also show the files holding such regions. Applied with
        ``set_filter``, so rows stay put while a person marks and relabels."""
        self._region_labels = {clip_id: frozenset(names) for clip_id, names in labels.items()
                               if names}
        self._region_text = {clip_id: "\n".join(sorted(names)).lower()
                             for clip_id, names in self._region_labels.items()}

    def neighbour_with_regions(self, clip_id: int, direction: int) -> int | None:
        """The id of the nearest clip after (``direction`` +1) or before (-1) ``clip_id`` in the
        rows shown that holds regions, or None; from the first (last) row when ``clip_id`` is
        not shown."""
        row = self.row_of_id(clip_id)
        if row < 0:
            row = -1 if direction > 0 else len(self._visible)
        rows = range(row + 1, len(self._visible)) if direction > 0 else range(row - 1, -1, -1)
        return next((self._records[self._visible[r]].id for r in rows
                     if self._region_counts.get(self._records[self._visible[r]].id)), None)

    def region_count(self, clip_id: int) -> int:
        """How many regions ``clip_id`` holds (as last told)."""
        return self._region_counts.get(clip_id, 0)

    def has_regions(self) -> bool:
        return bool(self._region_counts)

    def has_problems(self) -> bool:
        """Whether some clip is missing, cannot be read or is cut short."""
        return bool(self._problems)

    def has_folders(self) -> bool:
        """Whether some clip lies in a subfolder (the Folder column's only news)."""
        return bool(self._in_folders)

    def _note_news(self, records: Iterable[Any], replace: bool = False) -> None:
        """Note which of ``records`` (changed or new; ``replace``: all) have a problem or lie in
        a subfolder, saying when either kind comes to be or ceases to be."""
        had = bool(self._problems), bool(self._in_folders)
        if replace:
            self._problems, self._in_folders = set(), set()
        for record in records:
            for ids, news in ((self._problems, record.missing or record.error or record.note),
                              (self._in_folders, "/" in record.path)):
                if news:
                    ids.add(record.id)
                else:
                    ids.discard(record.id)
        if had != (bool(self._problems), bool(self._in_folders)):
            self.column_news_changed.emit()

    def prediction(self, clip_id: int) -> tuple[str, float] | None:
        """(label, confidence) the model gave ``clip_id``, or None."""
        return self._predictions.get(clip_id)

    def _verdict(self, clip_id: int) -> str | None:
        """``silence`` or ``unknown`` when that is what the model said of ``clip_id``."""
        prediction = self._predictions.get(clip_id)
        return prediction[0] if prediction and prediction[0] in self._verdicts else None

    def set_clip_filter(self, clip_ids: Iterable[int]) -> None:
        """The clips the FILTER_CLIPS quick filter shows (applied with ``set_filter``)."""
        self._clip_filter = set(clip_ids)

    def has_predictions(self) -> bool:
        return bool(self._predictions)

    def set_event_flags(self, unreviewed: dict[int, int], disagree: Iterable[int]) -> None:
        """What the event quick filters show: clip id -> unreviewed model events, and the clips
        where a model event overlaps a person's region of another class (applied with
        ``set_filter``, so rows stay put while a person reviews)."""
        self._unreviewed = {clip_id: n for clip_id, n in unreviewed.items() if n}
        self._events_disagree = set(disagree)

    def set_class_colours(self, colours: dict[str, str]) -> None:
        """Colour of each class name ('#rrggbb'), shown beside labels."""
        self._colours = {name: QColor(colour) for name, colour in colours.items()}
        if self._visible:
            self.dataChanged.emit(self.index(0, LABEL), self.index(len(self._visible) - 1, LABEL))

    def set_filter(self, quick: str | None = None, text: str | None = None) -> None:
        """Quick filter (FILTER_* or a class name: clips with that label and files holding a
        person's regions of it) and/or a text found in name, folder, label or region label."""
        if quick is not None:
            self._quick_filter = quick
        if text is not None:
            self._text_filter = text.strip().lower()
        self.beginResetModel()
        self._visible = self._filtered_sorted(range(len(self._records)))
        self._row_of_index = {i: row for row, i in enumerate(self._visible)}
        self.endResetModel()

    def counts(self) -> dict[str, int]:
        """Totals over every clip: 'clips', 'unlabeled', 'unreadable', 'shown'."""
        unlabeled = unreadable = 0
        for r in self._records:
            if r.missing or r.error:
                unreadable += 1
            elif not r.label:
                unlabeled += 1
        return {"clips": len(self._records), "unlabeled": unlabeled,
                "unreadable": unreadable, "shown": len(self._visible)}

    # ---- internals ----------------------------------------------------------------------

    def _emit_changed(self, indices: list[int], first_column: int = 0,
                      last_column: int = len(COLUMNS) - 1) -> None:
        rows = [self._row_of_index[i] for i in indices if i in self._row_of_index]
        if rows:
            # One signal over the span: views repaint only what is on screen anyway.
            self.dataChanged.emit(self.index(min(rows), first_column),
                                  self.index(max(rows), last_column))

    def _predicate(self) -> Callable[[int], bool] | None:
        quick, text = self._quick_filter, self._text_filter
        records, names = self._records, self._names
        checks: list[Callable[[int], bool]] = []
        if quick == FILTER_UNLABELED:
            checks.append(lambda i: not records[i].label and not records[i].error
                          and not records[i].missing)
        elif quick == FILTER_UNREADABLE:
            checks.append(lambda i: bool(records[i].error or records[i].missing))
        elif quick in (FILTER_DISAGREE, FILTER_LABEL_NEXT, FILTER_LOW_CONFIDENCE, FILTER_CLIPS):
            checks.append(self._prediction_check(quick))
        elif quick == FILTER_UNREVIEWED:
            unreviewed = self._unreviewed
            checks.append(lambda i: records[i].id in unreviewed)
        elif quick == FILTER_EVENTS_DISAGREE:
            disagree = self._events_disagree
            checks.append(lambda i: records[i].id in disagree)
        elif quick != FILTER_ALL:
            region_labels = self._region_labels
            checks.append(lambda i: records[i].label == quick
                          or quick in region_labels.get(records[i].id, ()))
        if text:
            region_text = self._region_text
            checks.append(lambda i: text in names[i][4]
                          or text in (records[i].label or "").lower()
                          or text in region_text.get(records[i].id, ""))
        if not checks:
            return None
        if len(checks) == 1:
            return checks[0]
        return lambda i: all(check(i) for check in checks)

    def _prediction_check(self, quick: str) -> Callable[[int], bool]:
        records, predictions = self._records, self._predictions
        if quick == FILTER_DISAGREE:
            learned = self._model_classes
            return lambda i: bool(records[i].label) and records[i].id in predictions and \
                predictions[records[i].id][0] != records[i].label and (
                    learned is None or records[i].label in learned)
        if quick == FILTER_LABEL_NEXT:
            return lambda i: not records[i].label and records[i].id in predictions
        if quick == FILTER_LOW_CONFIDENCE:
            return lambda i: _unsure(predictions.get(records[i].id), self._verdicts)
        clip_ids = self._clip_filter
        return lambda i: records[i].id in clip_ids

    def _filtered(self, indices: Iterable[int]) -> list[int]:
        predicate = self._predicate()
        return list(indices) if predicate is None else [i for i in indices if predicate(i)]

    def _sort_key(self, column: int) -> Callable[[int], Any]:
        r, names, predictions = self._records, self._names, self._predictions
        if column == NAME:
            return lambda i: names[i][2]
        if column == FOLDER:
            return lambda i: (names[i][3], names[i][2])
        if column == DURATION:
            return lambda i: (r[i].duration_s is None, r[i].duration_s or 0.0)
        if column == LABEL:
            return lambda i: (r[i].label or "\U0010ffff", names[i][2])  # unlabeled last
        if column == PREDICTION:
            return lambda i: (r[i].id not in predictions,
                              predictions.get(r[i].id, ("",))[0].lower())
        if column == CONFIDENCE:
            return lambda i: (r[i].id not in predictions, predictions.get(r[i].id, ("", 0.0))[1])
        if column == REGIONS:
            counts = self._region_counts
            return lambda i: counts.get(r[i].id, 0)
        if column == STATUS:
            return lambda i: (not (r[i].error or r[i].missing), status_text(r[i]).lower())
        return lambda i: i

    def _sorted(self, visible: list[int]) -> list[int]:
        if self._sort_column >= 0:
            visible.sort(key=self._sort_key(self._sort_column),
                         reverse=self._sort_order == Qt.SortOrder.DescendingOrder)
        elif self._quick_filter in (FILTER_LABEL_NEXT, FILTER_LOW_CONFIDENCE):
            r, predictions = self._records, self._predictions
            rank = {v: k for v, k in _VERDICT_RANK.items() if v in self._verdicts}
            # Unknown first, then the least confident; silence last.
            visible.sort(key=lambda i: (rank.get(predictions.get(r[i].id, ("",))[0], 1),
                                        predictions.get(r[i].id, ("", 1.0))[1]))
        else:  # path order, counting as a person does (clip_2 before clip_10)
            names = self._names
            visible.sort(key=lambda i: names[i][5])
        return visible

    def _filtered_sorted(self, indices: Iterable[int]) -> list[int]:
        return self._sorted(self._filtered(indices))

    def _relayout(self) -> None:
        """Re-sort the visible rows in place, keeping selections (persistent indexes) valid."""
        self.layoutAboutToBeChanged.emit()
        persistent = self.persistentIndexList()
        held = [(self._visible[p.row()], p.column()) for p in persistent]
        # Sort only: rows hidden by a filter stay until the filter changes (stable while labelling).
        self._visible = self._sorted(list(self._visible))
        self._row_of_index = {i: row for row, i in enumerate(self._visible)}
        self.changePersistentIndexList(
            persistent, [self.index(self._row_of_index[i], column) for i, column in held])
        self.layoutChanged.emit()
