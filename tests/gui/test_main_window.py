"""MainWindow end to end on real folders: open, scan, label by key, undo, bulk, drop, bad input."""

from __future__ import annotations

import os

import numpy as np
from PySide6.QtCore import QMimeData, QPoint, QPointF, Qt, QUrl
from PySide6.QtGui import QDropEvent
from PySide6.QtWidgets import QApplication, QMessageBox

from core.store import store_backup
from core.store.project import Project
from gui.clips.clip_table import FILTER_UNLABELED, LABEL, STATUS
from gui.common import settings as keys
from tests import audio_factory
from tests.gui.helpers import open_and_wait, show_row


def _row_of_path(window, path):
    model = window.model
    return next(r for r in range(model.rowCount()) if model.record(r).path == path)


def _store_labels(folder):
    with Project.open(folder) as project:
        return {c.path: (c.label, c.label_source) for c in project.clips()}


def _activate(qtbot, window):
    # Window shortcuts (the digit keys) only fire in the active window.
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window, timeout=2000)


def test_title_reads_earmark_and_the_folder_once(qtbot, window, clip_folder):
    from gui.app import make_app

    assert window.windowTitle() == "Earmark"
    open_and_wait(qtbot, window, clip_folder)
    assert window.windowTitle() == f"Earmark — {clip_folder.name}"
    # The platform appends an application display name set explicitly to every title
    # ("Earmark — clips — Earmark"): none is set, so the display name follows the name.
    app = make_app()
    name = app.applicationName()
    try:
        app.setApplicationName("earmark-title-probe")
        assert app.applicationDisplayName() == "earmark-title-probe"
    finally:
        app.setApplicationName(name)


def test_each_menu_item_has_its_own_access_key(window):
    """Alt, a menu's letter, then an item's letter: each item of a menu (and of each submenu)
    underlines a letter of its own, so the letter runs the item at once."""
    def check(menu):
        letters = []
        for action in menu.actions():
            text = action.text().replace("&&", "")
            if "&" in text:
                letters.append(text[text.index("&") + 1].lower())
            if action.menu() is not None:
                check(action.menu())
        assert len(letters) == len(set(letters)), (menu.title(), sorted(letters))

    check(window.menuBar())


def test_scan_lists_every_file_and_unreadable_with_reason(qtbot, window, clip_folder):
    open_and_wait(qtbot, window, clip_folder)
    assert window.model.rowCount() == 3 * 3 + 2 + 1
    row = _row_of_path(window, "broken.wav")
    status = window.model.index(row, STATUS).data()
    assert status and status != "OK"
    good = window.model.index(_row_of_path(window, "tone/tone_000.wav"), STATUS).data()
    assert good == "OK"
    assert window.model.index(_row_of_path(window, "tone/tone_000.wav"), LABEL).data() == "tone"
    assert "unreadable" in window.clip_list.count_label.text()
    assert "1 unreadable" in window.statusBar().currentMessage()
    with qtbot.waitSignal(window.scan_finished, timeout=20_000):
        window.rescan()  # the status bar said "12 clips" alone: nothing read this time
    assert "1 unreadable" in window.statusBar().currentMessage()


def test_an_unreadable_clip_on_show_leaves_nothing_to_play(qtbot, window, clip_folder):
    """Space on an unreadable clip once played the clip shown before it."""
    open_and_wait(qtbot, window, clip_folder)
    show_row(qtbot, window, _row_of_path(window, "tone/tone_000.wav"))
    assert window.playback.path is not None and window.playback.path.name == "tone_000.wav"
    with qtbot.waitSignal(window.clip_view.message_shown, timeout=10_000) as shown:
        window.clip_list.select_row(_row_of_path(window, "broken.wav"))
    assert shown.args[0].startswith("broken.wav: unreadable")
    assert window.playback.path is None


def test_a_clip_found_unreadable_on_show_is_marked_so_in_the_list(qtbot, window, clip_folder):
    """NaN samples behind a sound header: the scan reads headers only, so the list said OK and
    counted it readable while the view said it could not be read."""
    samples = audio_factory.tone(440.0, 0.5)
    samples[100:200] = np.nan
    audio_factory.write(clip_folder / "tone" / "nan.wav", samples, subtype="FLOAT")
    open_and_wait(qtbot, window, clip_folder)
    row = _row_of_path(window, "tone/nan.wav")
    assert window.model.record(row).error is None
    clip_id = window.model.record(row).id
    window.clip_list.select_row(row)
    qtbot.waitUntil(lambda: window.model.record_by_id(clip_id).error is not None, timeout=10_000)
    record = window.model.record_by_id(clip_id)
    assert "non-finite" in record.error and record.label == "tone"  # the label is kept
    assert "unreadable" in window.clip_view.message_label.text()
    with Project.open(clip_folder) as project:
        assert "non-finite" in project.clip(record.id).error


def test_the_window_fits_a_1024_px_screen(qtbot, window, clip_folder):
    """The clip filter's longest entry and the Review tab's three search buttons in a row made
    the window at least 1,046 px wide: now the closed filter shows what fits, and the buttons
    wrap."""
    open_and_wait(qtbot, window, clip_folder)
    window.clip_list.select_row(0)
    combo = window.clip_list.quick_filter
    widest = max(combo.fontMetrics().horizontalAdvance(combo.itemText(i))
                 for i in range(combo.count()))
    assert combo.minimumSizeHint().width() < widest
    review = window.model_dock.review
    in_a_row = sum(b.sizeHint().width() for b in (review.detect_button, review.energy_button,
                                                   review.similar_button))
    searches = review.layout().itemAt(0).layout()
    assert searches.minimumSize().width() < in_a_row / 2
    assert window.minimumSizeHint().width() <= 1000
    window.resize(1024, 700)
    qtbot.waitUntil(lambda: window.width() == 1024, timeout=2000)


