"""Model > Export Model…: disabled without a model; the chosen file type decides the format; the
export runs in the background and a message names the file written, or why it was not."""

import json
from pathlib import Path

import pytest
import torch

from core.ml.checkpoint import Checkpoint, save_checkpoint
from core.ml.export import TORCHSCRIPT_METADATA
from core.ml.features import FeatureConfig
from core.ml.networks import build_model
from gui.actions import model_menu
from tests.gui.helpers import open_and_wait

TIMEOUT_MS = 60_000
pytestmark = pytest.mark.filterwarnings("ignore:`torch.jit.load` is deprecated:DeprecationWarning")


@pytest.fixture
def model_file(tmp_path):
    torch.manual_seed(0)
    config = FeatureConfig(clip_seconds=0.5)
    classes = ["chirp", "noise", "tone"]
    model = build_model("compact", len(classes), (config.n_freqs, config.n_frames))
    return save_checkpoint(Checkpoint("compact", classes, config, model.state_dict()),
                           tmp_path / "models" / "birds.pt")


def _choose(monkeypatch, path, file_type):
    asked = []

    def fake_dialog(parent, caption, directory, filters):
        asked.append((directory, filters))
        return str(path), file_type

    monkeypatch.setattr(model_menu.QFileDialog, "getSaveFileName", fake_dialog)
    return asked


def test_export_writes_the_chosen_format_and_names_the_file(qtbot, window, clip_folder, model_file,
                                                            tmp_path, monkeypatch):
    action = window.acts.export_model
    assert not action.isEnabled()  # no project, no model
    open_and_wait(qtbot, window, clip_folder)
    assert not action.isEnabled()  # a project without a model
    with qtbot.waitSignal(window.model_dock.controller.model_loaded, timeout=TIMEOUT_MS):
        window.model_dock.controller.load_model_file(model_file)
    window.model_dock.controller.stop_classifying()
    assert action.isEnabled()

    messages = []
    monkeypatch.setattr(window, "show_message", lambda text, kind="info": messages.append((text, kind)))
    asked = _choose(monkeypatch, tmp_path / "out" / "birds", "TorchScript (*.pt)")
    action.trigger()
    qtbot.waitUntil(lambda: bool(messages), timeout=TIMEOUT_MS)
    written = tmp_path / "out" / "birds.pt"  # the suffix of the file type chosen
    text, kind = messages[0]
    assert kind == "info" and str(written) in text and "TorchScript" in text
    assert Path(asked[0][0]).name.startswith(f"{clip_folder.name}-")  # the project, then the model
    assert asked[0][0].endswith("birds") and "ONNX (*.onnx)" in asked[0][1]
    extra = {TORCHSCRIPT_METADATA: ""}
    exported = torch.jit.load(str(written), _extra_files=extra)
    assert json.loads(json.loads(extra[TORCHSCRIPT_METADATA])["classes"]) == ["chirp", "noise", "tone"]
    assert exported(torch.zeros(2, 8000)).shape == (2, 3)

    # A suffix typed wins over the file type; a place that cannot be written is said by name.
    messages.clear()
    _choose(monkeypatch, tmp_path / "out" / "birds.onnx", "TorchScript (*.pt)")
    action.trigger()
    qtbot.waitUntil(lambda: bool(messages), timeout=TIMEOUT_MS)
    assert (tmp_path / "out" / "birds.onnx").read_bytes()[:64] != written.read_bytes()[:64]
    assert "ONNX" in messages[0][0]

    messages.clear()
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    _choose(monkeypatch, blocker / "birds.onnx", "ONNX (*.onnx)")
    action.trigger()
    qtbot.waitUntil(lambda: bool(messages), timeout=TIMEOUT_MS)
    text, kind = messages[0]
    assert kind == "error" and "Could not export the model" in text and str(blocker) in text
