"""Exported models (ONNX run by onnxruntime, TorchScript by torch.jit.load) give the app's own
probabilities and novelty without prediction views, on the same clips: trimmed, DC-free and
padded as the app prepares them, calibrated, multi-label, seed-cnn's plain spectrogram;
metadata; and a file that cannot be written."""

import dataclasses
import json

import numpy as np
import pytest
import torch

from core.audio import reading
from core.errors import CheckpointError
from core.ml import export
from core.ml.checkpoint import Checkpoint
from core.ml.features import SEED_FEATURES, FeatureConfig, prepare_clip
from core.ml.inference import Classifier
from core.ml.networks import build_model
from tests import audio_factory

ort = pytest.importorskip("onnxruntime")

TOLERANCE = 1e-4
pytestmark = pytest.mark.filterwarnings("ignore:`torch.jit.load` is deprecated:DeprecationWarning")


def _run(path, fmt, waveforms: np.ndarray) -> np.ndarray:
    """The probabilities output."""
    return _outputs(path, fmt, waveforms)[0]


def _outputs(path, fmt, waveforms: np.ndarray) -> list[np.ndarray]:
    """Every output: the probabilities, and the novelty where the model has the rule."""
    waveforms = np.ascontiguousarray(waveforms, dtype=np.float32)
    if fmt == "onnx":
        session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
        assert [o.name for o in session.get_outputs()][0] == "probabilities"
        return session.run(None, {"waveform": waveforms})
    module = torch.jit.load(str(path))
    with torch.no_grad():
        out = module(torch.from_numpy(waveforms))
    return [t.numpy() for t in out] if isinstance(out, tuple) else [out.numpy()]


def _metadata(path, fmt) -> dict:
    if fmt == "onnx":
        return ort.InferenceSession(str(path)).get_modelmeta().custom_metadata_map
    extra = {export.TORCHSCRIPT_METADATA: ""}
    torch.jit.load(str(path), _extra_files=extra)
    return json.loads(extra[export.TORCHSCRIPT_METADATA])


def _app(checkpoint, clips) -> np.ndarray:
    return Classifier(checkpoint).probabilities(clips, views=False)


def _untrained(model_name: str, features: FeatureConfig, classes=("a", "b", "c")) -> Checkpoint:
    torch.manual_seed(0)
    model = build_model(model_name, len(classes), (features.n_freqs, features.n_frames))
    return Checkpoint(model_name, list(classes), features, model.state_dict())


@pytest.fixture(scope="module")
def clips(class_folder):
    """Every third clip of the session's class folder, read and prepared as the app does."""
    paths = sorted(class_folder.rglob("*.wav"))[::3]
    return np.stack([prepare_clip(reading.read(p, 16000, 0.0, 1.0), 16000) for p in paths])


@pytest.mark.slow
@pytest.mark.parametrize("fmt", export.FORMATS)
def test_exported_model_gives_the_apps_probabilities(trained, clips, tmp_path, fmt):
    checkpoint = trained.checkpoint
    path = export.export_model(checkpoint, tmp_path / f"model.{fmt}", fmt)
    expected = _app(checkpoint, clips)
    got = _run(path, fmt, clips)
    assert got.shape == (len(clips), 3)
    assert np.abs(got - expected).max() < TOLERANCE
    assert np.allclose(got.sum(axis=1), 1.0, atol=1e-5)
    # The batch dimension is dynamic: one clip alone gives its row of the batch.
    assert np.abs(_run(path, fmt, clips[2:3]) - expected[2:3]).max() < TOLERANCE
    meta = _metadata(path, fmt)
    assert json.loads(meta["classes"]) == list(checkpoint.classes) == ["chirp", "noise", "tone"]
    assert int(meta["sample_rate_hz"]) == 16000 and int(meta["n_samples"]) == 16000
    assert float(meta["temperature"]) == checkpoint.temperature
    assert meta["format"] == export.EXPORT_FORMAT and json.loads(meta["multi_label"]) is False
    assert meta["channel"] == "mix" and "the mean of a recording's channels" in meta["input"]
    assert "silence answer" in meta["not_included"]  # a person must not assume it
    assert "novelty" in meta["output"] and "over 1, Earmark answers unknown" in meta["output"]


