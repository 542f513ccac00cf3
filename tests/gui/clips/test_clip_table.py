"""ClipTableModel: Qt model contract, sort, filters, batched inserts, labels and predictions."""

from __future__ import annotations

import dataclasses
import time

from PySide6.QtCore import QPersistentModelIndex, Qt

from core.store.project import ClipRecord
from gui.clips.clip_table import (
    CONFIDENCE,
    DURATION,
    FILTER_ALL,
    FILTER_LABEL_NEXT,
    FILTER_LOW_CONFIDENCE,
    FILTER_UNLABELED,
    FILTER_UNREADABLE,
    FOLDER,
    LABEL,
    NAME,
    PREDICTION,
    REGIONS,
    STATUS,
    ClipTableModel,
)
from gui.clips.clip_texts import NO_CONFIDENCE


def _record(i, label=None, error=None, missing=False, folder="a"):
    return ClipRecord(id=i + 1, path=f"{folder}/clip_{i:05d}.wav", size_bytes=100, mtime_ns=i,
                      duration_s=None if error else 1.0 + (i * 7919 % 1000) / 1000,
                      sample_rate_hz=None if error else 16000, channels=None if error else 1,
                      error=error, missing=missing, label=label,
                      label_source="folder" if label else None)


def _records(n):
    labels = ["dog", "cat", None]
    return [_record(i, label=labels[i % 3], error="not audio" if i % 50 == 7 else None,
                    folder="ab"[i % 2]) for i in range(n)]


def test_model_passes_qt_model_tester(qtmodeltester):
    model = ClipTableModel()
    model.set_records(_records(60))
    model.set_class_colours({"dog": "#ff0000", "cat": "#00ff00"})
    model.set_predictions({1: ("dog", 0.9), 2: ("cat", 0.4)})
    model.set_region_counts({1: 3, 5: 1})
    qtmodeltester.check(model)
    model.sort(DURATION, Qt.SortOrder.DescendingOrder)
    model.set_filter(quick="dog", text="clip_000")
    qtmodeltester.check(model)


def test_sort_orders_rows_and_keeps_persistent_indexes():
    model = ClipTableModel()
    model.set_records(_records(200))
    held = QPersistentModelIndex(model.index(10, NAME))
    held_id = model.record(10).id
    model.sort(DURATION, Qt.SortOrder.AscendingOrder)
    durations = [model.record(r).duration_s for r in range(model.rowCount())]
    readable = [d for d in durations if d is not None]
    assert readable == sorted(readable) and durations[-1] is None  # unknown last
    assert model.record(held.row()).id == held_id
    model.sort(LABEL, Qt.SortOrder.AscendingOrder)
    assert [model.record(r).label for r in range(3)] == ["cat"] * 3
    model.sort(-1)  # path order: folder a's clips, then b's
    assert [model.record(r).id for r in range(5)] == [1, 3, 5, 7, 9]
    assert model.record(100).path == "b/clip_00001.wav"


def test_rows_are_listed_counting_as_a_person_does(qtbot):
    """clip_2 before clip_10 and ARU2 before ARU10 (the store hands them over as text sorts
    them); the same in the Name and Folder columns and for clips a scan adds."""
    paths = ["ARU10/night_1.wav", "ARU2/night_10.wav", "ARU2/night_2.wav", "ARU2/Night_3.wav",
             "clip_10.wav", "clip_2.wav"]
    model = ClipTableModel()
    model.set_records([dataclasses.replace(_record(i), path=p) for i, p in enumerate(paths)])
    listed = [model.record(r).path for r in range(model.rowCount())]
    assert listed == ["ARU2/night_2.wav", "ARU2/Night_3.wav", "ARU2/night_10.wav",
                      "ARU10/night_1.wav", "clip_2.wav", "clip_10.wav"]
    model.sort(NAME, Qt.SortOrder.AscendingOrder)
    assert [model.record(r).path for r in range(4)] == ["clip_2.wav", "clip_10.wav",
                                                        "ARU10/night_1.wav", "ARU2/night_2.wav"]
    model.sort(-1)
    with qtbot.waitSignal(model.layoutChanged):
        model.upsert_records([dataclasses.replace(_record(9), path="clip_3.wav")])
    assert [model.record(r).path for r in range(4, 7)] == ["clip_2.wav", "clip_3.wav",
                                                           "clip_10.wav"]
    relayouts = []
    model.layoutChanged.connect(lambda *_: relayouts.append(1))
    model.upsert_records([dataclasses.replace(_record(10), path="clip_11.wav"),
                          dataclasses.replace(_record(11), path="clip_100.wav")])
    assert relayouts == [] and model.record(8).path == "clip_100.wav"  # in place: not re-sorted