def test_a_scan_warning_made_good_is_taken_down_by_the_next_scan(qtbot, window, clip_folder):
    """A file's name not in UTF-8 is named on the banner, which stays until closed: after the
    file was renamed and the folder rescanned, it still said the file was not listed."""
    odd = os.fsencode(clip_folder) + b"/caf\xe9.wav"
    os.rename(audio_factory.write(clip_folder / "odd.wav", audio_factory.tone(500, 0.2)), odd)
    open_and_wait(qtbot, window, clip_folder)
    qtbot.waitUntil(lambda: "not UTF-8" in window.banner.text(), timeout=5000)
    os.rename(odd, os.fsencode(clip_folder) + b"/cafe.wav")
    window.rescan()
    qtbot.waitUntil(lambda: "is listed now" in window.banner.text(), timeout=20_000)
    assert window.banner.property("kind") == "info"
    # A warning only the first scan gives (a labels file not used) is not "past" on a rescan.
    other = clip_folder.parent / "other"
    audio_factory.write(other / "a.wav", audio_factory.tone(500, 0.2))
    (other / "labels.csv").write_text("path,label\nmissing.wav\n", encoding="utf-8")
    open_and_wait(qtbot, window, other)
    qtbot.waitUntil(lambda: "labels.csv" in window.banner.text(), timeout=5000)
    window.banner.hide()
    with qtbot.waitSignal(window.scan_finished, timeout=20_000):
        window.rescan()
    assert "is listed now" not in window.banner.text()


def test_the_clip_on_show_moved_to_another_folder_is_shown_from_there(qtbot, window, clip_folder):
    """Before, a rescan took it for a new, unlabelled clip; the view said it was gone."""
    open_and_wait(qtbot, window, clip_folder)
    row = _row_of_path(window, "tone/tone_001.wav")
    clip_id = window.model.record(row).id
    with qtbot.waitSignal(window.clip_view.clip_shown, timeout=10_000):
        window.clip_list.select_row(row)
    (clip_folder / "night").mkdir()
    (clip_folder / "tone" / "tone_001.wav").rename(clip_folder / "night" / "tone_001.wav")
    with qtbot.waitSignal(window.clip_view.clip_shown, timeout=20_000):
        window.rescan()
    record = window.model.record_by_id(clip_id)
    assert (record.path, record.label, record.missing) == ("night/tone_001.wav", "tone", False)
    assert window.clip_list.current_id() == clip_id
    assert window.clip_view.path == clip_folder.resolve() / "night" / "tone_001.wav"


