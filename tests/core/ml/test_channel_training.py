"""A model trained on one channel of multi-channel recordings: it learns from that channel, keeps it
when it classifies, and hears a file without it (a mono file) as the mix."""

from __future__ import annotations

import numpy as np
import pytest

from core.audio import reading
from core.errors import ConfigError
from core.ml.feature_cache import settings_digest
from core.ml.features import DEFAULT_FEATURES, FeatureConfig
from core.ml.train_config import TrainConfig
from tests import audio_factory

RATE_HZ = audio_factory.DEFAULT_RATE_HZ
TONES_HZ = {"low": 600.0, "high": 2400.0}


def _hidden_tone(kind: str, seed: int, duration_s: float = 0.5) -> np.ndarray:
    """Stereo: the class's tone in the right channel with noise, and in the left the same noise
    less the tone, so the mix of the two is the noise alone: only channel 2 tells the classes
    apart."""
    noise = audio_factory.noise(duration_s, amplitude=0.1, seed=seed)
    tone = audio_factory.tone(TONES_HZ[kind] * (1 + 0.02 * (seed % 5)), duration_s, amplitude=0.3)
    return np.stack([noise - tone, noise + tone], axis=1)


def test_a_file_without_the_channel_is_read_as_the_mix_when_asked(tmp_path):
    stereo = audio_factory.write(tmp_path / "s.wav", _hidden_tone("low", 1))
    mono = audio_factory.write(tmp_path / "m.wav", audio_factory.tone(440.0, 0.2))
    # The mix is the noise alone: the tone cancels out.
    np.testing.assert_allclose(reading.read(stereo), audio_factory.noise(0.5, amplitude=0.1, seed=1),
                               atol=1e-4)
    np.testing.assert_allclose(reading.read(stereo, channel=1, or_mix=True),
                               reading.read(stereo, channel=1))
    np.testing.assert_allclose(reading.read(mono, channel=1, or_mix=True), reading.read(mono))
    np.testing.assert_allclose(reading.read(stereo, channel=5, or_mix=True), reading.read(stereo))
    with pytest.raises(ValueError, match="no channel 1"):
        reading.read(mono, channel=1)
    features = FeatureConfig(channel=1, sample_rate_hz=RATE_HZ)
    np.testing.assert_allclose(features.read(stereo, 0.1, 0.2),
                               reading.read(stereo, channel=1)[int(0.1 * RATE_HZ):][:int(0.2 * RATE_HZ)])


def test_the_channel_is_a_setting_checked_and_kept_apart_in_the_caches():
    assert TrainConfig().channel is None and DEFAULT_FEATURES.channel is None
    with pytest.raises(ConfigError, match="channel"):
        TrainConfig(channel=reading.MAX_CHANNELS)
    with pytest.raises(ValueError, match="channel"):
        FeatureConfig(channel=-1)
    # The mix's rows are those cached before a channel could be chosen; a channel's are its own.
    mix, right = DEFAULT_FEATURES, FeatureConfig(channel=1)
    assert settings_digest(mix, "features") != settings_digest(right, "features")
    before = {k: v for k, v in DEFAULT_FEATURES.to_dict().items() if k != "channel"}
    assert FeatureConfig.from_dict(before).channel is None  # a model from before: the mix


@pytest.mark.slow
def test_train_on_channel_two_learns_what_only_it_holds_and_classifies_with_it(tmp_path, capsys):
    from core.cli.commands import main
    from core.ml.checkpoint import load_checkpoint
    from core.ml.export import export_metadata
    from core.ml.inference import Classifier
    from core.ml.model_card import format_card, model_card
    from core.ml.training import train

    root = tmp_path / "project"
    for kind in TONES_HZ:
        for n in range(10):
            audio_factory.write(root / kind / f"{kind}{n}.wav", _hidden_tone(kind, n))
        # A mono file in the folder is heard as the mix: its own tone.
        audio_factory.write(root / kind / f"{kind}_mono.wav",
                            audio_factory.tone(TONES_HZ[kind], 0.5, amplitude=0.3))
    model = tmp_path / "m.pt"
    assert main(["train", str(root), "--channel", "65", "--out", str(model)]) == 2
    assert "--channel 65" in capsys.readouterr().err and not model.exists()
    assert main(["train", str(root), "--channel", "2", "--epochs", "6", "--clip-seconds", "0.5",
                 "--no-background", "--out", str(model)]) == 0
    checkpoint = load_checkpoint(model)
    assert checkpoint.feature_config.channel == 1 and checkpoint.train_config["channel"] == 1
    card = format_card(model_card(checkpoint, model))
    assert "channel 2 of a file that has it" in card and "channel=1" not in card  # counted from 1
    assert export_metadata(checkpoint)["channel"] == "2"
    classifier = Classifier(checkpoint)
    unseen = [audio_factory.write(tmp_path / "new" / f"{kind}{n}.wav", _hidden_tone(kind, 20 + n))
              for kind in TONES_HZ for n in range(4)]
    predicted = [p.label for p in classifier.predict_files(unseen)]
    assert predicted == [path.stem.rstrip("0123456789") for path in unseen]
    # Listen Live hands on a stereo microphone's frames: the model hears its channel of them.
    for kind in TONES_HZ:
        frames = np.tile(_hidden_tone(kind, 30), (3, 1))
        assert classifier.predict_samples(frames, RATE_HZ).label == kind
    # Fine-tuning keeps what the model hears, and its settings say so; the command line refuses
    # another channel rather than ignore it.
    assert main(["train", str(root), "--init-from", str(model), "--channel", "1",
                 "--out", str(tmp_path / "f.pt")]) == 2
    assert "m.pt was trained on channel 2" in capsys.readouterr().err
    tuned = train([(p, p.parent.name) for p in sorted(root.rglob("*.wav"))],
                  TrainConfig(epochs=1, background=False), init_from=checkpoint).checkpoint
    assert tuned.feature_config.channel == 1 and tuned.train_config["channel"] == 1