def test_a_name_holding_a_newline_is_shown_on_one_line(qtbot):
    """A file named with a newline or a tab broke its row and the clip's title in two."""
    from gui.clips.clip_title import ClipTitle

    model = ClipTableModel()
    model.set_records([dataclasses.replace(_record(0), path="odd\tdir/weird\nname.wav",
                                           label="a stranger's\nlabel")])
    assert model.index(0, NAME).data() == "weird?name.wav"
    assert model.index(0, FOLDER).data() == "odd?dir"
    assert model.index(0, LABEL).data() == "a stranger's?label"  # stored as it came
    title = ClipTitle()
    qtbot.addWidget(title)
    title.show_name("odd\tdir/weird\u2028name.wav", None)  # a line separator too
    assert title.full_text() == "odd?dir/weird?name.wav"


def test_sorting_20000_rows_is_fast():
    model = ClipTableModel()
    model.set_records(_records(20_000))
    started = time.perf_counter()
    for column in (NAME, DURATION, LABEL, STATUS):
        model.sort(column, Qt.SortOrder.DescendingOrder)
    per_sort_s = (time.perf_counter() - started) / 4
    # Measured ~15 ms on a laptop; the bound leaves room for a slow, shared CI machine.
    assert per_sort_s < 0.5


def test_filters_and_counts():
    model = ClipTableModel()
    model.set_records(_records(100))
    counts = model.counts()
    assert counts["clips"] == 100 and counts["unreadable"] == 2
    model.set_filter(quick=FILTER_UNLABELED)
    assert all(model.record(r).label is None and model.record(r).error is None
               for r in range(model.rowCount()))
    assert model.rowCount() == counts["unlabeled"]
    model.set_filter(quick=FILTER_UNREADABLE)
    assert model.rowCount() == 2
    # A reason core does not name reads "Unreadable"; the whole reason is the tooltip.
    assert model.index(0, STATUS).data() == "Unreadable"
    assert model.index(0, STATUS).data(Qt.ItemDataRole.ToolTipRole) == "not audio"
    model.set_filter(quick="cat", text="b/")
    assert model.rowCount() > 0
    assert all(model.record(r).label == "cat" and model.record(r).path.startswith("b/")
               for r in range(model.rowCount()))


def test_class_and_text_filters_find_the_files_holding_regions_of_a_class():
    model = ClipTableModel()
    records = [_record(0, label="owl"), _record(1), _record(2, label="wren"), _record(3)]
    model.set_records(records)
    model.set_region_labels({2: frozenset({"owl", "Wren"}), 3: frozenset(), 4: {"kiwi"}})

    def shown() -> list[int]:
        return [model.record(row).id for row in range(model.rowCount())]

    # Applied with the filter, as event flags are: rows stay put while a person marks.
    assert shown() == [1, 2, 3, 4]
    model.set_filter(quick="owl")
    assert shown() == [1, 2]  # labelled owl; holds an owl region
    model.set_filter(quick="Wren")
    assert shown() == [2]
    model.set_filter(quick=FILTER_ALL, text="wre")  # any case, in a label or a region's
    assert shown() == [2, 3]
    model.set_filter(quick="kiwi", text="clip_00003")
    assert shown() == [4]
    model.set_records(records)  # a new folder: its clip ids name other clips
    model.set_filter(quick="owl", text="")
    assert shown() == [1]


def test_the_neighbour_with_regions_is_found_in_the_rows_shown():
    model = ClipTableModel()
    model.set_records([_record(i, label="owl" if i < 3 else None) for i in range(6)])
    model.set_region_counts({1: 2, 3: 1, 6: 4})
    assert model.neighbour_with_regions(1, +1) == 3
    assert model.neighbour_with_regions(3, +1) == 6
    assert model.neighbour_with_regions(6, +1) is None
    assert model.neighbour_with_regions(6, -1) == 3
    assert model.neighbour_with_regions(1, -1) is None
    model.set_filter(quick="owl")  # clips 1-3 shown: 6 is filtered out
    assert model.neighbour_with_regions(3, +1) is None
    assert model.neighbour_with_regions(6, -1) == 3  # from the end when not shown
    assert model.neighbour_with_regions(6, +1) == 1  # from the start when not shown


