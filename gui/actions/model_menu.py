"""Model menu: train, fine-tune, settings, cancel, accept predictions, detect and review events,
classify files, listen live, load a model, export the active one, clear the feature cache. The model dock does
the work; these are its entry points."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QFileDialog, QMessageBox, QStyle

from core.ml import feature_cache
from core.ml.export import SUFFIXES, export_model_apart, format_for_path
from core.workflow import model_checkpoint_path
from gui.common.dialogs import audio_file_filter
from gui.common.tasks import FunctionWorker

#: Export Model's file types: the dialog's filter, the format's name in core.ml.export.
MODEL_EXPORTS = {"ONNX (*.onnx)": "onnx", "TorchScript (*.pt)": "torchscript"}


def build(acts, w) -> None:
    """Create the Model actions on ``acts`` and add the Model menu to window ``w``."""
    icon, SP = w.style().standardIcon, QStyle.StandardPixmap
    dock = w.model_dock
    acts.train = acts.action("&Train", dock.train, "Ctrl+T", icon(SP.SP_MediaSeekForward),
                             project=True)
    acts.train.setToolTip("Train a new model on the current labels (Ctrl+T)")
    acts.fine_tune = acts.action("Fine-t&une Active Model", dock.fine_tune, project=True)
    acts.train_settings = acts.action("Training &Settings…", dock.edit_settings)
    acts.cancel_training = acts.action("&Cancel Training", dock.controller.cancel_training)
    acts.accept_prediction = acts.action("&Accept Prediction as Label", dock.accept_predictions,
                                         "Ctrl+Return", project=True)
    acts.load_model = acts.action("Load Model &File…", dock.models.choose_file, project=True)
    acts.detect_events = acts.action("&Detect Events", dock.detect_events, project=True)
    acts.detect_events.setToolTip("Run the active model over the long recordings and queue the "
                                  "events it finds for review")
    acts.find_loud_events = acts.action("Find L&oud Events…", dock.find_loud_events, project=True)
    acts.find_loud_events.setToolTip("Mark every stretch where a frequency band stands above its "
                                     "own background, without a model, and queue them for review")
    acts.find_similar_calls = acts.action("Find Si&milar Calls…", dock.find_similar_calls,
                                          project=True)
    acts.find_similar_calls.setToolTip("Find the stretches whose spectrogram has the shape of the "
                                       "selected region's, without a model, and queue them for "
                                       "review")
    acts.cancel_detection = acts.action("Cancel Detect&ion", dock.cancel_detection)
    # The Review tab's keys (A, R, N, Shift+N, Shift+A, Shift+R): listed in the menu, working
    # anywhere.
    review_actions = dock.review.actions_for_menu()
    w.addActions(review_actions)  # so Keyboard Shortcuts lists them
    acts.classify_files = acts.action("Classif&y Files…", lambda: _on_classify_files(w))
    acts.listen_live = acts.action("Listen &Live", lambda: _on_listen_live(w), "Ctrl+Shift+L")
    acts.listen_live.setToolTip("The active model's answer to the microphone, a few times a "
                                "second (the Classify tab); again to stop")
    acts.export_model = acts.action("E&xport Model…", lambda: _on_export_model(w))
    acts.export_model.setToolTip("Write the active model as ONNX or TorchScript: waveform in, "
                                 "class probabilities out, for use without Earmark")
    acts.export_model.setEnabled(False)
    dock.controller.active_model_changed.connect(
        lambda record: acts.export_model.setEnabled(record is not None))
    acts.clear_feature_cache = acts.action("Clear Feature Cac&he…",
                                           lambda: _on_clear_feature_cache(w), project=True)
    acts.clear_feature_cache.setToolTip("Delete the features training saved for this project's "
                                        "clips; the next training reads and decodes them again")
    acts.show_model_dock = dock.toggleViewAction()
    acts.show_model_dock.setText("Sho&w Model Panel")
    w.model_menu = menu = w.menuBar().addMenu("&Model")
    for action in (acts.train, acts.fine_tune, acts.train_settings, acts.cancel_training, None,
                   acts.accept_prediction, None, acts.detect_events, acts.find_loud_events,
                   acts.find_similar_calls, acts.cancel_detection,
                   *review_actions, None, acts.classify_files, acts.listen_live, acts.load_model,
                   acts.export_model, None,
                   acts.clear_feature_cache, None, acts.show_model_dock):
        if action is None:
            menu.addSeparator()
        else:
            menu.addAction(action)
    # Off while there is nothing to cancel: they looked live and did nothing, in silence.
    menu.aboutToShow.connect(lambda: (acts.cancel_training.setEnabled(dock.controller.is_training()),
                                      acts.cancel_detection.setEnabled(dock.is_detecting())))


def _on_listen_live(w) -> None:
    """Show the Classify tab and start listening, or stop."""
    dock = w.model_dock
    dock.show()
    dock.tabs.setCurrentWidget(dock.classify)
    live = dock.classify.live
    if live.button.isEnabled():
        live.button.toggle()
    else:
        w.statusBar().showMessage(live.note.text(), 8000)


def _on_classify_files(w) -> None:
    # New recordings lie beside the project more often than in the home folder.
    start = Path(w.folder).parent if w.project is not None else Path.home()
    paths, _ = QFileDialog.getOpenFileNames(w, "Classify audio files", str(start),
                                            audio_file_filter())
    if paths:
        w.model_dock.classify_files(paths)


def _on_export_model(w) -> None:
    record = w.model_dock.controller.active_model()
    if record is None or w.project is None:
        w.show_message("No model to export yet: train one or load a model file.", "info")
        return
    source = model_checkpoint_path(w.project, record)
    # No suffix in the suggestion: the file type chosen adds its own, a suffix typed decides.
    suggested = Path(w.folder).parent / f"{Path(w.folder).name}-{source.stem}"  # whose model
    out, chosen = QFileDialog.getSaveFileName(w, "Export model", str(suggested),
                                              ";;".join(MODEL_EXPORTS))
    if not out:
        return
    out = Path(out)
    fmt = format_for_path(out, MODEL_EXPORTS.get(chosen, "onnx"))
    if not out.suffix:
        out = out.with_suffix(SUFFIXES[fmt])
    # Tracing and writing take seconds (seed-cnn's 5 s clips): done in the background, in a
    # process of its own, as the exporter's first import would stall the window (see
    # export_model_apart). None: stopped, as the window closed.
    w.statusBar().showMessage(f"Exporting the model to {out}…")
    w.acts.task("export model").start(
        FunctionWorker(lambda task: export_model_apart(source, out, fmt, task.should_stop)),
        finished=lambda path: path is not None and _report_model_export(w, path, fmt),
        failed=lambda reason: _report_model_export(w, out, fmt, reason))


def _report_model_export(w, path: Path, fmt: str, error: str | None = None) -> None:
    if error is not None:
        named = str(path) in error  # a file error already names the file
        w.show_message(f"Could not export the model{'' if named else f' to {path}'}: {error}",
                       "error")
        return
    kind = "ONNX" if fmt == "onnx" else "TorchScript"
    w.show_message(f"Exported the model to {path} ({kind}, {path.stat().st_size / 1e6:.1f} MB): "
                   "a waveform in, class probabilities out, and, where the model has the "
                   "unknown rule, each clip's novelty (over 1: unknown). Not in it: Earmark's "
                   "silence answer and a long recording's windows.", "info")


def _on_clear_feature_cache(w) -> None:
    """Measure the open project's feature cache in the background, then ask to clear it."""
    if w.project is None:
        return
    if w.model_dock.controller.is_training():
        w.show_message("Training is reading the feature cache: clear it once the run ends.", "info")
        return
    store_dir = w.project.store_path.parent
    w.acts.task("feature cache").start(
        FunctionWorker(lambda _task: feature_cache.cache_size_bytes(store_dir)),
        finished=lambda size_bytes: _confirm_clear(w, store_dir, size_bytes),
        failed=lambda reason: w.show_message(f"Could not read the feature cache: {reason}",
                                             "error"))


