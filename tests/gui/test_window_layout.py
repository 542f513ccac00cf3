"""The window on a real screen: it opens inside the screen's room with 1 to 40 classes, shows
the prediction columns without scrolling sideways, starts with the keys on the clip list, names
unreadable files in words that fit, and refuses a second window on the same project."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QRect, Qt
from PySide6.QtGui import QFont, QFontMetrics
from PySide6.QtWidgets import QApplication

from core.audio import reading
from gui.clips.clip_columns import COLUMN_PX, GROWS_TO_PX, NAME_MIN_PX
from gui.clips.clip_table import (
    CONFIDENCE,
    FOLDER,
    LABEL,
    NAME,
    PREDICTION,
    REGIONS,
    STATUS,
)
from gui.clips.playback import PlaybackController
from gui.common import screen
from gui.common import settings as keys
from tests import audio_factory
from tests.gui.helpers import open_and_wait

STATUS_MENU = "Status (while a clip cannot be read)"
FOLDER_MENU = "Folder (where clips lie in subfolders)"


def _class_folder(root, n_classes: int):
    for i in range(n_classes):
        audio_factory.write(root / f"class {i:02d}" / "a.wav", audio_factory.tone(300.0 + 20 * i, 0.2))
    return root


@pytest.fixture
def screen_of(monkeypatch):
    """Pretend the screen's available room is ``width x height``."""

    def _set(width: int, height: int) -> QRect:
        room = QRect(0, 0, width, height)
        monkeypatch.setattr(screen, "available_geometry", lambda widget=None: room)
        return room

    return _set


def _new_window(qtbot, settings):
    from gui.main_window import MainWindow

    window = MainWindow(settings=settings, playback=PlaybackController(force_unavailable="tests"))
    qtbot.addWidget(window)
    window.show()
    return window


@pytest.mark.parametrize("size", [(1280, 720), (1600, 1000)])
@pytest.mark.parametrize("n_classes", [1, 10, 40])
def test_window_opens_inside_the_screen_whatever_the_classes(qtbot, settings, tmp_path,
                                                             screen_of, size, n_classes):
    room = screen_of(*size)
    window = _new_window(qtbot, settings)
    open_and_wait(qtbot, window, _class_folder(tmp_path / "clips", n_classes))
    QApplication.processEvents()
    assert window.minimumSizeHint().width() <= room.width()
    assert room.contains(window.frameGeometry())
    # Every class button is labelled in full and lies inside the window.
    for button in window.label_bar.buttons().values():
        assert button.width() >= button.fontMetrics().horizontalAdvance(button.text())
        assert button.mapTo(window, button.rect().topRight()).x() <= window.width()
    window.close()


def test_a_size_saved_on_a_bigger_screen_is_fitted_to_this_one(qtbot, settings, screen_of):
    big = _new_window(qtbot, settings)
    big.resize(2400, 1400)
    keys.write(settings, keys.GEOMETRY, big.saveGeometry())
    big.close()
    room = screen_of(1280, 720)
    window = _new_window(qtbot, settings)
    assert room.contains(window.frameGeometry())
    window.close()


# 1400 px: before, the clip view kept 45% of the room beside the Model dock and Status sat past
# the list's edge once Prediction and Confidence appeared.
@pytest.mark.parametrize("size", [(1400, 860), (1600, 1000)])
def test_prediction_and_status_columns_are_seen_without_scrolling(qtbot, window, clip_folder,
                                                                  size):
    window.resize(*size)
    open_and_wait(qtbot, window, clip_folder)
    QApplication.processEvents()
    records = [window.model.record(r) for r in range(window.model.rowCount())]
    window.model.set_predictions({r.id: ("tone", 0.8) for r in records})
    QApplication.processEvents()
    table = window.clip_list.table
    header = table.horizontalHeader()
    for column in (PREDICTION, CONFIDENCE, STATUS):
        assert not table.isColumnHidden(column)
        right = header.sectionViewportPosition(column) + header.sectionSize(column)
        assert 0 <= header.sectionViewportPosition(column) and right <= table.viewport().width()
    assert table.horizontalScrollBar().value() == 0
    assert table.horizontalScrollBar().maximum() == 0  # nothing past the edge to scroll to


