"""``main.py export``: the file written (format from --format, the --out suffix or the default),
one line saying what was written, and one error line naming a file that cannot be read or written."""

import json

import numpy as np
import pytest

from core.cli import export as cli_export
from core.ml import export
from main import main

ort = pytest.importorskip("onnxruntime")


def _run(capsys, *argv):
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_formats_are_core_s():
    assert cli_export.FORMATS == export.FORMATS


def test_export_onnx_runs_and_says_what_it_wrote(capsys, untrained_model, tmp_path):
    out_path = tmp_path / "out" / "m.onnx"
    code, out, err = _run(capsys, "export", untrained_model, "--format", "onnx", "--out", out_path)
    assert code == 0, err
    assert out.startswith(f"{out_path}: onnx, 3 classes (chirp, noise, tone), 16000 Hz, 16000 samples")
    session = ort.InferenceSession(str(out_path))
    meta = session.get_modelmeta().custom_metadata_map
    assert json.loads(meta["classes"]) == ["chirp", "noise", "tone"]
    probabilities = session.run(None, {"waveform": np.zeros((3, 16000), np.float32)})[0]
    assert probabilities.shape == (3, 3)


def test_format_from_the_suffix_and_the_default_name(capsys, untrained_model, tmp_path):
    code, out, _ = _run(capsys, "export", untrained_model, "--out", tmp_path / "m.pt")
    assert code == 0 and out.startswith(f"{tmp_path / 'm.pt'}: torchscript")
    code, out, _ = _run(capsys, "export", untrained_model)
    default = untrained_model.with_name("untrained.onnx")
    assert code == 0 and default.is_file() and out.startswith(f"{default}: onnx")
    code, _, _ = _run(capsys, "export", untrained_model, "--format", "torchscript")
    assert code == 0 and untrained_model.with_name("untrained.torchscript.pt").is_file()


def test_errors_are_one_line_naming_the_file(capsys, untrained_model, tmp_path):
    before = untrained_model.read_bytes()
    code, _, err = _run(capsys, "export", untrained_model, "--out", untrained_model)
    assert code == 2 and "is the model file itself" in err and untrained_model.read_bytes() == before
    code, _, err = _run(capsys, "export", tmp_path / "missing.pt")
    assert code == 2 and err.strip().endswith("missing.pt: file not found")
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    code, _, err = _run(capsys, "export", untrained_model, "--out", blocker / "m.onnx")
    assert code == 2 and len(err.strip().splitlines()) == 1
    assert err.startswith(f"earmark: error: {blocker / 'm.onnx'}: could not write the exported model")
