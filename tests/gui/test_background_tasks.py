"""The window's slow one-shot work runs as background tasks: the demo, export into class folders,
adding classified files (and undoing it), loading a model file. Each core call is checked to run
off the GUI thread, and its result to land in the window."""

from __future__ import annotations

import threading

import pytest

from tests import audio_factory
from tests.gui.helpers import SCAN_TIMEOUT_MS, open_and_wait

TASK_TIMEOUT_MS = 30_000


def _record_thread(monkeypatch, module, name: str) -> list:
    """Wrap ``module.name`` so each call notes whether it ran on the GUI thread."""
    original = getattr(module, name)
    on_gui_thread: list[bool] = []

    def wrapper(*args, **kwargs):
        on_gui_thread.append(threading.current_thread() is threading.main_thread())
        return original(*args, **kwargs)

    monkeypatch.setattr(module, name, wrapper)
    return on_gui_thread


def test_the_demo_is_built_off_the_gui_thread_and_opens(qtbot, window, tmp_path, monkeypatch):
    from core.audio import demo

    calls = _record_thread(monkeypatch, demo, "build_demo")
    with qtbot.waitSignal(window.scan_finished, timeout=SCAN_TIMEOUT_MS):
        window.acts.open_demo.trigger()
    assert calls == [False]
    assert window.folder == (tmp_path / "user-data" / "demo").resolve()


def test_export_into_class_folders_runs_off_the_gui_thread(qtbot, window, clip_folder, tmp_path,
                                                           monkeypatch):
    from PySide6.QtWidgets import QFileDialog

    from core.store import label_io

    open_and_wait(qtbot, window, clip_folder)
    dest = tmp_path / "export"
    monkeypatch.setattr(QFileDialog, "getExistingDirectory", lambda *a, **k: str(dest))
    calls = _record_thread(monkeypatch, label_io, "export_folders")
    with qtbot.waitSignal(window.statusBar().messageChanged,
                          check_params_cb=lambda text: "Copied" in text, timeout=TASK_TIMEOUT_MS):
        window.acts.export_folders.trigger()
    assert calls == [False]
    assert sorted(p.name for p in dest.iterdir()) == ["chirp", "noise", "tone"]


def test_adding_files_and_its_undo_and_redo_run_in_the_background(qtbot, window, clip_folder,
                                                                  tmp_path, monkeypatch):
    from gui.model import commands

    adds = _record_thread(monkeypatch, commands, "add_files_to_project")
    removes = _record_thread(monkeypatch, commands, "remove_added_files")
    open_and_wait(qtbot, window, clip_folder)
    outside = [audio_factory.write(tmp_path / "outside" / f"new_{i}.wav", audio_factory.tone(500))
               for i in range(3)]
    before = window.model.rowCount()
    dock = window.model_dock
    with qtbot.waitSignal(dock.records_changed, timeout=TASK_TIMEOUT_MS):
        dock.add_files([(path, "whistle") for path in outside])
    copies = [clip_folder / "whistle" / path.name for path in outside]
    assert all(c.is_file() for c in copies) and window.model.rowCount() == before + 3
    assert "whistle" in window.labels.class_names  # the new label reached the class list
    with qtbot.waitSignal(dock.records_changed, timeout=TASK_TIMEOUT_MS):
        window.undo_stack.undo()
    assert not any(c.exists() for c in copies)
    # Gone from the list and the label bar, not left there missing, labelled "whistle".
    assert window.model.rowCount() == before and "whistle" not in window.labels.class_names
    with qtbot.waitSignal(dock.records_changed, timeout=TASK_TIMEOUT_MS):
        window.undo_stack.redo()
    assert all(c.is_file() for c in copies)
    assert window.model.rowCount() == before + 3 and "whistle" in window.labels.class_names
    assert adds == [False, False] and removes == [False]


