"""Checkpoints round trip; anything that is not one, or carries code, is refused and never runs."""

import dataclasses
import pickle
import warnings
import zipfile

import numpy as np
import pytest
import torch

from core.errors import CheckpointError
from core.ml.checkpoint import load_checkpoint, save_checkpoint
from core.ml.inference import Classifier
from tests.bad_corpus import PickledCode, write_trapped_checkpoint


@pytest.mark.slow
def test_round_trip_gives_same_predictions(trained, class_folder, tmp_path):
    path = save_checkpoint(trained.checkpoint, tmp_path / "m.pt")
    loaded = load_checkpoint(path)
    assert loaded.classes == trained.checkpoint.classes
    assert loaded.feature_config == trained.checkpoint.feature_config
    assert loaded.metrics["accuracy"] == trained.checkpoint.metrics["accuracy"]
    files = sorted(class_folder.rglob("*.wav"))[:5]
    a = [p.probabilities for p in Classifier(trained.checkpoint).predict_files(files)]
    b = [p.probabilities for p in Classifier(loaded).predict_files(files)]
    np.testing.assert_allclose(a, b, rtol=1e-5)


@pytest.mark.slow
def test_pickled_code_is_refused_and_not_run(tmp_path, trained):
    marker = tmp_path / "pwned"
    path = write_trapped_checkpoint(trained.checkpoint, tmp_path / "evil.pt", marker)
    with pytest.raises(CheckpointError, match="refused") as info:
        load_checkpoint(path)
    assert info.value.path == path
    assert not marker.exists()
    # The reason names what the file asked for, in plain text: no terminal escape codes, nor
    # torch's advice on loading it unsafely.
    reason = str(info.value)
    assert "asks to build Python objects (" in reason and "nothing of it was run" in reason
    assert "\x1b" not in reason and "weights_only" not in reason


def test_plain_pickle_is_refused(tmp_path):
    path = tmp_path / "evil.pkl"
    marker = tmp_path / "pwned"
    path.write_bytes(pickle.dumps(PickledCode(marker)))
    # torch's safe unpickler notes the protocol (plain pickle writes 4, torch.save 2) before it
    # refuses the file: the reason says it, torch's warning no longer reaches the terminal.
    with pytest.raises(CheckpointError, match="refused: not a PyTorch weights file"), \
            warnings.catch_warnings():
        warnings.simplefilter("error")
        load_checkpoint(path)
    assert not marker.exists()


@pytest.mark.parametrize(("content", "reason"), [
    (b"", "the file is empty"), (b"hello, not a model", "not a PyTorch file"),
    (b"PK\x03\x04broken zip", "damaged or cut short")])
def test_garbage_is_refused_in_plain_words(tmp_path, content, reason):
    path = tmp_path / "model.pt"
    path.write_bytes(content)
    with pytest.raises(CheckpointError, match="not an Earmark model") as info:
        load_checkpoint(path)
    assert reason in str(info.value) and "Error" not in str(info.value)


def test_a_whole_module_or_numpy_arrays_are_refused_naming_the_object(tmp_path):
    torch.save(torch.nn.Linear(2, 2), tmp_path / "module.pt")
    torch.save({"weights": np.zeros(3)}, tmp_path / "arrays.pt")
    with pytest.raises(CheckpointError, match=r"build Python objects \(torch\.nn\..*Linear\)"):
        load_checkpoint(tmp_path / "module.pt")
    with pytest.raises(CheckpointError, match=r"build Python objects \(numpy\."):
        load_checkpoint(tmp_path / "arrays.pt")


def test_foreign_state_dict_is_refused(tmp_path):
    path = tmp_path / "other.pt"
    torch.save({"weight": torch.zeros(3)}, path)
    with pytest.raises(CheckpointError, match="no Earmark header"):
        load_checkpoint(path)