def test_key_press_labels_the_clip_and_undo_restores(qtbot, window, clip_folder):
    open_and_wait(qtbot, window, clip_folder)
    window.acts.auto_advance.setChecked(False)
    key_1_class = window.acts.label_actions["1"].text().removeprefix("Label as ")
    window.clip_list.select_row(_row_of_path(window, "loose-a.wav"))
    _activate(qtbot, window)
    window.clip_list.table.setFocus()
    qtbot.keyClick(window.clip_list.table, Qt.Key.Key_1)
    assert _store_labels(clip_folder)["loose-a.wav"] == (key_1_class, "manual")
    row = _row_of_path(window, "loose-a.wav")
    assert window.model.index(row, LABEL).data() == key_1_class

    qtbot.keyClick(window.clip_list.table, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert _store_labels(clip_folder)["loose-a.wav"] == (None, None)
    assert window.model.index(row, LABEL).data() == ""
    qtbot.keyClick(window.clip_list.table, Qt.Key.Key_Z,
                   Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    assert _store_labels(clip_folder)["loose-a.wav"] == (key_1_class, "manual")

    qtbot.keyClick(window.clip_list.table, Qt.Key.Key_Delete)
    assert _store_labels(clip_folder)["loose-a.wav"] == (None, None)


def test_a_label_not_saved_is_said_until_the_next_one_is(qtbot, window, clip_folder,
                                                       monkeypatch):
    """Another program held the store: the key said the label could not be set, and the
    banner went on saying so after the next key had saved, as if that one had failed too."""
    from core.errors import ProjectBusyError

    open_and_wait(qtbot, window, clip_folder)
    window.acts.auto_advance.setChecked(False)
    window.clip_list.select_row(_row_of_path(window, "loose-a.wav"))
    _activate(qtbot, window)
    window.clip_list.table.setFocus()
    real = window.project.set_labels

    def busy(*args, **kwargs):
        raise ProjectBusyError("project is busy: another program is changing it")

    monkeypatch.setattr(window.project, "set_labels", busy)
    qtbot.keyClick(window.clip_list.table, Qt.Key.Key_1)
    assert "busy" in window.banner.text() and window.banner.property("kind") == "error"
    assert _store_labels(clip_folder)["loose-a.wav"] == (None, None)
    monkeypatch.setattr(window.project, "set_labels", real)
    qtbot.keyClick(window.clip_list.table, Qt.Key.Key_1)
    assert _store_labels(clip_folder)["loose-a.wav"][1] == "manual"
    assert window.banner.text() == ""
    # Another edit's failure is not a label's: a label saved after it leaves it said.
    window.labels.report_error("Could not import x.csv: not a table")
    qtbot.keyClick(window.clip_list.table, Qt.Key.Key_2)
    assert "x.csv" in window.banner.text()


def test_delete_clears_a_label_and_stays_for_the_right_key(qtbot, window, clip_folder):
    """Delete then the right key: Delete moved on, so the key labelled the next clip, and a
    Delete on a clip with no label still made an undo step and moved on."""
    open_and_wait(qtbot, window, clip_folder)
    window.acts.auto_advance.setChecked(True)
    row = _row_of_path(window, "loose-a.wav")
    window.clip_list.select_row(row)
    _activate(qtbot, window)
    window.clip_list.table.setFocus()
    qtbot.keyClick(window.clip_list.table, Qt.Key.Key_1)  # a slip: labelled, moved on
    assert window.clip_list.table.currentIndex().row() == row + 1
    qtbot.keyClick(window.clip_list.table, Qt.Key.Key_Up)
    qtbot.keyClick(window.clip_list.table, Qt.Key.Key_Delete)
    assert window.clip_list.table.currentIndex().row() == row
    assert _store_labels(clip_folder)["loose-a.wav"] == (None, None)
    steps = window.undo_stack.count()
    qtbot.keyClick(window.clip_list.table, Qt.Key.Key_Delete)  # nothing left to clear
    assert window.undo_stack.count() == steps
    assert window.clip_list.table.currentIndex().row() == row
    qtbot.keyClick(window.clip_list.table, Qt.Key.Key_2)
    key_2_class = window.acts.label_actions["2"].text().removeprefix("Label as ")
    assert _store_labels(clip_folder)["loose-a.wav"] == (key_2_class, "manual")
    # The label it has, again: no undo step that undoes nothing, and on to the next clip.
    steps = window.undo_stack.count()
    window.clip_list.select_row(row)
    qtbot.keyClick(window.clip_list.table, Qt.Key.Key_2)
    assert window.undo_stack.count() == steps
    assert window.clip_list.table.currentIndex().row() == row + 1


def test_a_key_with_no_class_says_how_to_give_it_one(qtbot, window, clip_folder):
    """Its action was hidden, and a hidden action's key does nothing: the key did nothing and
    said nothing. The menu still lists only the keys with a class."""
    open_and_wait(qtbot, window, clip_folder)
    window.clip_list.select_row(_row_of_path(window, "loose-a.wav"))
    _activate(qtbot, window)
    window.clip_list.table.setFocus()
    messages = []
    window.statusBar().messageChanged.connect(messages.append)
    qtbot.keyClick(window.clip_list.table, Qt.Key.Key_9)
    assert any(m.startswith("No class on key 9: give it one") for m in messages)
    assert _store_labels(clip_folder)["loose-a.wav"] == (None, None)
    listed = [a.text() for a in window.acts.label_menu.actions() if a.text().startswith("Label as")]
    assert listed == [f"Label as {name}" for name in window.labels.class_names[:len(listed)]]
    assert "Label as class 9" not in listed and listed


def test_bulk_label_and_undo_restores_each_previous_label(qtbot, window, clip_folder):
    open_and_wait(qtbot, window, clip_folder)
    paths = ["loose-a.wav", "tone/tone_001.wav", "noise/noise_002.wav"]
    before = _store_labels(clip_folder)
    ids = [window.model.record(_row_of_path(window, p)).id for p in paths]
    window.clip_list.select_ids(ids, ids[0])
    assert sorted(window.clip_list.selected_ids()) == sorted(ids)
    _activate(qtbot, window)
    qtbot.keyClick(window.clip_list.table, Qt.Key.Key_2)
    key_2_class = window.acts.label_actions["2"].text().removeprefix("Label as ")
    after = _store_labels(clip_folder)
    assert all(after[p] == (key_2_class, "manual") for p in paths)
    assert window.undo_stack.count() == 1, "a bulk change is one undo step"
    # The menu says what Undo undoes; the toolbar's button says "Undo", the rest on hover (the
    # whole text pushed Train off a narrow window's toolbar).
    button = window.toolbar.widgetForAction(window.acts.undo)
    assert window.acts.undo.text().startswith("&Undo Label 3 clips")
    assert button.text() == "Undo" and button.toolTip().startswith("Undo Label 3 clips")

    window.undo_stack.undo()
    assert _store_labels(clip_folder) == before
    assert window.model.index(_row_of_path(window, "tone/tone_001.wav"), LABEL).data() == "tone"
    window.undo_stack.redo()
    assert all(_store_labels(clip_folder)[p] == (key_2_class, "manual") for p in paths)


def test_auto_advance_moves_to_next_clip_and_is_remembered(qtbot, make_window, clip_folder):
    window = make_window()
    open_and_wait(qtbot, window, clip_folder)
    window.acts.auto_advance.setChecked(True)
    window.clip_list.select_row(0)
    window.labels.label_selection("tone")
    assert window.clip_list.table.currentIndex().row() == 1
    window.acts.auto_advance.setChecked(False)
    window.close()
    again = make_window()
    assert not again.acts.auto_advance.isChecked()
    assert keys.read(again.settings, keys.RECENT_FOLDERS)[0] == str(clip_folder.resolve())


def test_drag_draws_boxes_is_an_edit_toggle_kept_between_sessions(qtbot, make_window):
    window = make_window()
    assert not window.acts.boxes_first.isChecked()  # as before: Shift+drag for a box
    window.acts.boxes_first.setChecked(True)
    assert window.region_overlay._boxes_first and window.region_list._boxes_first
    window.close()
    again = make_window()
    assert again.acts.boxes_first.isChecked() and again.region_overlay._boxes_first


def test_undo_after_auto_advance_takes_the_person_back_to_the_clip(qtbot, window, clip_folder):
    """A wrong key on a clip, auto-advance moves on, Ctrl+Z, the right key: before, the undo
    left the next clip selected, so the right key labelled it and the wrong clip stayed bare."""
    open_and_wait(qtbot, window, clip_folder)
    window.acts.auto_advance.setChecked(True)
    window.clip_list.select_row(_row_of_path(window, "loose-a.wav"))
    _activate(qtbot, window)
    qtbot.keyClick(window.clip_list.table, Qt.Key.Key_2)
    assert window.model.record(window.clip_list.table.currentIndex().row()).path != "loose-a.wav"
    qtbot.keyClick(window.clip_list.table, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert window.clip_list.selected_ids() == [window.model.record(
        _row_of_path(window, "loose-a.wav")).id]
    assert window.model.record(window.clip_list.table.currentIndex().row()).path == "loose-a.wav"
    qtbot.keyClick(window.clip_list.table, Qt.Key.Key_1)
    key_1_class = window.acts.label_actions["1"].text().removeprefix("Label as ")
    assert _store_labels(clip_folder)["loose-a.wav"] == (key_1_class, "manual")
    # Redo of an undone edit goes back to its clip too.
    window.undo_stack.undo()
    window.clip_list.select_row(0)
    window.undo_stack.redo()
    assert window.model.record(window.clip_list.table.currentIndex().row()).path == "loose-a.wav"


def test_reopening_restores_the_last_selected_clip(qtbot, make_window, clip_folder):
    window = make_window()
    open_and_wait(qtbot, window, clip_folder)
    window.clip_list.select_row(_row_of_path(window, "chirp/chirp_002.wav"))
    # The current-clip signal is coalesced through a 0 ms timer; the window then remembers it.
    qtbot.waitUntil(lambda: keys.last_selection(window.settings, str(window.folder))
                    == "chirp/chirp_002.wav", timeout=2000)
    window.close()
    again = make_window()
    open_and_wait(qtbot, again, clip_folder)
    assert again.model.record(again.clip_list.table.currentIndex().row()).path \
        == "chirp/chirp_002.wav"


def test_typing_a_new_class_adds_it_and_labels_the_selection(qtbot, window, clip_folder):
    open_and_wait(qtbot, window, clip_folder)
    window.clip_list.select_row(_row_of_path(window, "loose-b.wav"))
    qtbot.keyClicks(window.label_bar.new_class_edit, "birdsong")
    qtbot.keyClick(window.label_bar.new_class_edit, Qt.Key.Key_Return)
    assert "birdsong" in window.label_bar.buttons()
    assert _store_labels(clip_folder)["loose-b.wav"] == ("birdsong", "manual")
    # The classify panel draws a class in the colour of its label button.
    colour = next(c.colour for c in window.project.classes() if c.name == "birdsong")
    assert colour and window.model_dock.classify.bar_delegate.colours["birdsong"] == colour
    assert window.model_dock.classify.score_track.colours["birdsong"] == colour


def test_quick_filter_shows_unlabeled_only(qtbot, window, clip_folder):
    open_and_wait(qtbot, window, clip_folder)
    window.clip_list.set_quick_filter(FILTER_UNLABELED)
    shown = {window.model.record(r).path for r in range(window.model.rowCount())}
    assert shown == {"loose-a.wav", "loose-b.wav"}


def _drop(window, folder):
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(folder))])
    event = QDropEvent(QPointF(QPoint(50, 50)), Qt.DropAction.CopyAction, mime,
                       Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
    window.dropEvent(event)
    return event


def test_dropping_a_folder_opens_it(qtbot, window, clip_folder):
    with qtbot.waitSignal(window.scan_finished, timeout=20_000):
        event = _drop(window, clip_folder)
    assert event.isAccepted()
    assert window.folder == clip_folder.resolve()
    assert window.model.rowCount() == 12


def test_a_folder_dropped_beside_a_model_asks_whether_to_classify_or_open_it(
        qtbot, window, clip_folder, tmp_path, monkeypatch):
    """With a project and its model open, a folder of new recordings dropped to hear what the
    model says of them opened as the project: the project and its model were gone for one made
    of the recordings (and a store was written into their folder)."""
    from PySide6.QtCore import QTimer

    open_and_wait(qtbot, window, clip_folder)
    new = tmp_path / "new"
    audio_factory.write(new / "a.wav", audio_factory.tone(500))
    classified = []
    monkeypatch.setattr(window.model_dock.classify, "has_model", lambda: True)
    monkeypatch.setattr(window.model_dock, "classify_files", classified.append)
    asked = []

    def answer(button_text):
        def click():  # the question comes once the drop has ended
            box = QApplication.activeModalWidget()
            if box is None:
                QTimer.singleShot(10, click)
                return
            asked.append(box.text())
            next(b for b in box.buttons() if b.text() == button_text).click()
        QTimer.singleShot(0, click)

    for n, choice in enumerate(("Classify Its Files", "Cancel"), start=1):
        answer(choice)
        assert _drop(window, new).isAccepted()
        qtbot.waitUntil(lambda n=n: len(asked) == n, timeout=5000)
    qtbot.waitUntil(lambda: classified == [[new]], timeout=5000)
    assert window.folder == clip_folder.resolve()
    assert "Classify the recordings in new with the model, or open new" in asked[0]
    assert not (new / ".earmark").exists()
    answer("Open as Project")
    with qtbot.waitSignal(window.scan_finished, timeout=20_000):
        _drop(window, new)
    assert window.folder == new.resolve() and len(asked) == 3
    with qtbot.waitSignal(window.scan_finished, timeout=20_000):
        _drop(window, new)  # the project's own folder again: opened, nothing asked
    assert len(asked) == 3


def test_missing_and_empty_folders_get_a_message(qtbot, window, tmp_path, monkeypatch):
    assert not window.open_folder(tmp_path / "nowhere")
    assert "not found" in window.banner.text()
    # An empty name (a launcher's unset variable) opened the current folder and wrote a store
    # there; a file's name read "folder not found".
    monkeypatch.chdir(tmp_path)
    assert not window.open_folder("")
    assert "no folder given" in window.banner.text() and not (tmp_path / ".earmark").exists()
    clip = audio_factory.write(tmp_path / "a.wav", audio_factory.tone(440.0, 0.2))
    assert not window.open_folder(clip)
    assert "a file, not a folder" in window.banner.text()
    empty = tmp_path / "empty"
    empty.mkdir()
    open_and_wait(qtbot, window, empty)
    assert "No audio files" in window.banner.text()
    assert window.model.rowCount() == 0


def test_unwritable_folder_says_where_the_store_is(qtbot, window, tmp_path):
    folder = tmp_path / "ro"
    audio_factory.make_class_folder(folder, n_per_class=1)
    # A file where the store folder would go: the folder cannot hold its store, which is what
    # a read-only folder means to Earmark, and it works for root too (root ignores chmod).
    (folder / ".earmark").write_text("in the way")
    if hasattr(os, "geteuid") and os.geteuid() != 0:
        folder.chmod(0o555)
    try:
        open_and_wait(qtbot, window, folder)
        assert "read-only" in window.banner.text()
        assert str(tmp_path / "user-data") in window.banner.text()
        assert window.model.rowCount() == 3
    finally:
        folder.chmod(0o755)


def test_a_damaged_store_is_offered_its_copy_from_the_last_close(qtbot, make_window,
                                                                clip_folder, monkeypatch):
    first = make_window()
    open_and_wait(qtbot, first, clip_folder)
    first.clip_list.select_row(_row_of_path(first, "loose-a.wav"))
    _activate(qtbot, first)
    first.clip_list.table.setFocus()
    qtbot.keyClick(first.clip_list.table, Qt.Key.Key_1)  # a label set by hand
    labels = _store_labels(clip_folder)
    assert labels["loose-a.wav"][1] == "manual"
    store = first.project.store_path
    first.close()  # letting the project go leaves a copy of its store
    assert len(store_backup.backups(store)) == 1
    store.write_bytes(b"this is not sqlite at all " * 200)
    asked = []
    monkeypatch.setattr(QMessageBox, "question",
                        lambda *a: asked.append(a[2]) or QMessageBox.StandardButton.Yes)
    checks = []  # each reads every copy whole: once, for the error, not again for the offer
    newest_sound = store_backup.newest_sound
    monkeypatch.setattr(store_backup, "newest_sound",
                        lambda path: checks.append(path) or newest_sound(path))
    second = make_window()
    open_and_wait(qtbot, second, clip_folder)
    assert "is damaged" in asked[0] and "the damaged store is kept beside it" in asked[0]
    assert checks == [store]
    assert _store_labels(clip_folder) == labels
    aside = list(store.parent.glob("project.sqlite.damaged-*"))
    assert len(aside) == 1 and str(aside[0]) in second.banner.text()


def test_a_store_deleted_is_offered_its_copy_or_a_new_start(qtbot, make_window, clip_folder,
                                                           monkeypatch):
    """A store deleted while the app was closed (or its .earmark while it was open) opened as
    a new, empty one, in silence: the labels were in the copy beside it."""
    first = make_window()
    open_and_wait(qtbot, first, clip_folder)
    first.clip_list.select_row(_row_of_path(first, "loose-a.wav"))
    _activate(qtbot, first)
    first.clip_list.table.setFocus()
    qtbot.keyClick(first.clip_list.table, Qt.Key.Key_1)
    labels = _store_labels(clip_folder)
    store = first.project.store_path
    first.close()
    answers, asked = [QMessageBox.StandardButton.No, QMessageBox.StandardButton.Yes], []
    monkeypatch.setattr(QMessageBox, "question",
                        lambda *a, **k: asked.append(a[2]) or answers.pop())
    store.unlink()
    second = make_window()
    open_and_wait(qtbot, second, clip_folder)
    assert "is gone (deleted?)" in asked[0] and "No starts a new, empty store" in asked[0]
    assert _store_labels(clip_folder) == labels and "Put back" in second.banner.text()
    second.close()
    store.unlink()
    third = make_window()  # No: a new store, as a person chose
    open_and_wait(qtbot, third, clip_folder)
    assert len(asked) == 2 and _store_labels(clip_folder)["loose-a.wav"][0] is None


def test_a_store_deleted_while_open_offers_a_copy_with_this_sessions_labels(
        qtbot, window, clip_folder, monkeypatch):
    """Reopened, the older copy was put back and this session's labels went to a copy made
    after it, named to no one; started afresh, the new store was read through the old
    connection's log, and the close's copy of it came out empty."""
    open_and_wait(qtbot, window, clip_folder)
    _activate(qtbot, window)
    window.clip_list.select_row(_row_of_path(window, "loose-a.wav"))
    window.clip_list.table.setFocus()
    qtbot.keyClick(window.clip_list.table, Qt.Key.Key_1)
    store = window.project.store_path
    window.project.back_up()  # an older copy, without the label below
    window.clip_list.select_row(_row_of_path(window, "loose-b.wav"))
    window.clip_list.table.setFocus()
    qtbot.keyClick(window.clip_list.table, Qt.Key.Key_2)  # this session's, after the copy
    store.unlink()  # the store deleted while the window has it open
    # Cancelled: the project was closed under the docks, which went on holding it.
    monkeypatch.setattr(QMessageBox, "question",
                        lambda *a, **k: QMessageBox.StandardButton.Cancel)
    assert not window.open_folder(clip_folder)
    assert window.model_dock.project is None and window.labels.project is None
    monkeypatch.setattr(QMessageBox, "question",
                        lambda *a, **k: QMessageBox.StandardButton.Yes)
    assert window.open_folder(clip_folder), window.banner.text()
    labels = _store_labels(clip_folder)
    assert labels["loose-a.wav"][0] is not None and labels["loose-b.wav"][0] is not None
    # Deleted again, and a new store chosen: it is empty, and the copy made of the one open
    # holds the labels.
    store.unlink()
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.No)
    with qtbot.waitSignal(window.scan_finished, timeout=20_000):
        assert window.open_folder(clip_folder), window.banner.text()
    afresh = _store_labels(clip_folder)  # folder labels again, none of a person's
    assert afresh["loose-a.wav"] == afresh["loose-b.wav"] == (None, None)
    newest = store_backup.backups(store)[0]
    import sqlite3
    copy = sqlite3.connect(newest)
    try:
        kept = dict(copy.execute("SELECT path, label FROM clips WHERE label IS NOT NULL"))
    finally:
        copy.close()
    assert kept == {path: label for path, (label, _) in labels.items() if label is not None}


