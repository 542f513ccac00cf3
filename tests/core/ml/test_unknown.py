"""A model trained on a few sounds answers ``silence`` for silence and ``unknown`` for sounds it was
never trained on, keeps answering its own classes, and a model from before the rule never says
unknown."""

import dataclasses

import numpy as np
import pytest
import torch

from core.ml.checkpoint import load_checkpoint, save_checkpoint
from core.ml.inference import Classifier
from core.ml.novelty import SILENCE, UNKNOWN
from core.ml.training import TrainConfig, train
from tests import audio_factory

pytestmark = pytest.mark.slow  # trains a model


@pytest.fixture(scope="module")
def tone_chirp_model(tmp_path_factory):
    """Tones and chirps only (no noise), saved and loaded back. Twelve epochs: the run keeps its
    last one, and after 8 it still took 2 of 16 fresh tones for chirps (validation loss falling)."""
    root = audio_factory.make_class_folder(tmp_path_factory.mktemp("tc") / "data", n_per_class=24,
                                           kinds=("tone", "chirp"))
    clips = [(p, p.parent.name) for p in sorted(root.rglob("*.wav"))]
    result = train(clips, TrainConfig(epochs=12, clip_seconds_requested=1.0))
    assert result.checkpoint.novelty is not None
    return load_checkpoint(save_checkpoint(result.checkpoint, tmp_path_factory.mktemp("m") / "m.pt"))


def _write(folder, name, samples):
    return audio_factory.write(folder / f"{name}.wav", samples)


def test_silence_and_noise_are_answered_as_such(tone_chirp_model, tmp_path):
    rng = np.random.default_rng(7)
    files = {
        _write(tmp_path, "digital_silence", np.zeros(16000, np.float32)): SILENCE,
        _write(tmp_path, "quiet_hiss", audio_factory.noise(1.0, amplitude=1e-4)): SILENCE,
        _write(tmp_path, "long_silence", np.zeros(4 * 16000, np.float32)): SILENCE,  # windows
        _write(tmp_path, "loud_noise", audio_factory.noise(1.0, amplitude=0.3)): UNKNOWN,
        _write(tmp_path, "noise_burst", audio_factory.class_sample("noise", rng)): UNKNOWN,
        _write(tmp_path, "long_noise", audio_factory.noise(4.0, amplitude=0.3, seed=3)): UNKNOWN,
    }
    predictions = list(Classifier(tone_chirp_model).predict_files(list(files)))
    for prediction in predictions:
        assert prediction.ok
        assert prediction.verdict == files[prediction.path], prediction.path.name
        assert prediction.answer == files[prediction.path]
        # The scores are still there, and the class they point to, but no class is claimed.
        assert len(prediction.probabilities) == 2 and prediction.label in ("chirp", "tone")
        assert prediction.labels == ()
    assert all(p.novelty > 1 for p in predictions if p.verdict == UNKNOWN)


def test_its_own_classes_are_still_answered(tone_chirp_model, tmp_path):
    rng = np.random.default_rng(11)  # fresh clips, none of them trained on
    files = {_write(tmp_path, f"{kind}_{i}", audio_factory.class_sample(kind, rng)): kind
             for kind in ("tone", "chirp") for i in range(8)}
    long_chirp = np.concatenate([audio_factory.class_sample("chirp", rng) for _ in range(3)])
    files[_write(tmp_path, "long_chirp", long_chirp)] = "chirp"
    predictions = list(Classifier(tone_chirp_model).predict_files(list(files)))
    assert all(p.verdict is None and p.novelty < 1 for p in predictions)
    assert sum(p.answer == files[p.path] for p in predictions) >= len(predictions) - 1


def test_a_model_from_before_the_rule_loads_and_never_says_unknown(tone_chirp_model, tmp_path):
    payload = tone_chirp_model.to_payload()
    assert payload["format_version"] == 5
    del payload["novelty"]
    payload["format_version"] = 4
    torch.save(payload, tmp_path / "old.pt")
    old = load_checkpoint(tmp_path / "old.pt")
    assert old.novelty is None
    noise = _write(tmp_path, "noise", audio_factory.noise(1.0, amplitude=0.3))
    silence = _write(tmp_path, "silence", np.zeros(16000, np.float32))
    loud, quiet = Classifier(old).predict_files([noise, silence])
    assert loud.verdict is None and loud.answer == loud.label and loud.novelty is None
    assert quiet.verdict == SILENCE  # read from the waveform: every model hears silence
    # Saved again without a rule, it keeps the format an older Earmark opens.
    again = save_checkpoint(dataclasses.replace(old), tmp_path / "again.pt")
    assert torch.load(again, weights_only=True)["format_version"] < 5


def test_a_damaged_or_mismatched_rule_is_refused(tone_chirp_model, tmp_path):
    from core.errors import CheckpointError

    payload = tone_chirp_model.to_payload()
    payload["novelty"] = dict(payload["novelty"], threshold=-1.0)
    torch.save(payload, tmp_path / "bad.pt")
    with pytest.raises(CheckpointError, match="damaged"):
        load_checkpoint(tmp_path / "bad.pt")
    payload = tone_chirp_model.to_payload()
    size = payload["novelty"]["means"].shape[1] - 2
    payload["novelty"] = dict(payload["novelty"], means=payload["novelty"]["means"][:, :size],
                              precision=payload["novelty"]["precision"][:size, :size])
    torch.save(payload, tmp_path / "other.pt")
    with pytest.raises(CheckpointError, match="novelty"):
        load_checkpoint(tmp_path / "other.pt")


def test_one_call_in_a_long_stretch_of_hiss_is_answered_by_the_call():
    """A meow 9 dB over a recorder's hiss, once in a minute: the hiss's windows lay within 20 dB
    of the loudest, so a hundred of them (scored dog at 94%) outvoted the meow's two and the file
    was answered unknown. The answer rests on the windows that rise over the file's own floor;
    a file with sound all through, on them all."""
    from pathlib import Path

    from core.ml.inference import WindowScores

    def scores(levels_dbfs, probabilities):
        n = len(levels_dbfs)
        return WindowScores(Path("night.wav"), n / 2, np.arange(n) / 2,
                            np.array(probabilities, np.float32), np.zeros(n, bool),
                            np.array(levels_dbfs, float))

    levels = [-40.0] * 120
    levels[2:4] = [-31.0, -31.0]
    probabilities = [[0.06, 0.94]] * 120
    probabilities[2:4] = [[0.96, 0.04]] * 2
    night = scores(levels, probabilities)
    assert night.foreground.nonzero()[0].tolist() == [2, 3]
    assert night.file_probabilities.argmax() == 0  # the meow's class
    steady = scores(np.linspace(-30.0, -27.0, 20), [[0.3, 0.7]] * 20)  # sound all through
    assert steady.foreground.all()
    takes = scores([-28.0, -20.0, -20.0, -12.0, -12.0, -21.0], [[0.7, 0.3]] * 6)  # three takes
    assert takes.foreground.all()
    fading = scores([-17.3, -20.0, -24.2, -25.1], [[0.7, 0.3]] * 4)  # half near the quietest
    assert fading.foreground.all()
    word = scores([-10.0, -45.0, -45.0, -46.0], [[0.9, 0.1]] + [[0.1, 0.9]] * 3)
    assert word.foreground.tolist() == [True, False, False, False]  # hiss 35 dB under