def test_upsert_appends_in_batches_and_updates_in_place(qtbot):
    model = ClipTableModel()
    model.sort(NAME, Qt.SortOrder.DescendingOrder)
    records = _records(30)
    with qtbot.waitSignal(model.rowsInserted):
        model.upsert_records(records[:10])
    model.upsert_records(records[10:])
    assert model.rowCount() == 30
    assert model.record(0).path == "b/clip_00029.wav"  # sorted after each batch
    changed = dataclasses.replace(records[3], error="gone bad")
    with qtbot.waitSignal(model.dataChanged):
        model.upsert_records([changed])
    assert model.rowCount() == 30
    assert model.index(model.row_of_id(changed.id), STATUS).data(
        Qt.ItemDataRole.ToolTipRole) == "gone bad"


def test_labels_and_predictions_show(qtbot):
    model = ClipTableModel()
    model.set_records(_records(6))
    model.set_labels([1, 2], "bird", "manual")
    assert model.index(model.row_of_id(1), LABEL).data() == "bird"
    assert model.index(model.row_of_id(1), LABEL).data(Qt.ItemDataRole.FontRole).bold()
    model.restore_labels({1: ("dog", "folder"), 2: (None, None)})
    assert model.index(model.row_of_id(1), LABEL).data() == "dog"
    assert model.index(model.row_of_id(2), LABEL).data() == ""
    assert model.index(0, PREDICTION).data() == ""
    model.set_predictions({1: ("cat", 0.875)})
    assert model.index(model.row_of_id(1), PREDICTION).data() == "cat"
    assert model.index(model.row_of_id(1), CONFIDENCE).data() == "88%"


def test_labels_set_during_a_scan_survive_stale_scan_records():
    model = ClipTableModel()
    records = _records(5)
    model.set_records(records)
    model.protect_local_labels(True)
    model.set_labels([1], "bird", "manual")  # meanwhile the worker read the old label
    model.upsert_records([dataclasses.replace(records[0], size_bytes=7)])
    assert model.record_by_id(1).label == "bird" and model.record_by_id(1).size_bytes == 7
    model.sync_records(records[:4])  # a clip gone from the store: the reset path
    assert model.record_by_id(1).label == "bird"
    model.protect_local_labels(False)
    model.upsert_records([records[0]])
    assert model.record_by_id(1).label == records[0].label