def test_file_deleted_while_listed_gets_a_message(qtbot, window, clip_folder):
    open_and_wait(qtbot, window, clip_folder)
    (clip_folder / "loose-b.wav").unlink()
    with qtbot.waitSignal(window.clip_view.message_shown, timeout=5000,
                          check_params_cb=lambda text: "deleted or moved" in text):
        window.clip_list.select_row(_row_of_path(window, "loose-b.wav"))


def test_opening_another_folder_cancels_the_scan(qtbot, window, clip_folder, tmp_path):
    big = audio_factory.make_class_folder(tmp_path / "big", n_per_class=60)
    window.open_folder(big)
    open_and_wait(qtbot, window, clip_folder)
    assert window.folder == clip_folder.resolve()
    assert window.model.rowCount() == 12


def test_demo_project_opens_from_help_menu(qtbot, window, tmp_path):
    with qtbot.waitSignal(window.scan_finished, timeout=30_000):
        window.acts.open_demo.trigger()
    assert window.folder == (tmp_path / "user-data" / "demo").resolve()
    counts = window.model.counts()
    assert counts["clips"] == 60 and counts["unlabeled"] > 0
    assert set(window.label_bar.buttons()) == {"whistle", "knock", "hiss"}


def test_classes_dialog_rename_updates_list_and_is_undone_with_the_label_edit(
        qtbot, window, clip_folder, monkeypatch):
    from PySide6.QtWidgets import QInputDialog

    from gui.clips.classes_dialog import ClassesDialog

    open_and_wait(qtbot, window, clip_folder)
    window.clip_list.select_row(_row_of_path(window, "loose-a.wav"))
    window.labels.label_selection("tone")
    assert window.undo_stack.count() == 1
    dialog = ClassesDialog(window.project, window.undo_stack, window.labels.classes_edited,
                           window.labels.report_error, window)
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.list.setCurrentRow(dialog._names().index("tone"))
    monkeypatch.setattr(QInputDialog, "getText", lambda *a, **k: ("beep", True))
    dialog._rename()
    assert "beep" in dialog._names() and "tone" not in dialog._names()
    assert "beep" in window.label_bar.buttons()
    assert window.model.index(_row_of_path(window, "tone/tone_000.wav"), LABEL).data() == "beep"
    assert _store_labels(clip_folder)["loose-a.wav"][0] == "beep"
    assert window.undo_stack.count() == 2, "the rename sits on the stack above the label edit"
    window.undo_stack.undo()
    window.undo_stack.undo()
    assert "tone" in dialog._names() and "beep" not in window.label_bar.buttons()
    assert _store_labels(clip_folder)["loose-a.wav"] == (None, None)
    assert window.model.index(_row_of_path(window, "tone/tone_000.wav"), LABEL).data() == "tone"