@pytest.mark.slow
@pytest.mark.parametrize("fmt", export.FORMATS)
def test_exported_model_gives_the_apps_novelty(trained, clips, tmp_path, fmt):
    """An exported model named a class for anything: its unknown rule is a second output, the
    app's novelty of a clip measured without prediction views; noise and a tone unlike the
    training clips are over 1, the training clips' own under it."""
    checkpoint = trained.checkpoint
    assert checkpoint.novelty is not None
    path = export.export_model(checkpoint, tmp_path / f"model.{fmt}", fmt)
    rng = np.random.default_rng(7)
    strangers = np.stack([0.3 * rng.standard_normal(16000),  # loud white noise
                          0.5 * np.sin(2 * np.pi * 3500 * np.arange(16000) / 16000)]
                         ).astype(np.float32)
    every = np.concatenate([clips, strangers])
    probabilities, novelty = _outputs(path, fmt, every)
    app_probabilities, app_novelty = Classifier(checkpoint)._score(every, 64, views=False,
                                                                    novelty=True)
    assert novelty.shape == (len(every),)
    assert np.abs(probabilities - app_probabilities).max() < TOLERANCE
    np.testing.assert_allclose(novelty, app_novelty, rtol=1e-3)
    assert (novelty[-2:] > 1).all() and np.median(novelty[:-2]) < 1
    # One clip alone: its row of the batch.
    np.testing.assert_allclose(_outputs(path, fmt, every[-1:])[1], novelty[-1:], rtol=1e-3)
    # A model without the rule (multi-label) has the one output, and says it names a class
    # for anything.
    multi = export.export_model(dataclasses.replace(checkpoint, multi_label=True),
                                tmp_path / f"multi.{fmt}", fmt)
    assert len(_outputs(multi, fmt, clips[:2])) == 1
    assert "uses none" in _metadata(multi, fmt)["not_included"]
    # Nor one with a class of its own named unknown, which answers as taught, not the rule.
    taught = dataclasses.replace(checkpoint, classes=["chirp", "noise", "unknown"])
    path = export.export_model(taught, tmp_path / f"taught.{fmt}", fmt)
    assert len(_outputs(path, fmt, clips[:2])) == 1
    assert "novelty" not in _metadata(path, fmt)["output"]


@pytest.mark.slow
@pytest.mark.parametrize("fmt", export.FORMATS)
def test_raw_clips_are_trimmed_centred_and_padded_as_the_app_does(trained, tmp_path, fmt):
    """A clip with a DC offset, shorter than the window (padded after its mean is removed) and
    longer (the app reads one window of it)."""
    rng = np.random.default_rng(4)
    path = export.export_model(trained.checkpoint, tmp_path / f"model.{fmt}", fmt)
    for n in (9000, 16000, 21000):
        raw = np.stack([audio_factory.class_sample(name, rng, duration_s=n / 16000) + 0.2
                        for name in ("tone", "chirp")]).astype(np.float32)
        expected = _app(trained.checkpoint, np.stack([prepare_clip(r[:16000], 16000) for r in raw]))
        assert np.abs(_run(path, fmt, raw) - expected).max() < TOLERANCE
    # The offset matters: without its removal the padded clips score otherwise.
    short = np.stack([audio_factory.class_sample("tone", rng, duration_s=0.5) + 0.2]).astype(np.float32)
    padded = np.zeros((1, 16000), np.float32)
    padded[:, :8000] = short
    assert np.abs(_app(trained.checkpoint, padded) - _run(path, fmt, short)).max() > TOLERANCE


@pytest.mark.slow
@pytest.mark.parametrize("fmt", export.FORMATS)
def test_temperature_and_multi_label(trained, clips, tmp_path, fmt):
    tempered = dataclasses.replace(trained.checkpoint, temperature=2.5)
    got = _run(export.export_model(tempered, tmp_path / "t", fmt), fmt, clips)
    assert np.abs(got - _app(tempered, clips)).max() < TOLERANCE
    assert np.abs(got - _app(dataclasses.replace(tempered, temperature=1.0), clips)).max() > 0.01

    multi = dataclasses.replace(trained.checkpoint, multi_label=True)
    path = export.export_model(multi, tmp_path / "m", fmt)
    got = _run(path, fmt, clips)
    assert np.abs(got - _app(multi, clips)).max() < TOLERANCE
    assert not np.allclose(got.sum(axis=1), 1.0, atol=1e-3)  # sigmoids, one per class
    meta = _metadata(path, fmt)
    assert json.loads(meta["multi_label"]) is True and float(meta["temperature"]) == 1.0


@pytest.mark.parametrize("fmt", export.FORMATS)
@pytest.mark.parametrize("model_name, features", [
    ("seed-cnn", SEED_FEATURES),  # the seed's plain power spectrogram, 5 s clips
    ("compact", FeatureConfig(clip_seconds=0.5, normalize="clip")),  # models before "peak"
])
def test_other_networks_and_features_export(tmp_path, fmt, model_name, features):
    checkpoint = _untrained(model_name, features)
    rng = np.random.default_rng(1)
    n = features.n_samples
    clips = np.stack([prepare_clip(audio_factory.class_sample(name, rng, duration_s=n / 16000), n)
                      for name in ("tone", "chirp", "noise")])
    path = export.export_model(checkpoint, tmp_path / f"model.{fmt}", fmt)
    assert np.abs(_run(path, fmt, clips) - _app(checkpoint, clips)).max() < TOLERANCE
    assert int(_metadata(path, fmt)["n_samples"]) == n


