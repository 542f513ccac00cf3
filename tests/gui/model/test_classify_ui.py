"""Classifying dropped files: a synthetic drop of file URLs gives one result row per file with
every class's probability, a long file gets a score track, no model offers training, and a
folder dropped on the drop zone is classified file by file."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QDropEvent

from core.ml.checkpoint import save_checkpoint
from core.ml.training import TrainConfig, train
from gui.common.colours import class_colour
from gui.model.classify_panel import (
    BARS,
    CLASSES_ROLE,
    FILE,
    FILE_MIN_PX,
    LABEL,
    PROBS_ROLE,
    ClassifyPanel,
)
from tests import audio_factory
from tests.gui.helpers import SCAN_TIMEOUT_MS, open_and_wait

CLASSIFY_TIMEOUT_MS = 30_000


@pytest.fixture(scope="module")
def model_file(tmp_path_factory):
    """A small tone/noise model (1 s clips) saved to disk."""
    root = audio_factory.make_class_folder(tmp_path_factory.mktemp("m") / "clips", n_per_class=4,
                                           kinds=("tone", "noise"))
    pairs = [(p, p.parent.name) for p in sorted(root.rglob("*.wav"))]
    result = train(pairs, TrainConfig(epochs=3, clip_seconds_requested=1.0, num_threads=1))
    return save_checkpoint(result.checkpoint, tmp_path_factory.mktemp("m2") / "model.pt")


@pytest.fixture
def panel(qtbot):
    panel = ClassifyPanel()
    qtbot.addWidget(panel)
    panel.resize(700, 600)
    panel.show()
    yield panel
    panel.shutdown()


def drop(widget, paths) -> QDropEvent:
    """Deliver a drop of ``paths`` as file URLs onto ``widget`` (as a file manager would)."""
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(p)) for p in paths])
    centre = QPointF(widget.rect().center())
    event = QDropEvent(centre, Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
                       Qt.KeyboardModifier.NoModifier)
    # Called directly: a QDropEvent sent without a drag in progress is dropped by Qt.
    widget.dropEvent(event)
    return event


@pytest.mark.slow
def test_dropped_files_get_label_confidence_and_probabilities(qtbot, panel, model_file,
                                                              tmp_path):
    panel.set_model(model_file)
    files = [audio_factory.write(tmp_path / "in" / f"t{i}.wav", audio_factory.tone(700 + 50 * i))
             for i in range(3)]
    broken = audio_factory.write_broken(tmp_path / "in" / "broken.wav", "text")
    with qtbot.waitSignal(panel.classification_finished, timeout=CLASSIFY_TIMEOUT_MS) as done:
        drop(panel.drop_zone, [*files, broken])
    assert done.args == [4]
    assert panel.table.rowCount() == 4
    ok = [p for p in panel.predictions if p.ok]
    assert len(ok) == 3 and all(p.label in ("tone", "noise") for p in ok)
    row = next(r for r, p in enumerate(panel.predictions) if p.ok)
    probs = panel.table.item(row, BARS).data(PROBS_ROLE)
    assert len(probs) == 2 and abs(sum(probs) - 1) < 1e-4
    assert panel.table.item(row, LABEL).text() == panel.predictions[row].answer
    bad = next(r for r, p in enumerate(panel.predictions) if not p.ok)
    assert panel.table.item(bad, BARS).text()  # the reason is shown
    assert "could not be read" in panel.status.text()
    assert panel.table.textElideMode() == Qt.TextElideMode.ElideMiddle  # name's start and end kept
    # A dock of 320 px: the names keep their room and the bars take what is left (before, the
    # names took it and read "t…av").
    wide = panel.table.viewport().width()
    panel.resize(320, 600)
    qtbot.waitUntil(lambda: panel.table.viewport().width() < wide, timeout=2000)
    assert panel.table.columnWidth(FILE) >= FILE_MIN_PX
    assert panel.table.columnWidth(FILE) <= max(FILE_MIN_PX, panel.table.viewport().width() // 2)
    panel.table.horizontalHeader().resizeSection(FILE, 150)  # a person drags its edge
    panel.resize(600, 600)
    qtbot.waitUntil(lambda: panel.table.viewport().width() > 320, timeout=2000)
    assert panel.table.columnWidth(FILE) == 150  # theirs, not refitted


@pytest.mark.slow
def test_a_second_drop_adds_its_files_and_clear_forgets_them(qtbot, panel, model_file, tmp_path):
    """Dropped while the first drop's run went on, the second replaced it, unsaid: 30 files
    dropped, 11 more a moment later, and only the 11 were listed. Now it waits its turn and
    both are listed; a drop after that adds to them too, until Clear."""
    panel.set_model(model_file)
    first = [audio_factory.write(tmp_path / "a" / f"a{i}.wav", audio_factory.tone(500 + 40 * i))
             for i in range(6)]
    second = [audio_factory.write(tmp_path / "b" / f"b{i}.wav", audio_factory.noise(1.0, seed=i))
              for i in range(3)]
    with qtbot.waitSignals([panel.classification_finished] * 2, timeout=CLASSIFY_TIMEOUT_MS):
        drop(panel.drop_zone, first)
        drop(panel.drop_zone, second)
        assert "3 more dropped item(s) next" in panel.status.text()
    qtbot.waitUntil(lambda: not panel.is_busy(), timeout=CLASSIFY_TIMEOUT_MS)
    assert sorted(p.path.name for p in panel.predictions) == sorted(
        p.name for p in first + second)
    assert panel.status.text().startswith("Classified 9 files")
    assert panel.clear_button.isVisible()
    with qtbot.waitSignal(panel.classification_finished, timeout=CLASSIFY_TIMEOUT_MS):
        drop(panel.drop_zone, second[:1])
    assert panel.table.rowCount() == 10
    panel.clear_button.click()
    assert panel.table.rowCount() == 0 and not panel.predictions
    assert not panel.clear_button.isVisible()


@pytest.mark.slow
def test_a_worker_that_breaks_still_leaves_the_panel_idle(qtbot, panel, model_file, tmp_path,
                                                          monkeypatch):
    # Neither finished nor failed arrives; its last word, done, must end the busy state
    # (else Cancel stays up and closing asks to stop work that is not running).
    runs = []

    def broken(_paths):
        runs.append(_paths)
        raise TypeError("unexpected")  # a bug: not one of the failures a task reports

    monkeypatch.setattr("gui.model.workers.expand_audio_paths", broken)
    panel.set_model(model_file)
    path = audio_factory.write(tmp_path / "t.wav", audio_factory.tone(700))
    with qtbot.capture_exceptions() as exceptions:
        assert panel.classify([path])
        assert panel.is_busy()
        assert panel.classify([path])  # a drop waiting for it: run after it all the same
        qtbot.waitUntil(lambda: len(runs) == 2 and not panel.is_busy(),
                        timeout=CLASSIFY_TIMEOUT_MS)
        # The thread may end a moment before its queued done reaches the panel.
        qtbot.waitUntil(lambda: not panel.cancel_button.isVisible(), timeout=CLASSIFY_TIMEOUT_MS)
    assert any(isinstance(e[1], TypeError) for e in exceptions)


@pytest.mark.slow
def test_long_file_gets_a_score_track_and_short_one_does_not(qtbot, panel, model_file, tmp_path):
    panel.set_model(model_file)
    rate = audio_factory.DEFAULT_RATE_HZ
    long_clip = audio_factory.burst(audio_factory.tone(700, 1.0), 6.0, 4.0, rate)
    long_file = audio_factory.write(tmp_path / "long.wav", long_clip)
    short_file = audio_factory.write(tmp_path / "short.wav", audio_factory.tone(700))
    with qtbot.waitSignal(panel.classification_finished, timeout=CLASSIFY_TIMEOUT_MS):
        drop(panel.drop_zone, [long_file, short_file])
    panel.table.selectRow(0)
    assert panel.score_track.isVisible()
    assert set(panel.score_track.curves) == {"tone", "noise"}
    x, y = panel.score_track.curves["tone"].getData()
    assert len(x) == len(panel.predictions[0].window_starts_s) > 2
    assert x[-1] <= 6.0 and ((0 <= y) & (y <= 1)).all()
    panel.set_class_colours({"tone": "#123456"})  # the project's colour, as on its label button
    assert panel.score_track.isVisible()  # recoloured in place
    assert panel.score_track.curves["tone"].opts["pen"].color().name() == "#123456"
    noise_pen = panel.score_track.curves["noise"].opts["pen"].color().name()
    assert noise_pen == class_colour("noise", 0, {}).lower()  # not a project class: the palette
    assert panel.table.item(0, BARS).data(CLASSES_ROLE) == ["noise", "tone"]
    with qtbot.waitSignal(panel.clip_view.clip_shown, timeout=10_000):
        panel.table.selectRow(1)
    assert not panel.score_track.isVisible()
    assert panel.clip_view.path == short_file
    # The narrow panel names the file first; its whole path is on hover.
    assert panel.clip_view.title_label.full_text().startswith(f"{short_file.name}  ·  ")
    assert panel.clip_view.title_label.toolTip().startswith(str(short_file))


@pytest.mark.slow
def test_folder_on_drop_zone_classifies_its_audio_files(qtbot, panel, model_file, tmp_path):
    panel.set_model(model_file)
    folder = audio_factory.make_class_folder(tmp_path / "dropped", n_per_class=2,
                                             kinds=("tone", "noise"))
    (folder / "notes.txt").write_text("not audio")
    # A folder without audio (one named as a file, too) added nothing and said nothing.
    (tmp_path / "takes.wav").mkdir()
    (tmp_path / "texts").mkdir()
    (tmp_path / "texts" / "a.txt").write_text("words")
    with qtbot.waitSignal(panel.classification_finished, timeout=CLASSIFY_TIMEOUT_MS) as done:
        drop(panel.drop_zone, [folder, tmp_path / "takes.wav", tmp_path / "texts"])
    assert done.args == [4]
    assert {p.path.name for p in panel.predictions} == {
        "tone_000.wav", "tone_001.wav", "noise_000.wav", "noise_001.wav"}
    # The folders name the classes: the drop is scored as a test set.
    right = sum(p.label == p.path.parent.name and not p.verdict for p in panel.predictions)
    assert panel.status.text().startswith(
        "Classified 4 files; no audio files in takes.wav, texts. Of the 4 whose folder or name "
        f"says their class: {right} right ({right / 4:.0%})")


def test_a_test_sets_answers_are_scored_and_wrong_ones_marked(qtbot, panel, tmp_path):
    from core.ml.inference import Prediction
    from core.ml.novelty import UNKNOWN

    classes = ("cat", "dog")

    def said(path, label, verdict=None):
        return Prediction(tmp_path / path, classes, label, 0.9, (0.9, 0.1), verdict=verdict)

    panel._on_worker_results([said("test/cat/a.wav", "cat"), said("test/dog/b.wav", "cat"),
                              said("cat_12.wav", "dog", UNKNOWN), said("test/dog/c.wav", "dog"),
                              said("other/d.wav", "dog")])
    panel._on_worker_finished((5, []))
    assert panel.status.text() == ("Classified 5 files. Of the 4 whose folder or name says "
                                   "their class: 2 right (50%), 1 another class, 1 unknown or "
                                   "silence.")
    marked = [panel.table.item(row, 1).toolTip().endswith("says: dog") or
              panel.table.item(row, 1).toolTip().endswith("says: cat") for row in range(5)]
    assert marked == [False, True, True, False, False]
    # Added under another class, or the one each folder or name says (a wrong answer kept).
    added, messages = [], []
    panel.add_requested.connect(added.append)
    panel.message.connect(lambda text, kind: messages.append(text))
    panel.table.selectAll()
    panel.add_selected_as("dog")
    assert [label for _, label in added[-1]] == ["dog"] * 5
    panel.add_selected_as(None)
    assert [(path.name, label) for path, label in added[-1]] == [
        ("a.wav", "cat"), ("b.wav", "dog"), ("cat_12.wav", "cat"), ("c.wav", "dog")]
    assert messages[-1].startswith("1 file whose folder or name says no class")


def test_the_previews_file_plays_with_a_player_of_its_own(qtbot, panel, tmp_path):
    from PySide6.QtMultimedia import QMediaPlayer

    from core.ml.inference import Prediction
    from gui.clips.playback import PlaybackController
    from tests.gui.clips.test_playback import FakePlayer

    player, paused = FakePlayer(), []
    panel.set_playback(PlaybackController(player=player), lambda: paused.append(1))
    assert not panel.play_button.isVisible()  # nothing classified yet
    path = audio_factory.write(tmp_path / "cat" / "a.wav", audio_factory.tone(440.0, 1.0))
    with qtbot.waitSignal(panel.clip_view.clip_shown, timeout=10_000):
        panel._on_worker_results([Prediction(path, ("cat", "dog"), "cat", 0.9, (0.9, 0.1))])
    assert panel.playback.path == path  # the preview's file, loaded for its player
    assert panel.play_button.isVisible() and panel.play_button.isEnabled()
    panel.play_button.click()
    assert paused == [1]  # the window's player paused first
    assert player.state == QMediaPlayer.PlaybackState.PlayingState
    # Without sound, the button says why it is off.
    quiet = ClassifyPanel()
    qtbot.addWidget(quiet)
    quiet.set_playback(PlaybackController(force_unavailable="No audio output device found"))
    assert quiet.play_button.toolTip() == "Playback is off: No audio output device found"
    assert not quiet.play_button.isEnabled()
    quiet.shutdown()


def test_without_a_model_the_drop_says_so_and_offers_training(qtbot, panel, tmp_path):
    messages = []
    panel.message.connect(lambda text, kind: messages.append(text))
    file = audio_factory.write(tmp_path / "a.wav", audio_factory.tone(700))
    drop(panel.drop_zone, [file])
    assert "No model yet" in panel.status.text() and messages
    assert panel.train_button.isVisibleTo(panel)
    # In a dock's width the words have the panel's width, not a column beside the buttons.
    panel.resize(380, 600)
    panel.show()
    qtbot.waitExposed(panel)
    assert panel.status.width() > panel.width() - 40
    assert panel.status.geometry().bottom() < panel.train_button.geometry().top()
    # Off with no folder open (it was on, and a click said to open one), on with one.
    assert not panel.train_button.isEnabled()
    panel.set_project(SimpleNamespace(folder=tmp_path))
    with qtbot.waitSignal(panel.train_requested, timeout=1000):
        panel.train_button.click()
    assert not panel.is_busy() and panel.table.rowCount() == 0
    # Its preview says what it shows, not the window's "No clip selected".
    assert panel.clip_view.message_label.text() == "Select a classified file above to see it here"


# ---- in the window ---------------------------------------------------------------------------


@pytest.mark.slow
def test_files_dropped_on_the_window_are_classified_folders_open(qtbot, window, model_file,
                                                                 tmp_path, clip_folder):
    with qtbot.waitSignal(window.scan_finished, timeout=SCAN_TIMEOUT_MS):
        drop(window, [clip_folder])  # a folder on the window: the project
    assert window.folder == clip_folder.resolve()
    with qtbot.waitSignal(window.model_dock.controller.model_loaded, timeout=CLASSIFY_TIMEOUT_MS):
        window.model_dock.controller.load_model_file(model_file)  # in the background
    window.model_dock.controller.stop_classifying()
    files = [audio_factory.write(tmp_path / "outside" / f"o{i}.wav", audio_factory.tone(650))
             for i in range(2)]
    panel = window.model_dock.classify
    with qtbot.waitSignal(panel.classification_finished, timeout=CLASSIFY_TIMEOUT_MS):
        event = drop(window, files)  # files anywhere on the window: classified
    assert event.isAccepted()
    assert window.folder == clip_folder.resolve()  # still the same project
    assert window.model_dock.tabs.currentWidget() is panel
    assert [p.path for p in panel.predictions] == files
    # Another project: its results are gone (they stayed, to be added to the new project).
    other = tmp_path / "other"
    audio_factory.write(other / "a.wav", audio_factory.tone(440.0, 0.2))
    open_and_wait(qtbot, window, other)
    assert panel.predictions == [] and panel.table.rowCount() == 0
    assert not panel.add_button.isEnabled()


def test_add_selected_is_off_and_says_why_in_a_read_only_project(qtbot, panel, tmp_path):
    """A read-only project (a shared data set) kept Add Selected enabled; only the copy, after
    the click, refused. Now the button is off and its tip says why, as is its menu."""
    from types import SimpleNamespace

    from core.ml.inference import Prediction
    path = audio_factory.write(tmp_path / "outside" / "a.wav", audio_factory.tone(440.0, 0.5))
    folder = tmp_path / "shared-set"
    folder.mkdir()
    panel.set_project(SimpleNamespace(folder=folder))
    panel._on_worker_results([Prediction(path, ("cat", "dog"), "cat", 0.9, (0.9, 0.1))])
    panel.table.selectRow(0)
    qtbot.waitUntil(panel.add_button.isEnabled, timeout=5000)
    folder.chmod(0o555)  # no write bit for anyone: read-only to Earmark, even for root
    try:
        panel.set_project(SimpleNamespace(folder=folder))
        panel._on_worker_results([Prediction(path, ("cat", "dog"), "cat", 0.9, (0.9, 0.1))])
        panel.table.selectRow(0)
        assert not panel.add_button.isEnabled()
        assert panel.add_button.toolTip() == f"{folder} is read-only: files cannot be copied into it"
    finally:
        folder.chmod(0o755)


def test_stepping_through_results_asks_the_disk_nothing(qtbot, panel, tmp_path, monkeypatch):
    """Whether the project takes files was asked of the disk (a stat and an access check) at
    every selection change: each arrow key through the results, on the GUI thread."""
    from types import SimpleNamespace

    from core.ml.inference import Prediction
    from gui.model import classify_panel

    asked = []
    monkeypatch.setattr(classify_panel, "adding_refused", lambda folder: asked.append(folder))
    paths = [audio_factory.write(tmp_path / "outside" / f"{i}.wav", audio_factory.tone(440.0, 0.5))
             for i in range(3)]
    panel.set_project(SimpleNamespace(folder=tmp_path / "project"))
    panel._on_worker_results([Prediction(p, ("cat", "dog"), "cat", 0.9, (0.9, 0.1)) for p in paths])
    before = len(asked)
    for row in (0, 1, 2, 1, 0):
        panel.table.selectRow(row)
    qtbot.waitUntil(panel.add_button.isEnabled, timeout=5000)
    assert len(asked) == before


@pytest.mark.slow
def test_adding_results_copies_them_labelled_and_undo_removes(qtbot, window, model_file,
                                                              tmp_path, clip_folder):
    from core.store.project import Project
    open_and_wait(qtbot, window, clip_folder)
    with qtbot.waitSignal(window.model_dock.controller.model_loaded, timeout=CLASSIFY_TIMEOUT_MS):
        window.model_dock.controller.load_model_file(model_file)  # in the background
    window.model_dock.controller.stop_classifying()
    outside = audio_factory.write(tmp_path / "outside" / "tone_000.wav", audio_factory.tone(650))
    panel = window.model_dock.classify
    with qtbot.waitSignal(panel.classification_finished, timeout=CLASSIFY_TIMEOUT_MS):
        panel.classify([outside])
    panel.table.selectRow(0)
    # Add is enabled once the task's queued done has arrived, a moment after finished.
    qtbot.waitUntil(panel.add_button.isEnabled, timeout=CLASSIFY_TIMEOUT_MS)
    label = panel.predictions[0].label
    before = window.model.rowCount()
    with qtbot.waitSignal(window.model_dock.records_changed, timeout=CLASSIFY_TIMEOUT_MS):
        panel.add_button.click()  # copied in the background
    copy = clip_folder / label / "tone_000.wav"
    if label == "tone":
        copy = clip_folder / "tone" / "tone_000-2.wav"  # the project's own file is kept
    assert copy.is_file()
    with Project.open(clip_folder) as check:
        record = next(c for c in check.clips() if check.abspath(c) == copy)
        assert (record.label, record.label_source) == (label, "model")
    assert window.model.rowCount() == before + 1
    with qtbot.waitSignal(window.model_dock.records_changed, timeout=CLASSIFY_TIMEOUT_MS):
        window.undo_stack.undo()
    assert not copy.exists()
    with Project.open(clip_folder) as check:
        assert all(check.abspath(c) != copy for c in check.clips())
    with qtbot.waitSignal(window.model_dock.records_changed, timeout=CLASSIFY_TIMEOUT_MS):
        window.undo_stack.redo()
    assert copy.is_file()


def test_the_message_of_an_add_names_the_files_the_project_holds_already(tmp_path):
    from pathlib import Path

    from core.store.added_files import AddedFiles
    from gui.model.commands import added_message

    copy = (Path("o.wav"), tmp_path / "tone" / "o.wav")
    held = tuple(Path(f"h{i}.wav") for i in range(4))
    assert added_message(AddedFiles((copy,), (1,), {}, (), held[:1]), "pets") == (
        "Copied 1 file into pets, labelled by the model (Ctrl+Z removes them); 1 not "
        "copied, as the project holds them already (h0.wav).")
    assert added_message(AddedFiles((), (), {}, (), held), "pets") == (
        "Nothing copied: the project holds these files already (h0.wav, h1.wav, h2.wav…).")


def test_a_drop_without_a_model_says_so(qtbot, window, tmp_path, clip_folder):
    open_and_wait(qtbot, window, clip_folder)
    file = audio_factory.write(tmp_path / "x.wav", audio_factory.tone(650))
    drop(window, [file])  # taken once the drop has ended
    qtbot.waitUntil(lambda: "No model yet" in window.banner.text(), timeout=5000)
    assert window.model_dock.classify.train_button.isVisibleTo(window.model_dock.classify)


@pytest.mark.slow
def test_a_model_knowing_none_of_the_project_s_classes_is_said_so(qtbot, window, model_file,
                                                                    tmp_path):
    """A digits model loaded into a cats-and-dogs project became active without a word."""
    folder = tmp_path / "pets"
    for kind in ("cat", "dog"):
        audio_factory.write(folder / kind / "a.wav", audio_factory.tone(440.0, 0.2))
    open_and_wait(qtbot, window, folder)
    with qtbot.waitSignal(window.model_dock.controller.model_loaded, timeout=CLASSIFY_TIMEOUT_MS):
        window.model_dock.controller.load_model_file(model_file)
    window.model_dock.controller.stop_classifying()
    assert "knows none of this project's classes (it answers noise, tone; the project " \
           "has cat, dog)" in window.banner.text()


@pytest.mark.slow
def test_cancel_says_classifying_stopped(qtbot, window, model_file, tmp_path, clip_folder):
    """"Classifying 1 dropped item(s)…" stayed under the panel after Cancel."""
    open_and_wait(qtbot, window, clip_folder)
    with qtbot.waitSignal(window.model_dock.controller.model_loaded, timeout=CLASSIFY_TIMEOUT_MS):
        window.model_dock.controller.load_model_file(model_file)
    window.model_dock.controller.stop_classifying()
    panel = window.model_dock.classify
    files = [audio_factory.write(tmp_path / f"o{i}.wav", audio_factory.tone(650)) for i in range(3)]
    assert panel.classify(files) and panel.is_busy()
    panel.cancel()
    assert panel.status.text().startswith("Stopped: ")
    qtbot.waitUntil(lambda: not panel.is_busy(), timeout=CLASSIFY_TIMEOUT_MS)
    assert panel.status.text().startswith("Stopped: ")


@pytest.mark.slow
def test_models_list_loads_a_file_refuses_a_bad_one_and_switches_active(
        qtbot, window, model_file, tmp_path, clip_folder):
    open_and_wait(qtbot, window, clip_folder)
    dock = window.model_dock
    bogus = tmp_path / "bogus.pt"
    bogus.write_bytes(b"PK\x03\x04 not a model")
    with qtbot.waitSignal(dock.controller.message, timeout=CLASSIFY_TIMEOUT_MS):
        dock.models.load_requested.emit(str(bogus))
    assert "Could not load the model" in window.banner.text() and "bogus.pt" in window.banner.text()
    assert window.banner.text().count("bogus.pt") == 1  # named twice before
    assert dock.models.model_ids() == []
    with qtbot.waitSignal(dock.controller.model_loaded, timeout=CLASSIFY_TIMEOUT_MS):
        dock.models.load_requested.emit(str(model_file))
    with qtbot.waitSignal(dock.controller.model_loaded, timeout=CLASSIFY_TIMEOUT_MS):
        dock.models.load_requested.emit(str(model_file))
    first, second = sorted(dock.models.model_ids())
    assert window.project.active_model().id == second
    assert dock.classify.has_model()
    dock.models.select_id(first)
    with qtbot.waitSignal(dock.controller.classify_finished, timeout=CLASSIFY_TIMEOUT_MS):
        dock.models.activate_button.click()
    assert window.project.active_model().id == first
    assert window.model.has_predictions()
    assert dock.models.table.item(dock.models.model_ids().index(first), 0).text() == "●"


def test_silence_and_unknown_show_in_italics_with_their_scores_and_are_not_added(qtbot, panel,
                                                                                 tmp_path):
    from core.ml.inference import Prediction
    from core.ml.novelty import SILENCE, UNKNOWN

    classes = ("noise", "tone")
    paths = [audio_factory.write(tmp_path / f"{name}.wav", audio_factory.tone(700))
             for name in ("a", "b", "c")]
    panel._on_worker_results([
        Prediction(paths[0], classes, "tone", 0.9, (0.1, 0.9), labels=("tone",)),
        Prediction(paths[1], classes, "noise", 0.8, (0.8, 0.2), verdict=UNKNOWN, novelty=3.0),
        Prediction(paths[2], classes, "noise", 0.6, (0.6, 0.4), verdict=SILENCE),
    ])
    assert [panel.table.item(r, LABEL).text() for r in range(3)] == ["tone", "unknown", "silence"]
    assert panel.table.item(1, LABEL).font().italic()
    assert not panel.table.item(0, LABEL).font().italic()
    assert panel.table.item(1, LABEL).toolTip().startswith("Unknown")
    assert panel.table.item(2, LABEL).toolTip().startswith("Silence")
    # No confidence beside an answer that names no class ("unknown 100%" read as sure of it):
    # the best class and its score are in the tooltip.
    assert [panel.table.item(r, LABEL + 1).text() for r in range(3)] == ["90%", "—", "—"]
    assert "80% was its best class score" in panel.table.item(1, LABEL + 1).toolTip()
    assert panel.table.item(1, LABEL + 1).toolTip().endswith("Closest class: noise")
    assert panel.table.item(1, BARS).data(PROBS_ROLE) == pytest.approx([0.8, 0.2])  # still listed
    panel.table.selectAll()
    with qtbot.waitSignal(panel.add_requested) as added, qtbot.waitSignal(panel.message) as said:
        panel.add_button.click()
    assert added.args[0] == [(paths[0], "tone")]  # silence and unknown name no class to add to
    assert said.args[0].startswith("2 files")
