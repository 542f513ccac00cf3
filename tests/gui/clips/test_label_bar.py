"""The label bar: it wraps instead of widening the window, shows keys and counts, and its
type-ahead reaches every class; keys stay with their classes."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QFocusEvent
from PySide6.QtWidgets import QApplication

from gui.clips.label_bar import MAX_ROWS, LabelBar
from tests import audio_factory
from tests.gui.helpers import open_and_wait


@dataclass(frozen=True)
class Info:
    name: str
    colour: str | None = "#4e79a7"
    shortcut: str | None = None


def _classes(n: int) -> list[Info]:
    keys = "1234567890"
    return [Info(f"class {i:02d}", shortcut=keys[i] if i < len(keys) else None) for i in range(n)]


def test_forty_classes_wrap_within_the_width_and_stay_labelled(qtbot):
    bar = LabelBar()
    qtbot.addWidget(bar)
    bar.set_classes(_classes(40))
    assert bar.minimumSizeHint().width() < 500  # it never sets the window's width
    bar.resize(900, 200)
    bar.show()
    qtbot.waitExposed(bar)
    buttons = list(bar.buttons().values())
    rows = {b.y() for b in buttons}
    assert len(rows) > 1
    for button in buttons:
        # Every button shows its whole text: no unlabelled colour chips.
        assert button.width() >= button.fontMetrics().horizontalAdvance(button.text())
        assert button.x() + button.width() <= bar.width()
    # Past MAX_ROWS rows the bar scrolls instead of growing.
    row_px = buttons[0].height()
    assert bar._area.height() <= MAX_ROWS * row_px + MAX_ROWS * 6


def test_buttons_show_key_name_and_count(qtbot):
    bar = LabelBar()
    qtbot.addWidget(bar)
    bar.set_classes([Info("cat", shortcut="1"), Info("dog", shortcut=None)])
    bar.set_counts({"cat": 115, "dog": 64, None: 3})
    assert bar.buttons()["cat"].text() == "1  cat  · 115"
    assert bar.buttons()["dog"].text() == "dog  · 64"
    assert "type its name" in bar.buttons()["dog"].toolTip()


def test_a_class_holding_a_newline_is_one_line_on_its_button(qtbot):
    # A stranger's labels file may name a class "cat\nkitten": the store keeps it as written;
    # the button showed it on two lines, taller than every other.
    bar = LabelBar()
    qtbot.addWidget(bar)
    bar.set_classes([Info("cat\nkitten", shortcut="1")])
    bar.set_counts({"cat\nkitten": 2})
    assert bar.buttons()["cat\nkitten"].text() == "1  cat?kitten  · 2"


def test_type_ahead_labels_an_existing_class_by_name_and_adds_a_new_one(qtbot):
    bar = LabelBar()
    qtbot.addWidget(bar)
    bar.set_classes(_classes(12))
    labelled, added, done = [], [], []
    bar.label_requested.connect(labelled.append)
    bar.class_added.connect(added.append)
    bar.typing_finished.connect(lambda: done.append(True))
    qtbot.keyClicks(bar.new_class_edit, "CLASS 11")
    qtbot.keyClick(bar.new_class_edit, Qt.Key.Key_Return)
    assert labelled == ["class 11"] and added == []  # class 11 has no key: reached by name
    qtbot.keyClicks(bar.new_class_edit, "owl")
    qtbot.keyClick(bar.new_class_edit, Qt.Key.Key_Return)
    assert added == ["owl"] and len(done) == 2
    model = bar.completer.completionModel()
    bar.completer.setCompletionPrefix("11")
    assert [model.index(r, 0).data() for r in range(model.rowCount())] == ["class 11"]


def test_a_name_typed_as_a_class_is_spelt_labels_with_that_class(qtbot):
    """With "dog" and "Dog" both classes, typing "Dog" labelled with "dog", the first alike
    with case aside. A class named in another Unicode form (a macOS folder's "café", its accent
    a character of its own) is found by the name typed on a keyboard, not added again."""
    bar = LabelBar()
    qtbot.addWidget(bar)
    nfd = "cafe\u0301"
    bar.set_classes([Info("dog"), Info("Dog"), Info(nfd)])
    labelled, added = [], []
    bar.label_requested.connect(labelled.append)
    bar.class_added.connect(added.append)
    for typed in ("Dog", "dog", "DOG"):
        qtbot.keyClicks(bar.new_class_edit, typed)
        qtbot.keyClick(bar.new_class_edit, Qt.Key.Key_Return)
    qtbot.keyClicks(bar.new_class_edit, "Dog")
    qtbot.keyClick(bar.new_class_edit, Qt.Key.Key_Return, Qt.KeyboardModifier.ShiftModifier)
    bar.new_class_edit.setText("caf\u00e9")  # QTest types no accented letter
    qtbot.keyClick(bar.new_class_edit, Qt.Key.Key_Return)
    assert labelled == ["Dog", "dog", "dog", "Dog", nfd] and added == []


def test_focus_handed_back_to_the_box_unasked_after_enter_is_passed_on(qtbot):
    """Keys typed faster than the completer's list opened and closed: the window, made active
    again as the list closed, gave the focus back to the box after Enter had sent it to the
    clip list, so the next class key typed a letter there ("L owl Enter" made a class "lowl")."""
    bar = LabelBar()
    qtbot.addWidget(bar)
    bar.set_classes(_classes(3))
    done = []
    bar.typing_finished.connect(lambda: done.append(True))
    box = bar.new_class_edit

    def focus_in(reason):
        QApplication.sendEvent(box, QFocusEvent(QEvent.Type.FocusIn, reason))

    focus_in(Qt.FocusReason.ActiveWindowFocusReason)  # the person's own typing: kept
    qtbot.wait(20)
    assert done == []
    qtbot.keyClicks(box, "owl")
    qtbot.keyClick(box, Qt.Key.Key_Return)
    assert done == [True]
    focus_in(Qt.FocusReason.ActiveWindowFocusReason)
    qtbot.waitUntil(lambda: done == [True, True], timeout=1000)
    focus_in(Qt.FocusReason.PopupFocusReason)
    qtbot.waitUntil(lambda: len(done) == 3, timeout=1000)
    focus_in(Qt.FocusReason.MouseFocusReason)  # a click in the box: typing again
    focus_in(Qt.FocusReason.ActiveWindowFocusReason)
    qtbot.wait(20)
    assert len(done) == 3
    # Back to typing (L) before the focus handed back unasked was passed on: it is not.
    qtbot.keyClick(box, Qt.Key.Key_Return)
    assert len(done) == 4
    focus_in(Qt.FocusReason.ActiveWindowFocusReason)
    focus_in(Qt.FocusReason.ShortcutFocusReason)
    qtbot.wait(20)
    assert len(done) == 4


def test_enter_after_a_few_letters_takes_the_class_they_begin(qtbot):
    # Before: "whi" and Enter added a class "whi" beside whistle (the README says: press L, type
    # a few letters, Enter).
    bar = LabelBar()
    qtbot.addWidget(bar)
    bar.set_classes([Info("whistle", shortcut="1"), Info("chirp", shortcut="2"),
                     Info("whip-poor-will", shortcut="3"), Info("barn owl", shortcut="4")])
    labelled, added, told, done = [], [], [], []
    bar.label_requested.connect(labelled.append)
    bar.class_added.connect(added.append)
    bar.message.connect(told.append)
    bar.typing_finished.connect(lambda: done.append(True))
    edit = bar.new_class_edit
    qtbot.keyClicks(edit, "CHI")
    qtbot.keyClick(edit, Qt.Key.Key_Return)
    assert labelled == ["chirp"] and added == [] and edit.text() == "" and len(done) == 1
    # Two classes begin so: neither is guessed, nothing is added, the letters stay to go on.
    qtbot.keyClicks(edit, "whi")
    qtbot.keyClick(edit, Qt.Key.Key_Return)
    assert labelled == ["chirp"] and added == [] and edit.text() == "whi" and len(done) == 1
    assert "whistle, whip-poor-will?" in told[-1] and "Shift+Enter" in told[-1]
    qtbot.keyClicks(edit, "s")
    qtbot.keyClick(edit, Qt.Key.Key_Return)
    assert labelled == ["chirp", "whistle"]
    # Shift+Enter adds what was typed; a name found only inside another's ("owl") is new.
    qtbot.keyClicks(edit, "whi")
    qtbot.keyClick(edit, Qt.Key.Key_Return, Qt.KeyboardModifier.ShiftModifier)
    qtbot.keyClicks(edit, "owl")
    qtbot.keyClick(edit, Qt.Key.Key_Return)
    assert added == ["whi", "owl"] and labelled == ["chirp", "whistle"]
    # The name in full is that class, Shift or not.
    qtbot.keyClicks(edit, "Barn Owl")
    qtbot.keyClick(edit, Qt.Key.Key_Return, Qt.KeyboardModifier.ShiftModifier)
    assert labelled[-1] == "barn owl" and added == ["whi", "owl"]


def _digit_folder(root, digits):
    for digit in digits:
        for i in range(2):
            audio_factory.write(root / str(digit) / f"take{i}.wav", audio_factory.tone(300.0 + 50 * i, 0.2))
    return root


def _activate(qtbot, window):
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window, timeout=2000)


def test_digit_classes_are_labelled_by_their_own_digit_and_keys_survive_a_removal(
        qtbot, window, tmp_path):
    folder = _digit_folder(tmp_path / "digits", range(10))
    audio_factory.write(folder / "loose.wav", audio_factory.tone(500.0, 0.2))
    open_and_wait(qtbot, window, folder)
    _activate(qtbot, window)
    assert {name: b.text().split()[0] for name, b in window.label_bar.buttons().items()} == {
        str(d): str(d) for d in range(10)}
    row = next(r for r in range(window.model.rowCount()) if window.model.record(r).path == "loose.wav")
    window.clip_list.select_row(row)
    window.clip_list.table.setFocus()
    qtbot.keyClick(window.clip_list.table, Qt.Key.Key_9)
    assert window.model.record(row).label == "9"
    qtbot.keyClick(window.clip_list.table, Qt.Key.Key_0)
    assert window.model.record(row).label == "0"
    # Removing class 2 frees key 2 and moves no other key.
    window.project.remove_class("2")
    window.labels.classes_edited(True)
    assert window.labels._key_to_class.get("2") is None
    qtbot.keyClick(window.clip_list.table, Qt.Key.Key_3)
    assert window.model.record(row).label == "3"
    qtbot.keyClick(window.clip_list.table, Qt.Key.Key_2)
    assert window.model.record(row).label == "3"  # key 2 labels nothing now


def test_counts_follow_every_label_edit_and_its_undo(qtbot, window, tmp_path):
    folder = _digit_folder(tmp_path / "digits", range(2))
    audio_factory.write(folder / "loose.wav", audio_factory.tone(500.0, 0.2))
    open_and_wait(qtbot, window, folder)
    assert window.label_bar.buttons()["1"].text().endswith("· 2")
    row = next(r for r in range(window.model.rowCount()) if window.model.record(r).path == "loose.wav")
    window.clip_list.select_row(row)
    window.labels.label_selection("1")
    assert window.label_bar.buttons()["1"].text().endswith("· 3")
    window.undo_stack.undo()
    assert window.label_bar.buttons()["1"].text().endswith("· 2")