def _digits_folder(root, broken: bool = False):
    for speaker in ("jackson", "nicolas"):
        for take in range(3):
            audio_factory.write(root / "0" / f"0_{speaker}_{take + 10}.wav",
                                audio_factory.tone(300.0, 0.3))
    if broken:
        audio_factory.write_broken(root / "notes.wav", "text")
    return root


def _in_view(table, column) -> bool:
    header = table.horizontalHeader()
    left = header.sectionViewportPosition(column)
    return 0 <= left and left + header.sectionSize(column) <= table.viewport().width()


def test_status_shows_only_while_a_clip_cannot_be_read(qtbot, window, tmp_path):
    # Before: Status took 84 px of "OK" on every row; at 1,400 px with Prediction, Confidence and
    # Regions shown, it sat past the list's edge and FSDD's names were cut to "0_jac...2.wav".
    folder = _digits_folder(tmp_path / "digits")
    window.resize(1400, 860)
    open_and_wait(qtbot, window, folder)
    table, model = window.clip_list.table, window.model
    assert table.isColumnHidden(STATUS)
    model.set_predictions({model.record(r).id: ("0", 0.9) for r in range(model.rowCount())})
    window.project.add_region(model.record(0).id, 0.1, 0.2, "0")
    window.labels.refresh_region_counts()
    QApplication.processEvents()
    metrics = table.fontMetrics()
    widest_name = max(metrics.horizontalAdvance(model.index(r, NAME).data())
                      for r in range(model.rowCount()))
    qtbot.waitUntil(lambda: table.columnWidth(NAME) >= widest_name + 12)  # "0_nicolas_12.wav"
    for column in (PREDICTION, CONFIDENCE, REGIONS):
        assert _in_view(table, column)
    assert table.horizontalScrollBar().maximum() == 0
    # A file that cannot be read turns up: Status appears, the list widened to hold it (at
    # 1,600 px: at 1,400, every column does not fit beside the view); once it reads, it goes.
    window.resize(1600, 1000)
    audio_factory.write_broken(folder / "notes.wav", "text")
    with qtbot.waitSignal(window.scan_finished, timeout=10_000):
        window.rescan()
    assert not table.isColumnHidden(STATUS)
    qtbot.waitUntil(lambda: _in_view(table, STATUS))
    assert table.horizontalScrollBar().maximum() == 0
    audio_factory.write(folder / "notes.wav", audio_factory.tone(300.0, 0.3))  # mended
    with qtbot.waitSignal(window.scan_finished, timeout=10_000):
        window.rescan()
    qtbot.waitUntil(lambda: table.isColumnHidden(STATUS))


def test_folder_shows_only_where_clips_lie_in_subfolders(qtbot, window, tmp_path):
    # Before: a night's recordings, all at the folder's root, kept an empty Folder column while
    # their names were cut to "2026....wav" once the model's columns appeared.
    folder = tmp_path / "night"
    for hour in (21, 22, 23):
        audio_factory.write(folder / f"20260601_{hour}0000.wav", audio_factory.tone(300.0, 0.3))
    window.resize(1400, 860)
    open_and_wait(qtbot, window, folder)
    table, model = window.clip_list.table, window.model
    assert table.isColumnHidden(FOLDER)
    model.set_predictions({model.record(r).id: ("owl", 0.9) for r in range(model.rowCount())})
    QApplication.processEvents()
    widest_name = max(table.fontMetrics().horizontalAdvance(model.index(r, NAME).data())
                      for r in range(model.rowCount()))
    qtbot.waitUntil(lambda: table.columnWidth(NAME) >= widest_name + 12)
    audio_factory.write(folder / "site2" / "20260602_210000.wav", audio_factory.tone(300.0, 0.3))
    with qtbot.waitSignal(window.scan_finished, timeout=10_000):
        window.rescan()
    assert not table.isColumnHidden(FOLDER)


