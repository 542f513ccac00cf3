"""The Training Settings choice persists in QSettings as plain values and comes back through
core's TrainConfig.for_model when the Model dock is built; a bad stored value gives the defaults."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtGui import QUndoStack
from PySide6.QtWidgets import QApplication

from core.ml.features import MIN_CLIP_S
from core.ml.train_config import TrainConfig
from gui.clips.clip_table import ClipTableModel
from gui.common import settings as keys
from gui.model.dock import ModelDock
from gui.model.settings_dialog import TrainSettingsDialog


@pytest.fixture
def make_dock(qtbot, settings):
    """Model docks sharing the test's settings file, as two sessions of the app would."""
    docks = []

    def _make():
        # The clip table is the dock's own (Training Settings asks it the folder's channels).
        dock = ModelDock(ClipTableModel(), None, QUndoStack(), lambda *_: None, settings=settings)
        qtbot.addWidget(dock)
        docks.append(dock)
        return dock

    yield _make
    for dock in docks:
        dock.shutdown()


def test_a_choice_is_restored_in_the_next_session(make_dock, settings):
    first = make_dock()
    assert first.controller.config_override is None  # nothing stored: one click's defaults
    chosen = TrainConfig.for_model("seed-cnn", epochs=12, clip_seconds_requested=2.5,
                                   augment=False, val_split=0.2, fine_tune_epochs=4)
    first.set_train_config(chosen)
    settings.sync()
    assert keys.read(settings, keys.TRAIN_MODEL) == "seed-cnn"
    assert keys.read(settings, keys.TRAIN_CLIP_SECONDS_REQUESTED) == "2.5"
    assert make_dock().controller.config_override == chosen


def test_no_background_is_restored_in_the_next_session(make_dock, settings):
    chosen = TrainConfig.for_model("compact-bands", epochs=7, background=False)
    make_dock().set_train_config(chosen)
    settings.sync()
    assert keys.read(settings, keys.TRAIN_BACKGROUND) is False
    assert make_dock().controller.config_override.background is False


@pytest.mark.parametrize(("box", "key", "chosen"), [
    ("multi_label", keys.TRAIN_MULTI_LABEL, True),  # single-label by default
    ("speech_partner", keys.TRAIN_SPEECH_PARTNER, False),  # a speech partner by default
])
def test_a_box_ticked_in_the_dialog_is_restored_in_the_next_session(qtbot, make_dock, settings,
                                                                      box, key, chosen):
    dock = make_dock()

    def choose():
        dialog = QApplication.activeModalWidget()
        assert isinstance(dialog, TrainSettingsDialog)
        assert getattr(dialog, box).isChecked() is not chosen and getattr(dialog, box).isEnabled()
        getattr(dialog, box).setChecked(chosen)
        dialog.accept()

    QTimer.singleShot(0, choose)
    dock.edit_settings()
    assert getattr(dock.controller.config_override, box) is chosen
    settings.sync()
    assert keys.read(settings, key) is chosen
    assert make_dock().controller.config_override == TrainConfig.for_model(**{box: chosen})
    dialog = TrainSettingsDialog(TrainConfig.for_model(**{box: chosen}))
    qtbot.addWidget(dialog)
    assert getattr(dialog, box).isChecked() is chosen


@pytest.mark.parametrize("changes", [{"clip_seconds_requested": 2.0}, {"multi_label": True},
                                     {"val_split": 0.0}, {"model": "speech"},
                                     {"model": "seed-cnn"}])
def test_the_speech_partner_is_greyed_out_where_none_would_train(qtbot, changes):
    from core.ml.training import trains_speech_partner

    model = changes.pop("model", "compact-bands")
    config = TrainConfig.for_model(model, **changes)
    dialog = TrainSettingsDialog(config)
    qtbot.addWidget(dialog)
    assert not dialog.speech_partner.isEnabled() and not trains_speech_partner(config)
    dialog.model_box.setCurrentIndex(dialog.model_box.findData("compact-bands"))
    dialog.clip_seconds_requested.setValue(dialog.clip_seconds_requested.minimum())  # auto
    dialog.multi_label.setChecked(False)
    dialog.val_share.setValue(15)
    assert dialog.speech_partner.isEnabled() and trains_speech_partner(dialog.config())


def test_the_channel_heard_is_restored_and_the_mix_replaces_it(make_dock, settings):
    make_dock().set_train_config(TrainConfig.for_model(channel=1))
    settings.sync()
    assert keys.read(settings, keys.TRAIN_CHANNEL) == "1"
    assert make_dock().controller.config_override.channel == 1
    make_dock().set_train_config(TrainConfig.for_model())  # the mix chosen again
    assert make_dock().controller.config_override.channel is None
    keys.write(settings, keys.TRAIN_CHANNEL, "left")  # unreadable: the default, the mix
    assert make_dock().controller.config_override.channel is None


def test_auto_clip_length_round_trips(make_dock):
    make_dock().set_train_config(TrainConfig.for_model("compact", epochs=9))
    restored = make_dock().controller.config_override
    assert restored == TrainConfig.for_model("compact", epochs=9)
    assert restored.clip_seconds_requested == "auto"


@pytest.mark.parametrize("key, value", [
    (keys.TRAIN_MODEL, "retired-net"),
    (keys.TRAIN_EPOCHS, 100_000),
    (keys.TRAIN_CLIP_SECONDS_REQUESTED, "a while"),
    (keys.TRAIN_CLIP_SECONDS_REQUESTED, str(MIN_CLIP_S / 10)),
    (keys.TRAIN_VAL_SPLIT, 0.95),
])
def test_a_bad_stored_value_falls_back_to_the_defaults(make_dock, settings, key, value):
    make_dock().set_train_config(TrainConfig.for_model("compact", epochs=9))
    keys.write(settings, key, value)
    assert make_dock().controller.config_override is None  # TrainConfig() on Train


def test_an_unreadable_number_takes_the_models_default(make_dock, settings):
    make_dock().set_train_config(TrainConfig.for_model("seed-cnn", epochs=9))
    keys.write(settings, keys.TRAIN_EPOCHS, "many")
    assert make_dock().controller.config_override.epochs == TrainConfig.for_model("seed-cnn").epochs


def test_the_dialog_accepted_through_the_dock_is_persisted(qtbot, make_dock, settings):
    dock = make_dock()

    def choose():
        dialog = QApplication.activeModalWidget()
        assert isinstance(dialog, TrainSettingsDialog)
        dialog.epochs.setValue(21)
        dialog.accept()

    QTimer.singleShot(0, choose)
    dock.edit_settings()
    assert dock.controller.config_override == TrainConfig.for_model(epochs=21)
    assert make_dock().controller.config_override == TrainConfig.for_model(epochs=21)


def test_the_dialog_refuses_what_core_refuses(qtbot):
    dialog = TrainSettingsDialog()
    qtbot.addWidget(dialog)
    dialog.clip_seconds_requested.setValue(MIN_CLIP_S / 2)
    dialog.accept()
    assert dialog.result() != TrainSettingsDialog.DialogCode.Accepted
    assert dialog.error.isVisibleTo(dialog) and "clip length" in dialog.error.text()
    dialog.clip_seconds_requested.setValue(dialog.clip_seconds_requested.minimum())
    assert dialog.config().clip_seconds_requested == "auto"
    dialog.model_box.setCurrentIndex(dialog.model_box.findData("seed-cnn"))
    assert dialog.config() == TrainConfig.for_model("seed-cnn")
    assert not dialog.error.isVisibleTo(dialog)