@pytest.mark.slow
def test_class_names_load_in_the_store_s_unicode_form(tmp_path, trained):
    """A model trained on a macOS folder's decomposed café/ names the café the store keeps
    (core.store.records.clean_label), so its answers match the clips' labels."""
    payload = trained.checkpoint.to_payload()
    decomposed = ["cafe\u0301", *payload["classes"][1:]]
    payload["classes"], payload["background_class"] = decomposed, decomposed[0]
    torch.save(payload, tmp_path / "m.pt")
    loaded = load_checkpoint(tmp_path / "m.pt")
    assert loaded.classes == ["caf\u00e9", *decomposed[1:]]
    assert loaded.background_class == "caf\u00e9"
    # Trained before names were kept in one form, on a decomposed café and a typed one: the
    # names stay as they were, each answer its own (refused as "damaged" before).
    both = ["cafe\u0301", "caf\u00e9", *payload["classes"][2:]]
    payload["classes"], payload["background_class"] = both, both[0]
    torch.save(payload, tmp_path / "m.pt")
    loaded = load_checkpoint(tmp_path / "m.pt")
    assert loaded.classes == both and loaded.background_class == both[0]
    payload["classes"] = [payload["classes"][1], *payload["classes"][1:]]  # its answers as one
    torch.save(payload, tmp_path / "m.pt")
    with pytest.raises(CheckpointError, match="is named twice"):
        load_checkpoint(tmp_path / "m.pt")


def test_weights_that_are_not_finite_are_refused(tmp_path, trained):
    """A model whose weights hold NaN was loaded and answered every clip "nan%" with a class
    picked from NaNs (and the window's store refused the NaN confidences)."""
    payload = trained.checkpoint.to_payload()
    name = next(k for k, v in payload["state_dict"].items() if v.is_floating_point())
    payload["state_dict"] = {k: v.clone() for k, v in payload["state_dict"].items()}
    payload["state_dict"][name].view(-1)[0] = float("nan")
    torch.save(payload, tmp_path / "m.pt")
    with pytest.raises(CheckpointError, match=f"damaged Earmark model file \\(weights are not "
                                              f"finite: {name}\\)"):
        load_checkpoint(tmp_path / "m.pt")
    payload["state_dict"] = {k: v.float().fill_(float("inf")) if v.is_floating_point() else v
                             for k, v in payload["state_dict"].items()}
    torch.save(payload, tmp_path / "m.pt")
    with pytest.raises(CheckpointError, match="not finite: .* and [0-9]+ more"):
        load_checkpoint(tmp_path / "m.pt")


def test_settings_each_in_range_that_ask_for_gigabytes_are_refused_at_once(tmp_path, trained):
    """An hour at 768 kHz: loading it took 8 GB and 20 s for one silent clip."""
    payload = trained.checkpoint.to_payload()
    payload["feature_config"] = {**payload["feature_config"], "sample_rate_hz": 768_000,
                                 "clip_seconds": 3600.0}
    torch.save(payload, tmp_path / "m.pt")
    with pytest.raises(CheckpointError, match="2,764,800,000 samples, more than 8,388,608"):
        load_checkpoint(tmp_path / "m.pt")
    payload["feature_config"] = {**trained.checkpoint.feature_config.to_dict(),
                                 "kind": "spectrogram", "n_fft": 65_536, "hop_length": 1,
                                 "max_frames": None}
    torch.save(payload, tmp_path / "m.pt")
    with pytest.raises(CheckpointError, match="cells"):
        load_checkpoint(tmp_path / "m.pt")


def test_a_place_a_model_cannot_be_saved_is_named_before_training(tmp_path):
    from core.cli.commands import build_parser
    from core.ml.checkpoint import check_can_save

    blocker = tmp_path / "models"
    blocker.write_text("a file where the folder would be")
    with pytest.raises(CheckpointError, match="could not be saved there"):
        check_can_save(blocker / "m.pt")
    with pytest.raises(CheckpointError, match="is a folder"):
        check_can_save(tmp_path)
    check_can_save(tmp_path / "new" / "m.pt")  # a folder to make is no fault
    assert [p.name for p in (tmp_path / "new").iterdir()] == []  # the probe is gone
    folder = tmp_path / "nothing-read"  # refused before any clip is looked for
    args = build_parser().parse_args(["train", str(folder), "--out", str(blocker / "m.pt")])
    with pytest.raises(CheckpointError, match="could not be saved there"):
        args.func(args)


def test_class_bands_are_kept_and_a_bad_one_refused(tmp_path, trained):
    payload = trained.checkpoint.to_payload()
    n = len(payload["classes"])
    payload["class_bands_hz"] = [[400.0, 800.0]] + [None] * (n - 1)
    torch.save(payload, tmp_path / "m.pt")
    assert load_checkpoint(tmp_path / "m.pt").class_bands_hz == [(400.0, 800.0)] + [None] * (n - 1)
    for bad in ([[800.0, 400.0]] + [None] * (n - 1), [[400.0, 800.0]], "400-800"):
        payload["class_bands_hz"] = bad
        torch.save(payload, tmp_path / "m.pt")
        with pytest.raises(CheckpointError, match="damaged"):
            load_checkpoint(tmp_path / "m.pt")