def test_status_hidden_for_want_of_news_is_not_taken_for_a_choice(qtbot, settings, tmp_path):
    # The header's saved state hides Status when no clip had a problem: the next folder with an
    # unreadable file still shows it, where a person who hid it keeps it hidden (test below).
    window = _new_window(qtbot, settings)
    open_and_wait(qtbot, window, _digits_folder(tmp_path / "fine"))
    assert window.clip_list.table.isColumnHidden(STATUS)
    window.close()
    again = _new_window(qtbot, settings)
    open_and_wait(qtbot, again, _digits_folder(tmp_path / "bad", broken=True))
    assert not again.clip_list.table.isColumnHidden(STATUS)
    again.close()


def test_the_regions_column_appearing_widens_the_list_and_names_stay_whole(qtbot, window,
                                                                          clip_folder):
    window.resize(1600, 1000)
    open_and_wait(qtbot, window, clip_folder)
    QApplication.processEvents()
    table = window.clip_list.table
    assert table.isColumnHidden(REGIONS)
    record = window.model.record(0)
    window.project.add_region(record.id, 0.1, 0.2, "tone")
    window.labels.refresh_region_counts()  # as a region edit does
    QApplication.processEvents()
    assert not table.isColumnHidden(REGIONS)
    assert table.columnWidth(NAME) >= COLUMN_PX[NAME]  # seen whole, not cut to "tone_...1.wav"
    assert table.horizontalScrollBar().maximum() == 0


def test_at_1366_the_clip_view_gets_more_room_than_the_list(qtbot, window, tmp_path):
    """A night's recording in a list sized for names, durations and labels: the list took 520 px
    of 960 and the spectrogram of 40 minutes had 370."""
    audio_factory.write(tmp_path / "night" / "20260601_220000.wav", audio_factory.tone(440.0, 2.0))
    window.resize(1366, 768)
    open_and_wait(qtbot, window, tmp_path / "night")
    QApplication.processEvents()
    list_px, view_px = window.workspace.splitter.sizes()
    assert view_px > list_px + 100
    assert window.clip_list.table.horizontalScrollBar().maximum() == 0  # every column whole
    assert window.clip_list.table.columnWidth(NAME) >= COLUMN_PX[NAME]
    # A width the person chose stays through the next scan.
    splitter = window.workspace.splitter
    splitter.setSizes([330, list_px + view_px - 330])
    splitter.splitterMoved.emit(330, 1)  # as a drag of the handle says
    open_and_wait(qtbot, window, tmp_path / "night")
    assert splitter.sizes()[0] == 330


def _name_options(qtbot, window, folder, names, width_px: int = 0) -> dict:
    """Each of ``names`` (written to ``folder``, opened) -> its Name cell's style option as the
    column's delegate sets it, the cell ``width_px`` wide (0: no width, the list's own elide
    mode, ElideMiddle, as the start)."""
    from PySide6.QtWidgets import QStyleOptionViewItem

    for name in names:
        audio_factory.write(folder / name, audio_factory.tone(440.0, 0.2))
    open_and_wait(qtbot, window, folder)
    table = window.clip_list.table
    delegate = table.itemDelegateForColumn(NAME)
    options = {}
    for row in range(window.model.rowCount()):
        index = table.model().index(row, NAME)
        option = QStyleOptionViewItem()
        option.initFrom(table)
        option.textElideMode = Qt.TextElideMode.ElideMiddle  # the list's own
        option.rect = QRect(0, 0, width_px, 24)
        delegate.initStyleOption(option, index)
        options[index.data()] = option
    return options


def test_a_nights_files_keep_their_times_when_names_are_cut(qtbot, window, tmp_path):
    """Cut in the middle, 20260601_220000.wav and 20260601_224000.wav both read
    2026060…000.wav: a recorder's names are cut from the left, keeping the time."""
    options = _name_options(qtbot, window, tmp_path / "night", (
        "20260601_220000.wav", "20260601_224000.wav", "owl_call_number_one.wav"))
    assert {name: option.textElideMode for name, option in options.items()} == {
        "20260601_220000.wav": Qt.TextElideMode.ElideLeft,
        "20260601_224000.wav": Qt.TextElideMode.ElideLeft,
        "owl_call_number_one.wav": Qt.TextElideMode.ElideMiddle}