def test_shortcuts_dialog_lists_the_digit_keys(qtbot, window, clip_folder):
    from gui.common.dialogs import ShortcutsDialog

    open_and_wait(qtbot, window, clip_folder)
    actions = [a for a in window.acts.all() if a.isVisible()]
    dialog = ShortcutsDialog(actions, [], window)
    qtbot.addWidget(dialog)
    from PySide6.QtWidgets import QTableWidget

    table = dialog.findChild(QTableWidget)
    rows = {table.item(r, 0).text(): table.item(r, 1).text() for r in range(table.rowCount())}
    assert rows["Label as chirp"] == "1"
    assert "Space" in rows["Play / Pause"]
    assert "Ctrl+Z" in rows["Undo"]
    # Every key's words are seen whole, wrapped, not cut to "Click the waveform or …".
    from gui.actions.help_menu import EXTRA_SHORTCUTS

    dialog = ShortcutsDialog(actions, EXTRA_SHORTCUTS, window)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    table = dialog.table
    metrics = table.fontMetrics()
    for row in range(table.rowCount()):
        rect = table.visualItemRect(table.item(row, 1))
        needed = metrics.boundingRect(0, 0, rect.width() - 8, 10_000, Qt.TextFlag.TextWordWrap,
                                      table.item(row, 1).text())
        assert needed.height() <= rect.height(), table.item(row, 1).text()