def test_redoing_an_add_and_the_label_after_it_back_to_back_labels_the_added_clip(
        qtbot, window, clip_folder, tmp_path):
    """The add's redo ran in the background, and the label's redo came before it ended: it
    named a clip the store no longer held (the undo forgot it) and failed, or another file."""
    open_and_wait(qtbot, window, clip_folder)
    outside = audio_factory.write(tmp_path / "outside" / "late.wav", audio_factory.tone(500))
    dock = window.model_dock
    with qtbot.waitSignal(dock.records_changed, timeout=TASK_TIMEOUT_MS):
        dock.add_files([(outside, "whistle")])
    clip_id = window.project.clip_ids_by_path()["whistle/late.wav"]
    window.clip_list.select_row(window.model.row_of_id(clip_id))
    window.labels.label_by_key("1")
    first = window.labels.class_names[0]
    assert window.project.clip(clip_id).label == first
    window.undo_stack.undo()
    with qtbot.waitSignal(dock.records_changed, timeout=TASK_TIMEOUT_MS):
        window.undo_stack.undo()
    window.undo_stack.redo()
    window.undo_stack.redo()
    assert window.project.clip(clip_id).path == "whistle/late.wav"
    assert window.project.clip(clip_id).label == first and not window.undo_stack.canRedo()


def test_an_undo_right_after_adding_waits_for_the_copies_then_removes_them(
        qtbot, window, clip_folder, tmp_path):
    open_and_wait(qtbot, window, clip_folder)
    outside = audio_factory.write(tmp_path / "outside" / "quick.wav", audio_factory.tone(500))
    dock = window.model_dock
    copy = clip_folder / "quick" / "quick.wav"
    dock.add_files([(outside, "quick")])
    # The undo comes before the add's task reported: the add is settled first (its records
    # delivered then), and the removal's records follow.
    with qtbot.waitSignal(dock.records_changed, check_params_cb=lambda _r: not copy.exists(),
                          timeout=TASK_TIMEOUT_MS):
        window.undo_stack.undo()
    assert window.undo_stack.canRedo()


def test_a_failed_add_names_the_reason_and_leaves_the_stack(qtbot, window, clip_folder,
                                                           tmp_path):
    open_and_wait(qtbot, window, clip_folder)
    dock = window.model_dock
    with qtbot.waitSignal(window.statusBar().messageChanged,
                          check_params_cb=lambda text: "Could not change" in text,
                          timeout=TASK_TIMEOUT_MS):
        dock.add_files([(tmp_path / "missing.wav", "tone")])
    assert "missing.wav" in window.banner.text()
    window.undo_stack.undo()  # the obsolete command does nothing and is dropped
    assert window.undo_stack.count() == 0


def test_a_model_file_is_read_off_the_gui_thread_and_a_bad_one_is_named(
        qtbot, window, clip_folder, tmp_path, monkeypatch):
    import core.workflow

    calls = _record_thread(monkeypatch, core.workflow, "import_model_file")
    open_and_wait(qtbot, window, clip_folder)
    bogus = tmp_path / "bogus.pt"
    bogus.write_bytes(b"PK\x03\x04 not a model")
    with qtbot.waitSignal(window.model_dock.controller.message, timeout=TASK_TIMEOUT_MS):
        window.model_dock.models.load_requested.emit(str(bogus))
    assert calls == [False]
    assert window.banner.text().startswith("Could not load the model ")
    assert window.banner.text().count("bogus.pt") == 1  # its full path, once


@pytest.mark.parametrize("kind", ["demo", "export"])
def test_closing_stops_and_joins_a_menu_task(qtbot, make_window, clip_folder, tmp_path,
                                             monkeypatch, kind):
    from PySide6.QtWidgets import QFileDialog

    from core.audio import demo
    from core.store import label_io

    started, release = threading.Event(), threading.Event()

    def slow(*_args, **_kwargs):
        started.set()
        release.wait(5)  # a stand-in for long work: the window must join it, not leave it
        raise OSError("stopped")

    monkeypatch.setattr(demo, "build_demo", slow)
    monkeypatch.setattr(label_io, "export_folders", slow)
    monkeypatch.setattr(QFileDialog, "getExistingDirectory", lambda *a, **k: str(tmp_path / "x"))
    window = make_window()
    open_and_wait(qtbot, window, clip_folder)
    window.acts.open_demo.trigger() if kind == "demo" else window.acts.export_folders.trigger()
    assert started.wait(5)
    release.set()
    window.close()  # the autouse fixture fails the test if a thread is left running
    assert not window.acts.task(kind).is_running()