def test_recorders_files_of_one_night_keep_the_recorders_names_when_cut(qtbot, window,
                                                                       tmp_path):
    """Four recorders' files of one night, cut from the left in a narrow Name column, all read
    …_20260601_220000.wav; the recorder's name is kept and the date cut instead."""
    options = _name_options(qtbot, window, tmp_path / "night", (
        "ARU01_20260601_220000.wav", "ARU02_20260601_220000.wav", "20260601_224000.wav"),
        width_px=160)  # room for about 21 characters of 25
    for recorder in ("ARU01", "ARU02"):
        text = options[f"{recorder}_20260601_220000.wav"].text
        assert text.startswith(recorder + "…") and text.endswith("220000.wav"), text
    assert options["20260601_224000.wav"].text == "20260601_224000.wav"  # Qt cuts it from the left


def test_name_takes_the_width_the_other_columns_leave(qtbot, window, clip_folder):
    window.resize(1600, 1000)
    open_and_wait(qtbot, window, clip_folder)
    panel = window.clip_list
    table, header = panel.table, panel.table.horizontalHeader()

    def shown_px():
        return sum(header.sectionSize(c) for c in range(window.model.columnCount())
                   if not header.isSectionHidden(c))

    window.workspace.splitter.setSizes([800, 800])
    QApplication.processEvents()
    assert shown_px() == table.viewport().width()
    # A person widens Label: Name gives up the room, the row still ends at the list's edge.
    name_px = table.columnWidth(NAME)
    panel.columns.header_pressed(True)  # as a drag on the heading's edge begins
    table.setColumnWidth(LABEL, table.columnWidth(LABEL) + 40)
    panel.columns.header_pressed(False)
    assert table.columnWidth(NAME) == name_px - 40 and shown_px() == table.viewport().width()
    # Too narrow for every column: Name keeps its least width and the list scrolls sideways.
    window.workspace.splitter.setSizes([320, 1280])
    QApplication.processEvents()
    assert table.columnWidth(NAME) == NAME_MIN_PX
    assert table.horizontalScrollBar().maximum() > 0


def test_a_narrow_list_makes_the_other_columns_snug_so_names_show_whole(qtbot, window, tmp_path):
    # Before: once Prediction and Confidence appeared in a list too narrow for all, Name fell to
    # its least width, "0_jac...0.wav" for every take of a speaker, while Folder kept 72 px for
    # "0" and Confidence 92 px for "100%".
    folder = _digits_folder(tmp_path / "digits", broken=True)  # Status shown too
    window.resize(1600, 1000)
    open_and_wait(qtbot, window, folder)
    panel, table = window.clip_list, window.clip_list.table
    window.model.set_predictions({window.model.record(r).id: ("0", 1.0)
                                  for r in range(window.model.rowCount())})
    window.workspace.splitter.setSizes([640, 960])
    QApplication.processEvents()
    full_px = sum(COLUMN_PX[c] for c in COLUMN_PX if c != NAME and not table.isColumnHidden(c))
    metrics = table.fontMetrics()
    widest_name = max(metrics.horizontalAdvance(window.model.index(r, NAME).data())
                      for r in range(window.model.rowCount()))
    assert table.viewport().width() - full_px < widest_name + 12  # at their widths, names are cut
    qtbot.waitUntil(lambda: table.columnWidth(NAME) >= widest_name + 12)  # "0_nicolas_12.wav"
    assert table.horizontalScrollBar().maximum() == 0
    # Each heading still shows whole: its text in the stylesheet's weight, and 6 px each side.
    bold = QFont(table.horizontalHeader().font())
    bold.setWeight(QFont.Weight.DemiBold)
    for column in range(window.model.columnCount()):
        if column != NAME and not table.isColumnHidden(column):
            heading = window.model.headerData(column, Qt.Orientation.Horizontal)
            assert table.columnWidth(column) >= QFontMetrics(bold).horizontalAdvance(heading) + 12
    # A longer label than any before: its column widens to hold it (up to its width with room),
    # Name giving up the room.
    snug_label_px = table.columnWidth(LABEL)
    panel.select_row(0)
    window.labels.label_selection("zero_said_slowly")
    qtbot.waitUntil(lambda: table.columnWidth(LABEL) == COLUMN_PX[LABEL])
    assert snug_label_px < COLUMN_PX[LABEL] and table.horizontalScrollBar().maximum() == 0