def test_recent_folders_and_selection_settings_are_bounded(settings):
    for i in range(keys.MAX_RECENT + 3):
        keys.add_recent(settings, f"/data/{i}")
    keys.add_recent(settings, "/data/5")
    recent = keys.read(settings, keys.RECENT_FOLDERS)
    assert recent[0] == "/data/5" and len(recent) == keys.MAX_RECENT
    assert recent.count("/data/5") == 1
    keys.remember_selection(settings, "/data/a", "x/clip.wav")
    settings.sync()
    assert keys.last_selection(settings, "/data/a") == "x/clip.wav"
    assert keys.read(settings, keys.AUTO_ADVANCE) is True  # the default when unset


def test_filter_box_filters_and_hands_keys_back_to_the_list(qtbot, window, clip_folder):
    open_and_wait(qtbot, window, clip_folder)
    _activate(qtbot, window)
    window.acts.find.trigger()
    assert window.clip_list.filter_edit.hasFocus()
    qtbot.keyClicks(window.clip_list.filter_edit, "chirp_00")
    qtbot.keyClick(window.clip_list.filter_edit, Qt.Key.Key_Return)
    assert window.model.rowCount() == 3
    assert window.clip_list.table.hasFocus()
    window.acts.find.trigger()
    qtbot.keyClick(window.clip_list.filter_edit, Qt.Key.Key_Escape)
    assert window.model.rowCount() == 12 and window.clip_list.filter_edit.text() == ""


