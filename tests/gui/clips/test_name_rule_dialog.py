"""NameRuleDialog (the rule in words, a preview per choice, a bad regular expression in red) and
ApplyNameRuleCommand (relabel by a rule, undone and redone through the stack) over a real Project."""

from __future__ import annotations

import pytest
from PySide6.QtGui import QUndoStack

from core.errors import ProjectError
from core.store.name_rules import NO_NAME_RULE, NameRule
from core.store.project import Project
from gui.clips.name_rule_dialog import ApplyNameRuleCommand, NameRuleDialog
from tests import audio_factory

SPEAKERS = ("jackson", "theo")


@pytest.fixture
def project(tmp_path, monkeypatch):
    """A scanned project of flat FSDD-like names: 3 digits x 2 speakers x 2 takes, and one file
    whose name has no parts."""
    monkeypatch.setenv("EARMARK_DATA_DIR", str(tmp_path / "userdata"))
    root = tmp_path / "fsdd"
    for stem in [f"{d}_{s}_{n}" for d in range(3) for s in SPEAKERS for n in range(2)] + ["hum"]:
        audio_factory.write(root / f"{stem}.wav", audio_factory.tone(440, 0.05))
    with Project.open(root) as opened:
        opened.scan()
        yield opened


def table_rows(dialog):
    return [(dialog.table.item(r, 0).text(), dialog.table.item(r, 1).text())
            for r in range(dialog.table.rowCount())]


def store_labels(project):
    return {c.path: (c.label, c.label_source) for c in project.clips()}


@pytest.fixture
def dialog(qtbot, project):
    shown = NameRuleDialog(project)
    qtbot.addWidget(shown)
    shown.show()
    return shown


def test_shows_the_rule_in_use_and_what_it_gives(dialog):
    assert "the 1st part of the file name" in dialog.current_label.text()
    assert dialog.part_button.isChecked()
    assert dialog.chosen_rule() == NameRule.leading(1)
    assert table_rows(dialog) == [("0", "4"), ("1", "4"), ("2", "4")]
    assert "3 classes" in dialog.summary_label.text()
    assert "1 file left unlabelled" in dialog.summary_label.text()
    entries = [dialog.part_combo.itemText(i) for i in range(dialog.part_combo.count())]
    assert "1st part → 3 classes" in entries
    assert "2nd part → 2 classes" in entries
    assert "first 2 parts → 6 classes" in entries
    assert not dialog.error_label.isVisible()


def test_another_part_previews_its_classes(dialog):
    dialog.part_combo.setCurrentIndex(next(
        i for i in range(dialog.part_combo.count())
        if dialog.part_combo.itemData(i) == NameRule.part(1)))
    assert table_rows(dialog) == [("jackson", "6"), ("theo", "6")]
    assert dialog.chosen_rule() == NameRule.part(1)


def test_regular_expression_previews_as_typed_and_a_bad_one_shows_its_error(qtbot, dialog):
    qtbot.keyClicks(dialog.regex_edit, "_(j")
    assert dialog.regex_button.isChecked()
    assert dialog.error_label.isVisible() and not dialog.table.isVisible()
    assert "not a valid regular expression" in dialog.error_label.text()
    assert "c0392b" in dialog.error_label.styleSheet()
    assert not dialog.apply_button.isEnabled() and dialog.chosen_rule() is None
    qtbot.keyClicks(dialog.regex_edit, r"\w+)_")
    assert not dialog.error_label.isVisible() and dialog.table.isVisible()
    assert table_rows(dialog) == [("jackson", "6")]
    assert "7 files left unlabelled" in dialog.summary_label.text()
    assert dialog.apply_button.isEnabled()


def test_no_file_name_labels(dialog):
    dialog.none_button.setChecked(True)
    assert dialog.chosen_rule() == NO_NAME_RULE
    assert table_rows(dialog) == []
    assert "13 files left unlabelled" in dialog.summary_label.text()


def test_apply_emits_the_rule_and_writes_nothing(qtbot, dialog, project):
    before = store_labels(project)
    dialog.none_button.setChecked(True)
    with qtbot.waitSignal(dialog.rule_chosen, timeout=1000) as signal:
        dialog.apply_button.click()
    assert signal.args == [NO_NAME_RULE]
    assert not dialog.isVisible()
    assert store_labels(project) == before


def test_cancel_emits_nothing(qtbot, dialog):
    with qtbot.assertNotEmitted(dialog.rule_chosen):
        dialog.buttons.button(dialog.buttons.StandardButton.Cancel).click()
    assert not dialog.isVisible()


def test_a_stored_regex_rule_opens_with_its_pattern(qtbot, project):
    project.apply_name_rule(NameRule.regex(r"_(?P<label>t\w+)_"))
    dialog = NameRuleDialog(project)
    qtbot.addWidget(dialog)
    assert dialog.regex_button.isChecked() and dialog.regex_edit.text() == r"_(?P<label>t\w+)_"
    assert "(?P&lt;label&gt;" in dialog.current_label.text()  # shown, not read as markup
    assert table_rows(dialog) == [("theo", "6")]


def test_command_applies_the_rule_and_undo_redo_go_through_the_stack(project):
    stack = QUndoStack()
    before = store_labels(project)
    done: list[bool] = []
    stack.push(ApplyNameRuleCommand(project, NameRule.part(1), done.append))
    assert store_labels(project)["1_theo_0.wav"] == ("theo", "filename")
    assert project.name_rule() == NameRule.part(1)
    assert done == [True] and stack.count() == 1
    assert stack.undoText() == "Label files by their names: 2nd part"
    stack.undo()
    assert store_labels(project) == before and project.name_rule() == NameRule.leading(1)
    stack.redo()
    assert store_labels(project)["1_theo_0.wav"] == ("theo", "filename")
    assert done == [True, True, True]


def test_a_rule_that_changes_nothing_leaves_nothing_to_undo(project):
    stack = QUndoStack()
    stack.push(ApplyNameRuleCommand(project, NameRule.leading(1), lambda changed: None))
    assert stack.count() == 0


def test_a_failed_apply_is_obsolete_and_reported(project, monkeypatch):
    def busy(rule):
        raise ProjectError("project is busy")

    monkeypatch.setattr(project, "apply_name_rule", busy)
    stack = QUndoStack()
    errors: list[str] = []
    stack.push(ApplyNameRuleCommand(project, NO_NAME_RULE, lambda changed: None, errors.append))
    assert stack.count() == 0
    assert errors and "project is busy" in errors[0]