def test_a_narrow_lists_snug_columns_hold_their_cells_whole(qtbot, window, tmp_path):
    # Before: a person's "dog" (bold, after its swatch) read "..." and "Unreadable" "Unr...ble"
    # under a real window's style (looked at under xvfb-run; offscreen, the old padding held):
    # the padding allowed was under what Qt's item view draws. Qt's own measure is the judge.
    folder = _digits_folder(tmp_path / "digits", broken=True)
    window.resize(1400, 860)
    open_and_wait(qtbot, window, folder)
    model, table = window.model, window.clip_list.table
    ids = [model.record(r).id for r in range(model.rowCount())]
    window.clip_list.select_ids(ids[:3], ids[0])
    window.labels.label_selection("dog")
    model.set_predictions({i: ("dog", 0.9) for i in ids})
    window.workspace.splitter.setSizes([340, 1060])
    QApplication.processEvents()
    qtbot.wait(200)  # the columns follow the rows' words
    assert table.horizontalScrollBar().maximum() > 0  # too narrow for all: snug
    for column in (LABEL, STATUS):
        assert table.columnWidth(column) >= table.sizeHintForColumn(column), column


def test_header_menu_hides_optional_columns_and_the_choice_is_kept(qtbot, settings, clip_folder):
    window = _new_window(qtbot, settings)
    window.resize(1280, 800)
    open_and_wait(qtbot, window, clip_folder)
    panel = window.clip_list
    table = panel.table
    QApplication.processEvents()
    panel.column_menu.aboutToShow.emit()  # as the right-click opens it
    menu = {action.text(): action for action in panel.column_menu.actions()}
    assert set(menu) == {FOLDER_MENU, "Duration", STATUS_MENU}
    assert all(action.isChecked() for action in menu.values())
    menu[STATUS_MENU].trigger()
    assert table.isColumnHidden(STATUS)
    others = sum(table.columnWidth(c) for c in range(window.model.columnCount())
                 if c != NAME and not table.isColumnHidden(c))
    assert table.columnWidth(NAME) == max(NAME_MIN_PX, table.viewport().width() - others)  # its room
    panel.columns.header_pressed(True)  # a person drags Label's edge: that width is theirs
    table.setColumnWidth(LABEL, 150)
    panel.columns.header_pressed(False)
    window.close()  # saves the header
    again = _new_window(qtbot, settings)
    open_and_wait(qtbot, again, clip_folder)
    assert again.clip_list.table.isColumnHidden(STATUS)
    assert again.clip_list.columns.person_sized == {LABEL}
    assert again.clip_list.table.columnWidth(LABEL) == 150
    again.clip_list.column_menu.aboutToShow.emit()
    shown = {a.text(): a.isChecked() for a in again.clip_list.column_menu.actions()}
    assert shown == {FOLDER_MENU: True, "Duration": True, STATUS_MENU: False}
    again.close()


def test_status_hidden_in_a_header_saved_before_hidden_columns_stays_hidden(qtbot, settings,
                                                                            clip_folder):
    # Settings from before window/hidden_columns: the header's own state says what was hidden.
    window = _new_window(qtbot, settings)
    open_and_wait(qtbot, window, clip_folder)  # a broken file: Status shown
    window.clip_list.show_column(STATUS, False)
    window.close()
    settings.remove(keys.HIDDEN_COLUMNS.name)
    again = _new_window(qtbot, settings)
    open_and_wait(qtbot, again, clip_folder)
    assert again.clip_list.columns.person_hidden == {STATUS}
    assert again.clip_list.table.isColumnHidden(STATUS)
    again.close()


