"""LabelBar: one button per class with its shortcut number, a Clear button and a new-class entry."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QHBoxLayout, QLabel, QLineEdit, QPushButton, QSizePolicy, QWidget


def shortcut_keys(classes: list[Any]) -> dict[str, str]:
    """Digit key for each class: its stored shortcut if it is 1-9, else the next free of 1..9."""
    keys: dict[str, str] = {}
    taken = set()
    for info in classes:
        if info.shortcut and info.shortcut in "123456789" and info.shortcut not in taken:
            keys[info.name] = info.shortcut
            taken.add(info.shortcut)
    free = [d for d in "123456789" if d not in taken]
    for info in classes:
        if info.name not in keys and free:
            keys[info.name] = free.pop(0)
    return keys


def _text_colour(background: QColor) -> str:
    return "#111111" if background.lightnessF() > 0.6 else "#ffffff"


class LabelBar(QWidget):
    """Emits ``label_requested(name)`` for a class button, ``label_requested(None)`` for Clear and
    ``class_added(name)`` when a new name is typed and Enter pressed."""

    label_requested = Signal(object)
    class_added = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("LabelBar")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)  # let the sheet paint it
        self._layout = QHBoxLayout(self)
        self._layout.setContentsMargins(8, 6, 8, 6)
        self._layout.setSpacing(6)
        self._buttons: dict[str, QPushButton] = {}
        self._caption = QLabel("Label")
        self._caption.setObjectName("LabelBarCaption")
        self._clear = QPushButton("0  Clear")
        self._clear.setObjectName("ClearLabelButton")
        self._clear.setToolTip("Clear the label of the selected clips (0 or Delete)")
        self._clear.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self._clear.clicked.connect(lambda: self.label_requested.emit(None))
        self.new_class_edit = QLineEdit()
        self.new_class_edit.setPlaceholderText("New class…")
        self.new_class_edit.setToolTip("Type a class name and press Enter to add it and label "
                                       "the selected clips with it")
        self.new_class_edit.setClearButtonEnabled(True)
        self.new_class_edit.setMaximumWidth(180)
        self.new_class_edit.returnPressed.connect(self._on_new_class_return)
        self.set_classes([])

    def buttons(self) -> dict[str, QPushButton]:
        """Class name -> its button (for tests and tooltips)."""
        return dict(self._buttons)

    def set_classes(self, classes: list[Any]) -> None:
        """Rebuild the buttons from ClassInfo-like objects (name, colour, shortcut), in order."""
        while self._layout.count():
            item = self._layout.takeAt(0)
            widget = item.widget()
            if widget is not None and widget not in (self._caption, self._clear,
                                                     self.new_class_edit):
                widget.deleteLater()
        self._buttons.clear()
        self._layout.addWidget(self._caption)
        keys = shortcut_keys(classes)
        for info in classes:
            key = keys.get(info.name)
            button = QPushButton(f"{key}  {info.name}" if key else info.name)
            button.setObjectName("ClassButton")
            button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            button.setSizePolicy(QSizePolicy.Policy.Maximum, QSizePolicy.Policy.Fixed)
            colour = QColor(info.colour or "#9aa0a6")
            button.setStyleSheet(
                f"QPushButton#ClassButton {{ background: {colour.name()}; "
                f"color: {_text_colour(colour)}; border-color: {colour.darker(125).name()}; }}"
                f"QPushButton#ClassButton:hover {{ background: {colour.lighter(110).name()}; }}"
                f"QPushButton#ClassButton:pressed {{ background: {colour.darker(110).name()}; }}")
            button.setToolTip(f"Label the selected clips as {info.name}"
                              + (f" ({key})" if key else ""))
            button.clicked.connect(lambda _=False, name=info.name: self.label_requested.emit(name))
            self._layout.addWidget(button)
            self._buttons[info.name] = button
        self._layout.addWidget(self._clear)
        self._layout.addStretch(1)
        self._layout.addWidget(self.new_class_edit)

    def _on_new_class_return(self) -> None:
        name = self.new_class_edit.text().strip()
        if name:
            self.new_class_edit.clear()
            self.class_added.emit(name)
