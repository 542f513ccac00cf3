"""LabelBar: a button per class (its key, name and clip count) that wraps onto more rows and
scrolls past three, a Clear button, and a type-ahead box that labels with any class by name or
adds a new one. It never asks for more width than one button: the window decides its width."""

from __future__ import annotations

import unicodedata
from typing import Any

from PySide6.QtCore import QEvent, QObject, QStringListModel, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QKeyEvent
from PySide6.QtWidgets import (
    QCompleter,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QWidget,
)

from gui.common.elided_label import one_line
from gui.common.flow_layout import FlowLayout

#: Rows of class buttons shown before the bar scrolls.
MAX_ROWS = 3


def _match_key(name: str) -> str:
    """How a typed name is matched to a class: case aside, and in one Unicode form (the store
    keeps names composed, "café" with its accent on its letter; a name pasted from a macOS
    folder's may come decomposed, the accent a letter of its own)."""
    return unicodedata.normalize("NFC", name).casefold()


def _text_colour(background: QColor) -> str:
    return "#111111" if background.lightnessF() > 0.6 else "#ffffff"


class _ButtonArea(QScrollArea):
    """The class buttons in a FlowLayout, as tall as their rows up to MAX_ROWS, then scrolling."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("ClassButtonArea")
        self.setWidgetResizable(True)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)
        # No Tab stop: its buttons take none (the class keys label), so it held the keys unseen.
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.inner = QWidget()
        self.inner.setObjectName("ClassButtons")
        self.flow = FlowLayout(self.inner)
        self.setWidget(self.inner)
        self.viewport().setAutoFillBackground(False)

    def fit_height(self) -> None:
        """Be as tall as the rows the buttons need at this width, at most MAX_ROWS of them."""
        width = max(self.viewport().width(), 1)
        needed = self.flow.heightForWidth(width)
        row = max((self.flow.itemAt(i).sizeHint().height() for i in range(self.flow.count())),
                  default=0)
        limit = MAX_ROWS * row + (MAX_ROWS - 1) * 6
        self.setFixedHeight(max(min(needed, limit), row))

    def resizeEvent(self, event) -> None:  # noqa: N802 (Qt override)
        super().resizeEvent(event)
        self.fit_height()

    def minimumSizeHint(self):  # noqa: N802
        hint = super().minimumSizeHint()
        hint.setWidth(80)  # never the sum of the buttons
        return hint


class _TypeAhead(QLineEdit):
    """The label bar's name box; ``return_modifiers``: the keyboard modifiers held with the last
    Enter (also when the completer's popup passes the key on, past any event filter).
    ``left``: the person finished typing here (Enter, Escape); the focus that the window or the
    completer's closing list then hands back to the box, unasked, is passed on with
    ``focus_returned`` (keys typed faster than the list opened and closed: the next class key
    typed a letter into the box, and "L owl Enter" made a class "lowl")."""

    return_modifiers = Qt.KeyboardModifier.NoModifier
    focus_returned = Signal()
    left = False
    _UNASKED = (Qt.FocusReason.ActiveWindowFocusReason, Qt.FocusReason.PopupFocusReason)

    def focusInEvent(self, event) -> None:  # noqa: N802 (Qt override)
        super().focusInEvent(event)
        if self.left and event.reason() in self._UNASKED:
            QTimer.singleShot(0, self._pass_on)
        else:
            self.left = False

    def _pass_on(self) -> None:
        """Hand the focus on, unless the person came back to type (L) before this ran."""
        if self.left:
            self.focus_returned.emit()

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 (Qt override)
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self.return_modifiers = event.modifiers()
        super().keyPressEvent(event)


class LabelBar(QWidget):
    """Emits ``label_requested(name)`` for a class button or a class chosen by name,
    ``label_requested(None)`` for Clear, ``class_added(name)`` when a new name is typed and Enter
    pressed, ``typing_finished()`` when the type-ahead is done (Enter or Escape), so the keys can
    go back to the clip list, and ``message(text)`` when Enter cannot tell which class is meant.

    Enter takes the class named as typed, else the one class whose name begins so ("whi":
    whistle), else adds a class; Shift+Enter adds what was typed as a class all the same."""

    label_requested = Signal(object)
    class_added = Signal(str)
    typing_finished = Signal()
    message = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("LabelBar")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)  # let the sheet paint it
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Maximum)
        self._buttons: dict[str, QPushButton] = {}
        self._classes: list[Any] = []
        self._counts: dict[str | None, int] = {}
        self._caption = QLabel("Label")
        self._caption.setObjectName("LabelBarCaption")
        self._area = _ButtonArea()
        self._clear = QPushButton("Clear")
        self._clear.setObjectName("ClearLabelButton")
        self._clear.setToolTip("Clear the label of the selected clips (Delete or Backspace)")
        self._clear.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self._clear.clicked.connect(lambda: self.label_requested.emit(None))
        self.new_class_edit = _TypeAhead()
        self.new_class_edit.setObjectName("ClassTypeAhead")
        self.new_class_edit.setPlaceholderText("Class name… (L)")
        self.new_class_edit.setToolTip(
            "Type a class's name, or its first letters, and press Enter to label the selected "
            "clips with it; a new name adds a class (Shift+Enter adds it even where a class's "
            "name begins so). Esc goes back to the list.")
        self.new_class_edit.setClearButtonEnabled(True)
        self.new_class_edit.setMinimumWidth(120)
        self.new_class_edit.setMaximumWidth(200)
        self.new_class_edit.returnPressed.connect(self._on_new_class_return)
        self.new_class_edit.focus_returned.connect(self.typing_finished)
        self.new_class_edit.installEventFilter(self)
        self._names_model = QStringListModel(self)
        self.completer = QCompleter(self._names_model, self)
        self.completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.completer.setFilterMode(Qt.MatchFlag.MatchContains)
        self.completer.setCompletionMode(QCompleter.CompletionMode.PopupCompletion)
        self.new_class_edit.setCompleter(self.completer)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(8, 6, 8, 6)
        layout.setSpacing(8)
        layout.addWidget(self._caption, 0, Qt.AlignmentFlag.AlignTop)
        layout.addWidget(self._area, 1, Qt.AlignmentFlag.AlignTop)
        layout.addWidget(self.new_class_edit, 0, Qt.AlignmentFlag.AlignTop)
        layout.addWidget(self._clear, 0, Qt.AlignmentFlag.AlignTop)
        self.set_classes([])

    def buttons(self) -> dict[str, QPushButton]:
        """Class name -> its button (for tests and tooltips)."""
        return dict(self._buttons)

    def set_classes(self, classes: list[Any]) -> None:
        """Rebuild the buttons from ClassInfo-like objects (name, colour, shortcut), in order."""
        flow = self._area.flow
        while flow.count():
            item = flow.takeAt(0)
            if item.widget() is not None:
                item.widget().deleteLater()
        self._buttons.clear()
        self._classes = list(classes)
        for info in classes:
            button = QPushButton()
            button.setObjectName("ClassButton")
            button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            colour = QColor(info.colour or "#9aa0a6")
            button.setStyleSheet(
                f"QPushButton#ClassButton {{ background: {colour.name()}; "
                f"color: {_text_colour(colour)}; border-color: {colour.darker(125).name()}; }}"
                f"QPushButton#ClassButton:hover {{ background: {colour.lighter(110).name()}; }}"
                f"QPushButton#ClassButton:pressed {{ background: {colour.darker(110).name()}; }}")
            button.clicked.connect(lambda _=False, name=info.name: self.label_requested.emit(name))
            flow.addWidget(button)
            self._buttons[info.name] = button
        self._names_model.setStringList([c.name for c in classes])
        self._update_texts()

    def set_counts(self, counts: dict[str | None, int]) -> None:
        """Clips and regions per class (None: unlabeled clips), shown on each button."""
        self._counts = dict(counts)
        self._update_texts()

    def _update_texts(self) -> None:
        for info in self._classes:
            button = self._buttons[info.name]
            count = self._counts.get(info.name, 0)
            # A digit class on its own digit needs it written once.
            key = f"{info.shortcut}  " if info.shortcut and info.shortcut != info.name else ""
            button.setText(f"{key}{one_line(info.name)}  · {count:,}")
            how = f"press {info.shortcut}" if info.shortcut else "type its name in the box"
            button.setToolTip(f"Label the selected clips as {info.name} ({how}); "
                              f"{count:,} clip{'s' if count != 1 else ''} and regions carry it")
            button.adjustSize()
        self._area.flow.invalidate()
        self._area.fit_height()

    def focus_type_ahead(self) -> None:
        """Put the keys in the class-name box (the L key)."""
        self.new_class_edit.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.new_class_edit.selectAll()

    def _on_new_class_return(self) -> None:
        text = self.new_class_edit.text().strip()
        if text:
            add = bool(self.new_class_edit.return_modifiers & Qt.KeyboardModifier.ShiftModifier)
            names = [c.name for c in self._classes]
            key = _match_key(text)
            # "Dog" beside "dog" is its own class: the name as typed first.
            exact = [n for n in names if n == text] or [n for n in names if _match_key(n) == key]
            begun = [n for n in names if _match_key(n).startswith(key)]
            if exact or (begun and not add):
                if not exact and len(begun) > 1:  # "whi": whistle or whip-poor-will?
                    self.message.emit(f"{one_line(text)}: {', '.join(map(one_line, begun[:4]))}"
                                      f"{'…' if len(begun) > 4 else ''}? Type more letters, or "
                                      f"Shift+Enter to add {one_line(text)} as a class")
                    return
                self.new_class_edit.clear()
                self.label_requested.emit((exact or begun)[0])
            else:
                self.new_class_edit.clear()
                self.class_added.emit(text)
        self._finish_typing()

    def _finish_typing(self) -> None:
        self.new_class_edit.left = True
        self.typing_finished.emit()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802
        if (watched is self.new_class_edit and event.type() == QEvent.Type.KeyPress
                and isinstance(event, QKeyEvent) and event.key() == Qt.Key.Key_Escape
                and not self.completer.popup().isVisible()):
            self.new_class_edit.clear()
            self._finish_typing()
            return True
        return super().eventFilter(watched, event)