def test_a_filter_that_shows_nothing_says_so_and_clearing_it_brings_the_clip_back(
        qtbot, window, clip_folder):
    """A filter matching no clip left a blank list and "No clip selected" (only the footer's
    "0 shown" told why), and clearing it brought back no clip: the view stayed empty."""
    open_and_wait(qtbot, window, clip_folder)
    show_row(qtbot, window, _row_of_path(window, "loose-a.wav"))
    table = window.clip_list.table
    assert table.empty_text() == ""
    window.clip_list.filter_edit.setText("no such clip")
    qtbot.waitUntil(lambda: window.model.rowCount() == 0, timeout=2000)
    assert table.empty_text().startswith("No clip is shown by this filter.")
    _activate(qtbot, window)
    window.acts.find.trigger()
    qtbot.keyClick(window.clip_list.filter_edit, Qt.Key.Key_Escape)
    assert window.model.rowCount() == 12 and table.empty_text() == ""
    assert window.model.record(table.currentIndex().row()).path == "loose-a.wav"
    qtbot.waitUntil(lambda: window.clip_view.data is not None
                    and window.clip_view.data.path.name == "loose-a.wav", timeout=5000)


def test_rows_arrive_in_batches_while_the_scan_runs(qtbot, window, clip_folder, monkeypatch):
    import core.store.scan
    from gui.clips import scan_worker as workers
    from gui.common import tasks

    monkeypatch.setattr(core.store.scan, "SCAN_BATCH", 4)
    monkeypatch.setattr(workers, "BATCH_ROWS", 4)
    monkeypatch.setattr(tasks, "EMIT_INTERVAL_S", 0.0)
    inserts: list[int] = []
    window.model.rowsInserted.connect(lambda _p, first, last: inserts.append(last - first + 1))
    progress_seen = []
    window.clip_list.progress.valueChanged.connect(progress_seen.append)
    open_and_wait(qtbot, window, clip_folder)
    assert len(inserts) >= 3 and sum(inserts) == 12 and max(inserts) <= 4
    assert progress_seen and not window.clip_list.progress.isVisible()
    assert not window.is_scanning()  # its results applied (its thread is joined at close)


def test_first_open_of_flat_names_shows_the_rule_and_another_can_be_applied_and_undone(
        qtbot, window, tmp_path):
    from gui.clips.name_rule_dialog import NameRuleDialog

    folder = tmp_path / "flat"
    for digit in range(3):
        for speaker in ("jackson", "theo"):
            for take in range(2):
                audio_factory.write(folder / f"{digit}_{speaker}_{take}.wav",
                                    audio_factory.tone(300.0 + 100 * digit, 0.1))
    open_and_wait(qtbot, window, folder)
    assert set(window.label_bar.buttons()) == {"0", "1", "2"}
    dialog = window.findChild(NameRuleDialog)
    assert dialog is not None and dialog.isVisible()
    assert "1st part" in dialog.current_label.text()
    assert dialog.table.rowCount() == 3  # the preview: 0, 1, 2 with their counts
    dialog.none_button.setChecked(True)
    dialog.apply_button.click()
    assert all(window.model.record(r).label is None for r in range(window.model.rowCount()))
    window.undo_stack.undo()
    assert {window.model.record(r).label for r in range(window.model.rowCount())} == {"0", "1", "2"}
    # A second open of the same project does not ask again.
    open_and_wait(qtbot, window, folder)
    assert not any(d.isVisible() for d in window.findChildren(NameRuleDialog) if d is not dialog)


def test_folder_labels_do_not_open_the_name_rule_dialog(qtbot, window, clip_folder):
    from gui.clips.name_rule_dialog import NameRuleDialog

    open_and_wait(qtbot, window, clip_folder)
    assert window.findChild(NameRuleDialog) is None


def test_labels_from_file_names_says_a_folder_of_class_folders_has_no_names_to_read(
        qtbot, window, tmp_path):
    """Its dialog previewed "The 0 files directly in this folder..." and "0 classes", with
    Apply on; a folder whose clips all lie in class folders has no names for it to read."""
    from gui.clips.name_rule_dialog import NameRuleDialog

    folder = audio_factory.make_class_folder(tmp_path / "classes", n_per_class=2)
    open_and_wait(qtbot, window, folder)
    window.acts.name_rule.trigger()
    assert window.findChild(NameRuleDialog) is None
    assert window.banner.text().startswith("Labels from File Names reads the files directly in "
                                           "the folder, and classes has none")
    # A filter showing no clip leaves them in their subfolders all the same.
    window.clip_list.filter_edit.setText("no clip is called this")
    qtbot.waitUntil(lambda: window.model.rowCount() == 0)
    window.acts.name_rule.trigger()
    assert window.banner.text().endswith("its clips lie in subfolders, which name their classes.")