def test_weights_for_another_class_count_are_refused(tmp_path, trained):
    payload = trained.checkpoint.to_payload()
    payload["classes"] = ["a", "b"]
    payload["thresholds"] = [0.5, 0.5]  # only the weights disagree with the classes
    payload["background_class"] = None
    payload.pop("novelty", None)  # the "unknown" rule is for 3 classes too
    path = tmp_path / "mismatch.pt"
    torch.save(payload, path)
    with pytest.raises(CheckpointError, match="do not fit") as caught:
        load_checkpoint(path)
    # torch's heading alone ended the message before: "...: Error(s) in loading state_dict for
    # CompactCNN:", and nothing after it.
    assert "size mismatch for" in caught.value.reason


def test_a_torchscript_export_is_named_as_one_and_not_run(tmp_path, recwarn):
    """Earmark's own TorchScript export, loaded as a model: "not a PyTorch file", and torch's
    warning that it would dispatch to torch.jit.load on the terminal."""
    path = tmp_path / "exported.pt"
    torch.jit.save(torch.jit.script(torch.nn.Linear(2, 2)), path)
    with pytest.raises(CheckpointError, match="a TorchScript export .* nothing of it was run"):
        load_checkpoint(path)
    assert not [w for w in recwarn if "TorchScript" in str(w.message)]


def test_an_onnx_export_is_named_as_one_whatever_its_name(tmp_path):
    """Earmark's own ONNX export, loaded as a model, was "not a PyTorch weights file (a Python
    pickle?)"; now it is named, with where the model it came from is kept."""
    import io
    import warnings

    data = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(torch.nn.Linear(2, 2), (torch.zeros(1, 2),), data, dynamo=False)
    for name in ("exported.onnx", "exported.model"):
        path = tmp_path / name
        path.write_bytes(data.getvalue())
        with pytest.raises(CheckpointError, match="an ONNX export .*models folder beside its "
                                                  "store.* nothing of it was run"):
            load_checkpoint(path)


def test_missing_file_and_folder(tmp_path):
    with pytest.raises(CheckpointError, match="not found"):
        load_checkpoint(tmp_path / "none.pt")
    with pytest.raises(CheckpointError, match="folder"):
        load_checkpoint(tmp_path)


