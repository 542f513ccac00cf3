"""Model menu: train, fine-tune, settings, cancel, accept predictions, detect and review events,
classify files, load a model. The model dock does the work; these are its entry points."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QFileDialog, QStyle


def build(acts, w) -> None:
    """Create the Model actions on ``acts`` and add the Model menu to window ``w``."""
    icon, SP = w.style().standardIcon, QStyle.StandardPixmap
    dock = w.model_dock
    acts.train = acts.action("&Train", dock.train, "Ctrl+T", icon(SP.SP_MediaSeekForward),
                             project=True)
    acts.train.setToolTip("Train a new model on the current labels (Ctrl+T)")
    acts.fine_tune = acts.action("&Fine-tune Active Model", dock.fine_tune, project=True)
    acts.train_settings = acts.action("Training &Settings…", dock.edit_settings)
    acts.cancel_training = acts.action("&Cancel Training", dock.controller.cancel_training)
    acts.accept_prediction = acts.action("&Accept Prediction as Label", dock.accept_predictions,
                                         "Ctrl+Return", project=True)
    acts.load_model = acts.action("&Load Model File…", dock.models.choose_file, project=True)
    acts.detect_events = acts.action("&Detect Events", dock.detect_events, project=True)
    acts.detect_events.setToolTip("Run the active model over the long recordings and queue the "
                                  "events it finds for review")
    acts.cancel_detection = acts.action("Cancel &Detection", dock.cancel_detection)
    # The Review tab's keys (A, R, N, Shift+N): listed in the menu, working anywhere.
    review_actions = dock.review.actions_for_menu()
    w.addActions(review_actions)  # so Keyboard Shortcuts lists them
    acts.classify_files = acts.action("Classify &Files…", lambda: _on_classify_files(w))
    acts.show_model_dock = dock.toggleViewAction()
    acts.show_model_dock.setText("Show Model &Panel")
    w.model_menu = menu = w.menuBar().addMenu("&Model")
    for action in (acts.train, acts.fine_tune, acts.train_settings, acts.cancel_training, None,
                   acts.accept_prediction, None, acts.detect_events, acts.cancel_detection,
                   *review_actions, None, acts.classify_files, acts.load_model, None,
                   acts.show_model_dock):
        if action is None:
            menu.addSeparator()
        else:
            menu.addAction(action)


def _on_classify_files(w) -> None:
    paths, _ = QFileDialog.getOpenFileNames(w, "Classify audio files", str(Path.home()),
                                            "Audio files (*.wav *.flac *.ogg *.mp3);;All files (*)")
    if paths:
        w.model_dock.classify_files(paths)