def test_the_score_track_toggle_is_remembered(qtbot, make_window):
    first = make_window()
    assert first.acts.show_score_track.isChecked()
    first.acts.show_score_track.setChecked(False)
    first.close()
    assert not make_window().acts.show_score_track.isChecked()


def test_the_explain_toggle_is_remembered(qtbot, make_window):
    first = make_window()
    assert not first.acts.explain_prediction.isChecked()
    first.acts.explain_prediction.setChecked(True)
    first.close()
    assert make_window().acts.explain_prediction.isChecked()


def test_home_and_end_go_to_the_first_and_last_clip(qtbot, window, clip_folder):
    open_and_wait(qtbot, window, clip_folder)
    window.clip_list.select_row(3)
    _activate(qtbot, window)
    table = window.clip_list.table
    table.setFocus()
    qtbot.keyClick(table, Qt.Key.Key_End)
    assert table.currentIndex().row() == window.model.rowCount() - 1
    qtbot.keyClick(table, Qt.Key.Key_Home)
    assert table.currentIndex().row() == 0 and window.clip_list.selected_ids() == [
        window.model.record(0).id]


def test_a_store_deleted_while_open_is_said_when_the_window_looks_again(qtbot, window,
                                                                       clip_folder):
    """Labels went on into a store no longer there, with no word: a crash then lost them."""
    open_and_wait(qtbot, window, clip_folder)
    window.project.store_path.unlink()
    window.rescan()  # as F5, or coming back to the window
    assert "was deleted while the folder was open" in window.banner.text()
    assert "open the folder again" in window.banner.text()


def test_a_folder_deleted_with_its_store_says_to_export_and_one_moved_says_it_is_kept(
        qtbot, window, clip_folder, tmp_path):
    """After rm -rf of the folder the window said its labels were kept in its store."""
    import shutil

    open_and_wait(qtbot, window, clip_folder)
    moved = tmp_path / "moved"
    clip_folder.rename(moved)
    window.rescan()
    assert "is gone (moved, renamed or unplugged)" in window.banner.text()
    assert not window.project.store_deleted()
    shutil.rmtree(moved)
    window.rescan()
    assert "was deleted, and its store with it" in window.banner.text()
    assert "Export them first" in window.banner.text()
    assert window.project.store_deleted()


def test_the_model_menus_cancels_are_off_with_nothing_to_cancel(qtbot, window, clip_folder,
                                                                monkeypatch):
    """Cancel Training and Cancel Detection were always on: with nothing running they did
    nothing and said nothing."""
    open_and_wait(qtbot, window, clip_folder)
    acts, dock = window.acts, window.model_dock
    window.model_menu.aboutToShow.emit()
    assert not acts.cancel_training.isEnabled() and not acts.cancel_detection.isEnabled()
    monkeypatch.setattr(dock.controller, "is_training", lambda: True)
    monkeypatch.setattr(dock, "is_detecting", lambda: True)
    window.model_menu.aboutToShow.emit()
    assert acts.cancel_training.isEnabled() and acts.cancel_detection.isEnabled()


def test_accept_prediction_without_a_model_says_to_train_one(qtbot, window, clip_folder):
    """With no model at all it said "Select clips that have a prediction first."."""
    open_and_wait(qtbot, window, clip_folder)
    show_row(qtbot, window, _row_of_path(window, "loose-a.wav"))
    window.acts.accept_prediction.trigger()
    assert window.banner.text() == "No model has answered yet: train one (Ctrl+T) first."


def test_the_docks_train_buttons_are_off_with_no_folder_open(qtbot, window, clip_folder):
    """The Training tab's Train and the Classify tab's Train a Model were on with no folder
    open, while the toolbar's and the menu's Train were off."""
    dock = window.model_dock
    assert not dock.training.train_button.isEnabled()
    assert not dock.classify.train_button.isEnabled()
    open_and_wait(qtbot, window, clip_folder)
    assert dock.training.train_button.isEnabled() and dock.classify.train_button.isEnabled()


def test_redo_answers_ctrl_y_and_ctrl_shift_z_on_every_platform(window):
    """The README promised Redo on Ctrl+Y, which Linux's standard Redo keys do not hold."""
    keys = {k.toString() for k in window.acts.redo.shortcuts()}
    assert {"Ctrl+Shift+Z", "Ctrl+Y"} <= keys


def test_training_settings_offer_every_channel_of_the_folders_arrays(qtbot, window, tmp_path,
                                                                      monkeypatch):
    """Training Settings offered eight channels whatever the folder held: the searches offered
    a 12-channel array's twelve, Training Settings not."""
    import numpy as np

    from gui.model import dock as dock_module

    audio_factory.write(tmp_path / "array" / "a.wav", np.zeros((8000, 12), np.float32) + 0.01)
    audio_factory.write(tmp_path / "array" / "b.wav", audio_factory.tone(440.0, 0.5))
    open_and_wait(qtbot, window, tmp_path / "array")
    offered = []

    class Dialog:
        def __init__(self, config, parent, most_channels):
            offered.append(most_channels)

        def exec(self):
            return False

    monkeypatch.setattr(dock_module, "TrainSettingsDialog", Dialog)
    window.model_dock.edit_settings()
    assert offered == [12]
