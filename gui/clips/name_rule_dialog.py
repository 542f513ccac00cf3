"""NameRuleDialog: which part of the file names labels the files directly in a project's folder, with a
preview of the classes each choice gives; and ApplyNameRuleCommand, the undoable change it leads to."""

from __future__ import annotations

import html
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QButtonGroup,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QGridLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QRadioButton,
    QStackedWidget,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from core.errors import EarmarkError
from core.store.name_rules import (
    NO_NAME_RULE,
    PREFIX_RULE,
    NamePreview,
    NameRule,
    preview_name_rule,
    token_rules,
)
from gui.clips.commands import _StoreCommand

#: Rows the preview lists; a rule giving more classes than this is rarely the one wanted.
MAX_PREVIEW_ROWS = 200
_ERROR_COLOUR = "#c0392b"


def _classes_text(n: int) -> str:
    return f"{n:,} class{'es' if n != 1 else ''}"


class NameRuleDialog(QDialog):
    """Shows the file-name rule ``project`` uses, in words, and a preview of the classes and counts
    a rule gives over the names of the files directly in its folder (``project.root_stems()``,
    read once). The person picks a part of the name (each choice says how many classes it
    gives), a regular expression (previewed as they type; a bad one shows why, in red), or no
    file-name labels. The dialog never writes to the store: Apply emits ``rule_chosen(rule)``
    and closes; :meth:`chosen_rule` says what is picked."""

    rule_chosen = Signal(object)  # NameRule

    def __init__(self, project: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Labels from File Names")
        self.setMinimumSize(460, 420)
        self._stems = project.root_stems()
        self.current_rule: NameRule = project.name_rule()

        self.current_label = QLabel()
        self.current_label.setWordWrap(True)
        self.part_button = QRadioButton("Part of the name:")
        self.regex_button = QRadioButton("Regular expression:")
        self.none_button = QRadioButton("No file-name labels")
        self._kinds = QButtonGroup(self)
        for button in (self.part_button, self.regex_button, self.none_button):
            self._kinds.addButton(button)
        self.part_combo = QComboBox()
        self.regex_edit = QLineEdit()
        self.regex_edit.setPlaceholderText(r"e.g. ^(?P<label>[a-z]+)_  (group “label”, else group 1)")
        self.error_label = QLabel()
        self.error_label.setWordWrap(True)
        self.error_label.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        self.error_label.setStyleSheet(f"color: {_ERROR_COLOUR};")
        self.table = QTableWidget(0, 2)
        self.table.setTabKeyNavigation(False)  # Tab moves on, not cell to cell
        self.table.setHorizontalHeaderLabels(["Class", "Files"])
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.table.verticalHeader().hide()
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        self.summary_label = QLabel()
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Apply
                                        | QDialogButtonBox.StandardButton.Cancel)
        self.apply_button = self.buttons.button(QDialogButtonBox.StandardButton.Apply)
        self.apply_button.clicked.connect(self._on_apply_clicked)
        self.buttons.rejected.connect(self.reject)

        choices = QGridLayout()
        choices.addWidget(self.part_button, 0, 0)
        choices.addWidget(self.part_combo, 0, 1)
        choices.addWidget(self.regex_button, 1, 0)
        choices.addWidget(self.regex_edit, 1, 1)
        choices.addWidget(self.none_button, 2, 0, 1, 2)
        choices.setColumnStretch(1, 1)
        layout = QVBoxLayout(self)
        layout.addWidget(self.current_label)
        layout.addLayout(choices)
        # A bad expression's error takes the table's place, so nothing else moves.
        self.preview = QStackedWidget()
        self.preview.addWidget(self.table)
        self.preview.addWidget(self.error_label)
        layout.addWidget(self.preview, 1)
        layout.addWidget(self.summary_label)
        layout.addWidget(self.buttons)

        self._fill_parts()
        self._show_current()
        self._kinds.buttonToggled.connect(self._on_choice_changed)
        self.part_combo.currentIndexChanged.connect(self._on_part_chosen)
        self.regex_edit.textChanged.connect(self._on_regex_edited)
        self._refresh()

    # ----------------------------------------------------------------- what is picked

    def chosen_rule(self) -> NameRule | None:
        """The rule picked now; None while the regular expression is not a valid one."""
        if self.none_button.isChecked():
            return NO_NAME_RULE
        if self.regex_button.isChecked():
            try:
                return NameRule.regex(self.regex_edit.text())
            except EarmarkError:
                return None
        return self.part_combo.currentData()

    def _fill_parts(self) -> None:
        """One entry per part rule (and the prefix rule), each saying what it gives."""
        rules = [*token_rules(self._stems), PREFIX_RULE]
        if self.current_rule.kind == "token" and self.current_rule not in rules:
            rules.insert(0, self.current_rule)
        for rule in rules:
            n = len(preview_name_rule(rule, self._stems).counts)
            self.part_combo.addItem(f"{rule.title()} → {_classes_text(n)}", rule)

    def _show_current(self) -> None:
        rule = self.current_rule
        self.current_label.setText(
            f"The {len(self._stems):,} files directly in this folder are labelled by "
            f"<b>{html.escape(rule.describe())}</b>. Pick another rule to relabel them; labels set by hand, "
            "by a CSV, by class folders or by a model stay.")
        if rule.kind == "none":
            self.none_button.setChecked(True)
        elif rule.kind == "regex":
            self.regex_edit.setText(rule.pattern)
            self.regex_button.setChecked(True)
        else:
            self.part_combo.setCurrentIndex(next(
                i for i in range(self.part_combo.count()) if self.part_combo.itemData(i) == rule))
            self.part_button.setChecked(True)

    # ----------------------------------------------------------------- slots

    def _on_choice_changed(self, _button: QRadioButton, checked: bool) -> None:
        if checked:
            self._refresh()

    def _on_part_chosen(self, _index: int) -> None:
        self.part_button.setChecked(True)
        self._refresh()

    def _on_regex_edited(self, _text: str) -> None:
        self.regex_button.setChecked(True)
        self._refresh()

    def _on_apply_clicked(self) -> None:
        rule = self.chosen_rule()
        if rule is not None:
            self.rule_chosen.emit(rule)
            self.accept()

    # ----------------------------------------------------------------- the preview

    def _refresh(self) -> None:
        """The preview of the rule picked, or in red why a regular expression is no rule."""
        error = ""
        if self.regex_button.isChecked():
            try:
                NameRule.regex(self.regex_edit.text())
            except EarmarkError as exc:
                error = str(exc)
        rule = self.chosen_rule()
        self.error_label.setText(error)
        self.preview.setCurrentWidget(self.error_label if error else self.table)
        self.summary_label.setVisible(not error)
        self.apply_button.setEnabled(rule is not None)
        if rule is not None:
            self._show_preview(preview_name_rule(rule, self._stems))

    def _show_preview(self, preview: NamePreview) -> None:
        rows = list(preview.counts.items())[:MAX_PREVIEW_ROWS]
        self.table.setRowCount(len(rows))
        for row, (name, count) in enumerate(rows):
            self.table.setItem(row, 0, QTableWidgetItem(name))
            files = QTableWidgetItem(f"{count:,}")
            files.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            self.table.setItem(row, 1, files)
        more = len(preview.counts) - len(rows)
        parts = [_classes_text(len(preview.counts))]
        if more:
            parts.append(f"{more:,} not listed")
        parts.append(f"{preview.unlabelled:,} file{'s' if preview.unlabelled != 1 else ''} "
                     "left unlabelled")
        self.summary_label.setText("; ".join(parts))


class ApplyNameRuleCommand(_StoreCommand):
    """Relabel the files directly in the folder by ``rule`` (``project.apply_name_rule``); undo
    hands what it replaced to ``project.restore_name_rule``. ``on_done(labels_changed)`` runs
    after each step (True when clips were relabelled, so the table reloads them). A failure marks
    the command obsolete and tells ``on_error``; a rule that changes nothing leaves nothing to
    undo and is obsolete too."""

    def __init__(self, project: Any, rule: NameRule, on_done: Callable[[bool], None],
                 on_error: Callable[[str], None] | None = None) -> None:
        text = ("Stop labelling files by their names" if rule.kind == "none"
                else f"Label files by their names: {rule.title()}")
        super().__init__(text, on_error)
        self._project, self._rule, self._on_done = project, rule, on_done
        self._state: Any = None

    def _redo(self) -> None:
        self._state = self._project.apply_name_rule(self._rule)
        if self._state.rule == self._rule and not self._state.labels_changed:
            self.setObsolete(True)
        self._on_done(self._state.labels_changed)

    def _undo(self) -> None:
        self._project.restore_name_rule(self._state)
        self._on_done(self._state.labels_changed)