def _confirm_clear(w, store_dir: Path, size_bytes: int) -> None:
    if not size_bytes:
        w.show_message("The feature cache is empty.", "info")
        return
    size = _megabytes(size_bytes)
    if not ask_clear_cache(w, size) or w.project is None:
        return
    if w.model_dock.controller.is_training():  # started while the question was open
        w.show_message("Training is reading the feature cache: clear it once the run ends.", "info")
        return
    w.statusBar().showMessage("Clearing the feature cache…")
    w.acts.task("feature cache").start(
        FunctionWorker(lambda _task: feature_cache.clear_feature_cache(store_dir)),
        finished=lambda _: w.show_message(f"Cleared the feature cache ({size}).", "info"),
        failed=lambda reason: w.show_message(f"Could not clear the feature cache: {reason}",
                                             "error"))


def ask_clear_cache(parent, size: str) -> bool:
    """Ask whether to clear a feature cache of ``size``; tests replace it."""
    answer = QMessageBox.question(
        parent, "Clear Feature Cache", f"The features saved for this project's clips take {size}. "
        "Clear them?\n\nThe next training reads and decodes every clip again; labels and models "
        "are kept.", QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel,
        QMessageBox.StandardButton.Cancel)
    return answer == QMessageBox.StandardButton.Yes


def _megabytes(n_bytes: int) -> str:
    return f"{n_bytes / 1e6:.1f} MB" if n_bytes >= 100_000 else f"{n_bytes / 1e3:.0f} kB"