def test_region_counts_show_sort_and_say_whether_any_exist(qtbot):
    model = ClipTableModel()
    model.set_records(_records(6))
    assert not model.has_regions() and model.index(0, REGIONS).data() == ""
    with qtbot.waitSignal(model.column_news_changed):
        model.set_region_counts({2: 1, 4: 1200, 5: 0})
    assert model.has_regions()
    assert model.index(model.row_of_id(4), REGIONS).data() == "1,200"
    assert model.index(model.row_of_id(5), REGIONS).data() == ""  # none reads as blank
    assert model.index(0, REGIONS).data(Qt.ItemDataRole.TextAlignmentRole) == int(
        Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
    model.sort(REGIONS, Qt.SortOrder.DescendingOrder)
    assert [model.record(r).id for r in range(2)] == [4, 2]
    with qtbot.waitSignal(model.dataChanged) as changed:
        model.set_region_counts({2: 2, 4: 1200})  # only clip 2's cell changed
    assert changed.args[0].column() == REGIONS and changed.args[1].column() == REGIONS
    assert model.region_count(2) == 2
    with qtbot.waitSignal(model.column_news_changed):
        model.set_records(_records(3))  # another folder: its ids name other clips
    assert not model.has_regions() and model.region_count(2) == 0


def _shown_ids(model):
    return [model.record(r).id for r in range(model.rowCount())]


def test_silence_and_unknown_show_in_italics_with_the_best_score_in_the_tooltip(qtmodeltester):
    model = ClipTableModel()
    model.set_records(_records(6))
    model.set_predictions({1: ("cat", 0.9), 2: ("unknown", 0.93), 3: ("silence", 0.41)})
    qtmodeltester.check(model)
    unknown, silence, cat = (model.row_of_id(i) for i in (2, 3, 1))
    assert model.index(unknown, PREDICTION).data() == "unknown"
    # The best class's score is no confidence in "unknown": it is in the tooltip, not the cell.
    assert model.index(unknown, CONFIDENCE).data() == "—"
    assert model.index(cat, CONFIDENCE).data() == "90%"
    assert model.index(unknown, PREDICTION).data(Qt.ItemDataRole.FontRole).italic()
    assert model.index(silence, CONFIDENCE).data(Qt.ItemDataRole.FontRole).italic()
    assert model.index(cat, PREDICTION).data(Qt.ItemDataRole.FontRole) is None
    tip = model.index(unknown, PREDICTION).data(Qt.ItemDataRole.ToolTipRole)
    assert tip.startswith("Unknown") and "93%" in tip
    assert model.index(silence, PREDICTION).data(Qt.ItemDataRole.ToolTipRole).startswith("Silence")
    assert model.index(cat, PREDICTION).data(Qt.ItemDataRole.ToolTipRole) is None


def test_label_next_puts_unknown_first_and_silence_last():
    model = ClipTableModel()
    model.set_records([_record(i) for i in range(6)])  # all unlabelled
    model.set_predictions({1: ("cat", 0.9), 2: ("silence", 0.2), 3: ("unknown", 0.95),
                           4: ("dog", 0.5), 5: ("unknown", 0.6)})
    model.set_filter(quick=FILTER_LABEL_NEXT)
    assert _shown_ids(model) == [5, 3, 4, 1, 2]


def test_model_disagrees_leaves_out_a_class_the_model_never_learned():
    """Every clip of a class added since training was listed, as the confusion matrix does not:
    the model cannot answer it. An "unknown" answer to a class it knows stays a disagreement."""
    from gui.clips.clip_table import FILTER_DISAGREE

    model = ClipTableModel()
    model.set_records([_record(0, "cat"), _record(1, "dog"), _record(2, "owl"),
                       _record(3, "cat")])
    model.set_predictions({1: ("cat", 0.9), 2: ("cat", 0.8), 3: ("cat", 0.7),
                           4: ("unknown", 0.6)}, classes=("cat", "dog"))
    model.set_filter(quick=FILTER_DISAGREE)
    assert _shown_ids(model) == [2, 4]
    model.set_predictions({1: ("cat", 0.9), 2: ("cat", 0.8), 3: ("cat", 0.7), 4: ("unknown", 0.6)})
    model.set_filter(quick=FILTER_DISAGREE)  # the model's classes not given: every label counts
    assert _shown_ids(model) == [2, 3, 4]


def test_model_unsure_holds_unknown_clips_but_not_silent_ones():
    model = ClipTableModel()
    model.set_records([_record(i) for i in range(6)])
    model.set_predictions({1: ("cat", 0.9), 2: ("silence", 0.2), 3: ("unknown", 0.95),
                           4: ("dog", 0.5)})
    model.set_filter(quick=FILTER_LOW_CONFIDENCE)
    assert _shown_ids(model) == [3, 4]


def test_a_class_of_the_model_named_silence_or_unknown_is_shown_as_a_class():
    # A model trained with a person's own "silence" class: its answer of that class is a class
    # (confidence shown, not italic, unsure only when under the line), "unknown" still a verdict.
    model = ClipTableModel()
    model.set_records([_record(i) for i in range(4)])
    model.set_predictions({1: ("silence", 0.98), 2: ("silence", 0.3), 3: ("unknown", 0.9)},
                          classes=("cat", "silence"))
    confidence = [model.index(model.row_of_id(i), CONFIDENCE).data() for i in (1, 2, 3)]
    assert confidence == ["98%", "30%", NO_CONFIDENCE]
    font = model.index(model.row_of_id(1), PREDICTION).data(Qt.ItemDataRole.FontRole)
    assert font is None or not font.italic()
    model.set_filter(quick=FILTER_LOW_CONFIDENCE)
    assert _shown_ids(model) == [3, 2]  # unknown first, then the least sure


def test_the_status_column_words_a_reason_with_more_after_it_and_each_kind_of_note():
    """A NaN file's reason says where the damage is after its words; a note is a file cut
    short, or one whose header said it held nothing (read to its end)."""
    from core.audio.cut_short import NO_SIZE_NOTE
    from core.audio.reading import NON_FINITE
    from gui.clips.clip_texts import short_status

    nan = _record(0, error=f"{NON_FINITE}: 5 samples of those read, the first at 300.000 s")
    cut = dataclasses.replace(_record(1), note="cut short: it holds 1.00 s of the 2.00 s")
    unsized = dataclasses.replace(_record(2), note=NO_SIZE_NOTE)
    assert [short_status(r) for r in (nan, cut, unsized, _record(3))] == [
        "NaN/Inf samples", "Cut short", "Header damaged", "OK"]


def test_quick_filters_that_read_a_model_or_regions_are_off_until_there_is_one(qtbot):
    """"Model unsure" and "Model disagrees" were offered with no model, "Files with unreviewed
    events" with no regions: each showed an empty list."""
    from gui.clips.clip_list_panel import ClipListPanel
    from gui.clips.clip_table import FILTER_DISAGREE, FILTER_LOW_CONFIDENCE, FILTER_UNREVIEWED

    model = ClipTableModel()
    panel = ClipListPanel(model)
    qtbot.addWidget(panel)
    model.set_records(_records(3))
    combo = panel.quick_filter

    def offered(key):
        return combo.model().item(combo.findData(key)).isEnabled()

    assert not offered(FILTER_LOW_CONFIDENCE) and not offered(FILTER_DISAGREE)
    assert combo.model().item(combo.findData(FILTER_DISAGREE)).toolTip().startswith(
        "No model has answered yet")
    assert not offered(FILTER_UNREVIEWED) and offered(FILTER_ALL)
    model.set_predictions({1: ("a", 0.4)})
    assert offered(FILTER_LOW_CONFIDENCE) and offered(FILTER_DISAGREE)
    assert not offered(FILTER_UNREVIEWED)
    model.set_region_counts({2: 3})
    assert offered(FILTER_UNREVIEWED)
    panel.set_classes(["a", "b"])  # the box made again keeps what is offered
    assert offered(FILTER_LOW_CONFIDENCE) and offered(FILTER_UNREVIEWED)
    # The filter chosen, switched off (another folder: no model yet), gives way to All clips.
    panel.set_quick_filter(FILTER_LOW_CONFIDENCE)
    model.set_records(_records(3))
    assert combo.currentData() == FILTER_ALL and model.rowCount() == 3


def test_a_clip_a_filter_hid_is_not_brought_back_in_another_folder(qtbot):
    """The clip a filter hid was kept by its id to bring back when the filter is cleared; ids
    are a store's own, so in another folder it made that folder's clip of the same id current,
    and the digit keys would have labelled a clip nobody picked."""
    from gui.clips.clip_list_panel import ClipListPanel

    model = ClipTableModel()
    panel = ClipListPanel(model)
    qtbot.addWidget(panel)
    model.set_records(_records(5))
    panel.select_ids([3], 3)
    panel.filter_edit.setText("no such clip")
    panel._apply_text_filter()
    assert panel.current_id() == -1
    model.set_records(_records(5))  # another folder, whose clip 3 is another recording
    panel.filter_edit.setText("")
    panel._apply_text_filter()
    assert panel.current_id() == -1
    # In the same folder, clearing the filter brings the clip back.
    panel.select_ids([3], 3)
    panel.filter_edit.setText("no such clip")
    panel._apply_text_filter()
    panel.filter_edit.setText("")
    panel._apply_text_filter()
    assert panel.current_id() == 3


def test_a_quick_filter_that_hides_the_clip_on_show_shows_its_first(qtbot):
    """Choosing a quick filter that left the clip on show out left no clip selected ("No clip
    selected", the keys labelling nothing): "Label next" now brings up the first clip to label."""
    from gui.clips.clip_list_panel import ClipListPanel
    from gui.clips.clip_table import FILTER_UNLABELED

    model = ClipTableModel()
    panel = ClipListPanel(model)
    qtbot.addWidget(panel)
    records = _records(4)
    records[0] = dataclasses.replace(records[0], label="a")
    model.set_records(records)
    panel.select_ids([records[0].id], records[0].id)
    panel.set_quick_filter(FILTER_UNLABELED)
    assert panel.current_id() == model.record(0).id and model.record(0).label is None
    # Back to every clip: the clip the filter hid comes back (the stand-in stayed).
    panel.set_quick_filter(FILTER_ALL)
    assert panel.current_id() == records[0].id