def test_keys_start_on_the_clip_list_with_the_first_clip_selected(qtbot, window, clip_folder):
    open_and_wait(qtbot, window, clip_folder)
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window, timeout=2000)
    assert QApplication.focusWidget() is window.clip_list.table
    assert window.clip_list.current_id() >= 0 and len(window.clip_list.selected_ids()) == 1
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_5)
    assert window.clip_list.filter_edit.text() == ""
    # Esc in the filter box hands the keys back to the list.
    window.clip_list.filter_edit.setFocus()
    qtbot.keyClicks(window.clip_list.filter_edit, "ton")
    qtbot.keyClick(window.clip_list.filter_edit, Qt.Key.Key_Escape)
    assert QApplication.focusWidget() is window.clip_list.table


def test_status_column_names_the_problem_in_words_that_fit(qtbot, window, tmp_path):
    folder = tmp_path / "bad"
    audio_factory.write(folder / "fine.wav", audio_factory.tone(440.0, 0.2))
    (folder / "empty.wav").write_bytes(b"")
    audio_factory.write_broken(folder / "notes.wav", "text")
    (folder / "gone.wav").symlink_to(folder / "nowhere.wav")  # "Brok…link" in 84 px before
    nan = audio_factory.tone(440.0, 0.2)
    nan[10] = float("nan")
    audio_factory.write(folder / "nan.wav", nan, subtype="FLOAT")
    open_and_wait(qtbot, window, folder)
    window.clip_list.select_row(next(r for r in range(window.model.rowCount())
                                     if window.model.record(r).path == "nan.wav"))
    qtbot.waitUntil(lambda: any((window.model.record(r).error or "").startswith(reading.NON_FINITE)
                                for r in range(window.model.rowCount())), timeout=10_000)
    table = window.clip_list.table
    texts = {}

    def fits(row):
        text = window.model.index(row, STATUS).data()
        return table.fontMetrics().horizontalAdvance(text) + 12 <= table.columnWidth(STATUS)

    for row in range(window.model.rowCount()):
        index = window.model.index(row, STATUS)
        texts[window.model.record(row).path] = index.data()
        qtbot.waitUntil(lambda row=row: fits(row))  # the columns follow the rows' words
        assert index.data(Qt.ItemDataRole.ToolTipRole)  # the whole reason on hover
    assert texts == {"fine.wav": "OK", "empty.wav": "Empty file", "notes.wav": "Not audio",
                     "gone.wav": "Broken link", "nan.wav": "NaN/Inf samples"}


def test_a_long_class_name_is_seen_whole_where_the_list_has_room(qtbot, window, tmp_path):
    """Classes named as birders name them read "com…nch" in a Label column of 104 px while
    Name had room to spare."""
    folder = tmp_path / "birds"
    for name in ("common_chaffinch", "great_spotted_woodpecker"):
        audio_factory.write(folder / name / "a.wav", audio_factory.tone(440.0, 0.2))
    window.resize(1366, 768)
    open_and_wait(qtbot, window, folder)
    table = window.clip_list.table
    bold = QFont(table.font())
    bold.setBold(True)
    widest = QFontMetrics(bold).horizontalAdvance("common_chaffinch")

    def fits():
        return widest + 30 <= table.columnWidth(LABEL)  # its swatch and padding too

    qtbot.waitUntil(fits)
    assert table.columnWidth(NAME) >= COLUMN_PX[NAME]  # not at the names' cost
    assert table.columnWidth(LABEL) <= GROWS_TO_PX[LABEL]  # a longer name is cut


def test_a_second_window_on_the_same_project_says_so_and_stays_out(qtbot, make_window,
                                                                    clip_folder, tmp_path):
    first, second = make_window(), make_window()
    open_and_wait(qtbot, first, clip_folder)
    assert not second.open_folder(clip_folder)
    assert second.project is None
    assert "already open in another Earmark window" in second.banner.text()
    # Reopening it in the window that has it is fine; closing it frees it for the other.
    open_and_wait(qtbot, first, clip_folder)
    other = audio_factory.make_class_folder(tmp_path / "other", n_per_class=1)
    open_and_wait(qtbot, first, other)
    open_and_wait(qtbot, second, clip_folder)
    assert second.project is not None