@pytest.mark.slow
def test_save_is_atomic_and_leaves_previous_file(tmp_path, trained, monkeypatch):
    path = save_checkpoint(trained.checkpoint, tmp_path / "m.pt")
    before = path.read_bytes()

    def full_disk(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(torch, "save", full_disk)
    with pytest.raises(CheckpointError, match="no space left"):
        save_checkpoint(trained.checkpoint, path)
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["m.pt"]
    assert zipfile.is_zipfile(path)


@pytest.mark.slow
def test_thresholds_and_background_are_saved_and_loaded(tmp_path, trained):
    checkpoint = trained.checkpoint
    assert len(checkpoint.thresholds) == len(checkpoint.classes)
    assert all(0.0 <= t <= 1.0 for t in checkpoint.thresholds)
    checkpoint.thresholds = [0.25, 0.5, 0.75][:len(checkpoint.classes)]
    checkpoint.background_class = checkpoint.classes[0]
    try:
        loaded = load_checkpoint(save_checkpoint(checkpoint, tmp_path / "m.pt"))
    finally:
        checkpoint.thresholds, checkpoint.background_class = trained.checkpoint.thresholds, None
    assert loaded.thresholds == [0.25, 0.5, 0.75][:len(checkpoint.classes)]
    assert loaded.background_class == checkpoint.classes[0]
    # format 5 for a model with an "unknown" rule, 4 for one with a temperature (calibration)
    # alone, else still 3
    expected = 5 if checkpoint.novelty is not None else 4 if checkpoint.temperature != 1.0 else 3
    assert torch.load(tmp_path / "m.pt", weights_only=True)["format_version"] == expected
    # 6 for a model of one channel: an Earmark before it would hear the mix, so it refuses it.
    mix = checkpoint.feature_config
    checkpoint.feature_config = dataclasses.replace(mix, channel=1)
    try:
        save_checkpoint(checkpoint, tmp_path / "c.pt")
    finally:
        checkpoint.feature_config = mix
    assert torch.load(tmp_path / "c.pt", weights_only=True)["format_version"] == 6
    assert load_checkpoint(tmp_path / "c.pt").feature_config.channel == 1


@pytest.mark.slow
def test_a_format_1_checkpoint_loads_with_half_thresholds_and_no_background(tmp_path, trained):
    payload = trained.checkpoint.to_payload()
    payload["format_version"] = 1
    del payload["thresholds"], payload["background_class"], payload["multi_label"]
    torch.save(payload, tmp_path / "old.pt")
    loaded = load_checkpoint(tmp_path / "old.pt")
    assert loaded.thresholds == [0.5] * len(loaded.classes)
    assert loaded.background_class is None
    assert loaded.multi_label is False


@pytest.mark.slow
@pytest.mark.parametrize("thresholds, background, reason", [
    ([0.5], None, "1 thresholds for 3 classes"),
    ([0.5, 2.0, 0.5], None, "within 0..1"),
    (None, "crickets", "not a class"),
])
def test_bad_thresholds_or_background_are_refused(tmp_path, trained, thresholds, background,
                                                  reason):
    payload = trained.checkpoint.to_payload()
    payload["thresholds"], payload["background_class"] = thresholds, background
    torch.save(payload, tmp_path / "bad.pt")
    with pytest.raises(CheckpointError, match=reason):
        load_checkpoint(tmp_path / "bad.pt")


def _with_rule(checkpoint, threshold: float):
    """``checkpoint`` with an unknown rule: every clip with sound lies beyond a tiny
    ``threshold`` (unknown), none beyond a huge one."""
    import numpy as np

    from core.ml.novelty import NoveltyRule, feature_statistics

    model, features = checkpoint.build_model(), checkpoint.feature_config
    with torch.no_grad(), feature_statistics(model, features) as seen:
        model(torch.zeros(1, 1, features.n_freqs, features.n_frames))
    dim = seen[0].shape[1]
    checkpoint.novelty = NoveltyRule(np.zeros((len(checkpoint.classes), dim)), np.eye(dim),
                                     threshold)
    return checkpoint


def test_a_gate_is_kept_in_the_file_and_answers_unknown_for_its_model(tmp_path):
    """A model whose unknown answer is a second network's (the speech model's gate): saved and
    loaded with its gate, the gate's rule answers for it; a gate that does not fit is refused."""
    import dataclasses

    import pytest

    from core.errors import CheckpointError
    from core.ml.inference import Classifier
    from core.ml.model_card import format_card, read_model_card
    from tests import audio_factory, model_factory

    model = model_factory.untrained_checkpoint()
    strict = _with_rule(model_factory.untrained_checkpoint(), threshold=1e-9)
    path = model_factory.save(dataclasses.replace(model, partner=strict), tmp_path / "gated.pt")
    loaded = load_checkpoint(path)
    assert loaded.novelty is None and loaded.partner.novelty is not None
    tone = audio_factory.tone(440.0)
    answer = Classifier(loaded).predict_samples(tone, 16_000, name="tone")
    assert answer.verdict == "unknown" and answer.novelty > 1
    assert Classifier(model).predict_samples(tone, 16_000, name="tone").verdict is None
    assert "by a compact-bands network trained on the same clips" in format_card(
        read_model_card(path))
    with pytest.raises(ValueError, match="classes"):
        dataclasses.replace(model, partner=_with_rule(
            model_factory.untrained_checkpoint(classes=("a", "b", "c")), 1.0))
    with pytest.raises(ValueError, match="hear"):
        dataclasses.replace(model, partner=_with_rule(
            model_factory.untrained_checkpoint(clip_seconds=2.0), 1.0))
    # A shorter gate (the sounds' own length) judges a clip's stretches: a long model's is kept.
    long_model = model_factory.untrained_checkpoint(clip_seconds=3.0)
    saved = model_factory.save(dataclasses.replace(long_model, partner=strict), tmp_path / "long.pt")
    answer = Classifier(load_checkpoint(saved)).predict_samples(tone, 16_000, name="tone")
    assert answer.verdict == "unknown" and answer.novelty > 1
    cards = [" ".join(format_card(read_model_card(p)).split()) for p in (saved, path)]
    assert "(its gate, judging a clip by the 1 s about its loudest sounds)" in cards[0]
    assert "(its gate):" in cards[1]  # as long as its model's clips: the whole clip
    payload = torch.load(path, weights_only=True)
    payload["gate"]["state_dict"] = {"nonsense": torch.zeros(1)}
    torch.save(payload, tmp_path / "damaged.pt")
    with pytest.raises(CheckpointError, match="weights do not fit"):
        load_checkpoint(tmp_path / "damaged.pt")