def test_dft_spectrogram_matches_torchaudios():
    """The ONNX graph's STFT (a conv1d with a DFT basis) against torch.stft through torchaudio."""
    import torchaudio

    rng = np.random.default_rng(2)
    waveforms = torch.from_numpy(np.stack([audio_factory.class_sample(name, rng) for name in
                                           ("tone", "chirp", "noise")]).astype(np.float32))
    for n_fft, hop in ((512, 160), (600, 300)):
        expected = torchaudio.transforms.Spectrogram(n_fft=n_fft, hop_length=hop)(waveforms)
        got = export.DftPowerSpectrogram(n_fft, hop)(waveforms)
        assert got.shape == expected.shape
        assert (got - expected).abs().max() <= 1e-4 * expected.abs().max()


def test_format_for_path():
    assert export.format_for_path("a/model.onnx") == "onnx"
    assert export.format_for_path("model.PT") == "torchscript"
    assert export.format_for_path("model.bin") == "onnx"
    assert export.format_for_path("model.bin", "torchscript") == "torchscript"


def test_a_file_that_cannot_be_written_names_itself_and_keeps_the_old_one(tmp_path):
    checkpoint = _untrained("compact", FeatureConfig(clip_seconds=0.5))
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where a folder should be")
    with pytest.raises(CheckpointError, match="not-a-folder"):
        export.export_model(checkpoint, blocker / "model.onnx", "onnx")
    with pytest.raises(CheckpointError, match="is a folder"):
        export.export_model(checkpoint, tmp_path, "onnx")
    with pytest.raises(ValueError, match="unknown export format"):
        export.export_model(checkpoint, tmp_path / "model.x", "tflite")

    target = tmp_path / "model.onnx"
    target.write_bytes(b"the previous export")
    read_only = tmp_path / "ro"
    read_only.mkdir()
    kept = read_only / "model.onnx"
    kept.write_bytes(b"the previous export")
    read_only.chmod(0o500)
    try:
        if not _writable(read_only):  # root writes anywhere: nothing to refuse
            with pytest.raises(CheckpointError, match="could not write"):
                export.export_model(checkpoint, kept, "onnx")
            assert kept.read_bytes() == b"the previous export"
            assert [p.name for p in read_only.iterdir()] == ["model.onnx"]
    finally:
        read_only.chmod(0o700)
    assert export.export_model(checkpoint, target, "onnx") == target
    assert target.read_bytes() != b"the previous export"
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")] == []


def _writable(folder) -> bool:
    probe = folder / ".probe"
    try:
        probe.write_bytes(b"")
    except OSError:
        return False
    probe.unlink()
    return True


def test_export_apart_writes_in_a_child_process_what_export_model_writes(model_file, clips, tmp_path):
    """The window's export runs in a spawned process: the same file comes back (the same
    probabilities and metadata)."""
    path = export.export_model_apart(model_file, tmp_path / "apart.onnx", "onnx")
    assert path == tmp_path / "apart.onnx"
    here = export.export_model(model_file, tmp_path / "here.onnx", "onnx")
    np.testing.assert_allclose(_run(path, "onnx", clips), _run(here, "onnx", clips), atol=TOLERANCE)
    assert _metadata(path, "onnx") == _metadata(here, "onnx")


def test_export_apart_brings_back_the_childs_failure_naming_the_file(tmp_path):
    stranger = tmp_path / "stranger.pt"
    stranger.write_bytes(b"not a model file at all")
    with pytest.raises(CheckpointError, match="stranger.pt") as caught:
        export.export_model_apart(stranger, tmp_path / "out.onnx", "onnx")
    assert caught.value.path == stranger
    with pytest.raises(ValueError, match="unknown export format"):
        export.export_model_apart(stranger, tmp_path / "out.x", "tflite")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["stranger.pt"]


def test_export_apart_stops_when_asked_and_leaves_nothing(model_file, tmp_path):
    import multiprocessing

    asked = []

    def should_stop() -> bool:  # asked once the child is running
        asked.append(len(multiprocessing.active_children()))
        return True

    assert export.export_model_apart(model_file, tmp_path / "model.onnx", "onnx", should_stop) is None
    assert asked and asked[0] == 1  # the child was running when the stop came
    assert multiprocessing.active_children() == []  # ended and joined
    assert list(tmp_path.iterdir()) == []


def test_an_export_says_it_leaves_out_the_steady_sound_part_of_the_rule():
    from core.ml.novelty import STEADY_DB, NoveltyRule

    rule = NoveltyRule(np.zeros((2, 4)), np.eye(4), 1.0, 0.5, 0.06)
    checkpoint = Checkpoint("compact", ["a", "b"], FeatureConfig(clip_seconds=1.0), {},
                            novelty=rule)
    assert "steady" not in export.export_metadata(checkpoint)["not_included"]
    steady = dataclasses.replace(checkpoint, novelty=dataclasses.replace(rule, steady_db=STEADY_DB))
    assert "steady-sound part of Earmark's unknown rule" in \
        export.export_metadata(steady)["not_included"]