def test_a_deep_path_and_every_panel_leave_the_window_inside_1280(qtbot, settings, tmp_path,
                                                                   screen_of):
    room = screen_of(1280, 720)
    deep = "a_rather_long_folder_name_for_field_recordings/" * 4 + "x" * 80 + ".wav"
    folder = tmp_path / "deep"
    audio_factory.write(folder / deep, audio_factory.tone(300.0, 0.3))
    window = _new_window(qtbot, settings)
    open_and_wait(qtbot, window, folder)
    qtbot.waitUntil(lambda: window.clip_view.title_label.full_text() != "", timeout=10_000)
    QApplication.processEvents()
    assert window.minimumSizeHint().width() <= room.width()
    # No label in the window asks for more width than a short sentence: long texts wrap or cut.
    from PySide6.QtWidgets import QLabel, QSizePolicy

    for label in window.findChildren(QLabel):
        ignored = label.sizePolicy().horizontalPolicy() == QSizePolicy.Policy.Ignored
        if label.isVisibleTo(window) and not label.wordWrap() and not ignored:
            assert label.minimumSizeHint().width() <= 360, (label.objectName(), label.text())
    window.close()


def test_a_list_width_nobody_chose_is_fitted_in_later_sessions_too(qtbot, make_window, tmp_path):
    """Whether a person chose the list's width was read from the splitter's stored state, which
    every close stores: from the second session on, a scan never widened the list again. The
    choice itself is kept now, a drag's and a session's without one alike."""
    audio_factory.write(tmp_path / "night" / "20260601_220000.wav", audio_factory.tone(440.0, 1.0))
    first = make_window()
    open_and_wait(qtbot, first, tmp_path / "night")
    first.close()
    again = make_window()
    assert not again.workspace.list_width_chosen
    again.workspace.splitter.splitterMoved.emit(330, 1)  # a drag of the handle
    again.close()
    assert make_window().workspace.list_width_chosen


def test_a_wide_list_from_a_bigger_screen_leaves_the_view_its_share_on_a_smaller_one(
        qtbot, make_window, tmp_path):
    """A 620 px list chosen at 1920 px was put back as it was at 1366: the splitter took all the
    room it lost from the clip view, which kept about 260 px."""
    from gui.clips.workspace import MIN_VIEW_SHARE

    audio_factory.write(tmp_path / "night" / "20260601_220000.wav", audio_factory.tone(440.0, 1.0))
    first = make_window()
    first.resize(1900, 900)
    open_and_wait(qtbot, first, tmp_path / "night")
    splitter = first.workspace.splitter
    room_px = sum(splitter.sizes())
    splitter.setSizes([620, room_px - 620])
    splitter.splitterMoved.emit(620, 1)  # a drag of the handle
    first.close()
    again = make_window()
    again.resize(1366, 768)
    again.show()
    QApplication.processEvents()
    list_px, view_px = again.workspace.splitter.sizes()
    assert view_px >= int(MIN_VIEW_SHARE * (list_px + view_px)) - 1, (list_px, view_px)
    assert list_px >= again.clip_list.minimumWidth()
    again.close()


def test_a_narrower_window_takes_from_the_list_a_wider_one_leaves_a_chosen_width(
        qtbot, window, tmp_path):
    """One step narrower gives the clip view its share back (the splitter's sizes were read
    before it was laid out anew), and a wider window leaves a list a person dragged wide as
    it is (it was snapped back to 60%)."""
    from gui.clips.workspace import MIN_VIEW_SHARE

    audio_factory.write(tmp_path / "night" / "20260601_220000.wav", audio_factory.tone(440.0, 1.0))
    window.resize(1800, 900)
    open_and_wait(qtbot, window, tmp_path / "night")
    QApplication.processEvents()
    splitter = window.workspace.splitter
    room_px = sum(splitter.sizes())
    chosen_px = int(0.7 * room_px)
    splitter.setSizes([chosen_px, room_px - chosen_px])
    splitter.splitterMoved.emit(chosen_px, 1)  # a drag of the handle
    window.resize(1820, 900)
    QApplication.processEvents()
    assert splitter.sizes()[0] == chosen_px
    window.resize(1000, 700)
    QApplication.processEvents()
    list_px, view_px = splitter.sizes()
    assert view_px >= int(MIN_VIEW_SHARE * (list_px + view_px)) - 1, (list_px, view_px)
