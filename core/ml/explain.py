"""Why a model said what it did of one clip: an importance map over the feature image it saw
(occlusion: how far the class's score falls when a patch is hidden), placed in the clip's time and
frequency; and the training augmentations of a clip's features, for the View menu's preview.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from core.audio import reading as audio
from core.errors import EarmarkError
from core.ml.features import FeatureConfig, FeatureExtractor, augment, prepare_clip, silence_fill
from core.ml.inference import mean_scores
from core.ml.novelty import SILENCE
from core.ml.samples import one_window
from core.ml.silence import is_silent

# The map: "gradient" (the gradient of the class's log-probability, through the prediction views
# and temperature, times each cell's height above silence, blurred over a sixteenth of the bands
# and a twentieth of the frames) or "occlusion" (the fall of that log-probability when a patch is
# hidden). Measured with bench/bench_explain.py on 60 held-out FSDD clips (models trained on two
# other speakers' 200 clips): keeping only the top 10-40% of cells a map ranks highest kept the
# class's probability at 0.91 for the gradient, 0.59 for occlusion, 0.26 for Grad-CAM and 0.22
# for a random ranking with compact-bands, the default network; hiding the top 2.5-20% left
# 0.39 against occlusion's 0.41 (random 0.39). With "compact" occlusion did a little better
# (kept 0.37 against 0.34; hidden 0.13 against 0.15). The gradient took 76 ms per 1 s clip on
# one core of a busy 2-core CPU, occlusion 0.55 s. Both work for every network in the registry,
# where Grad-CAM needs to know each one's last conv block.
METHODS = ("gradient", "occlusion")
DEFAULT_METHOD = "gradient"
# Occlusion over a grid of about 15 x 20 patches (each an eighth of the bands and a tenth of the
# frames, overlapping by half) whatever the image's size: ~300 copies through the model. A finer
# grid (1/16 x 1/20) took 2.8 s and its top cells alone kept the class at 0.14: a small patch
# hides too little.
PATCH_BANDS_FRACTION = 1 / 8
PATCH_FRAMES_FRACTION = 1 / 10
PATCH_OVERLAP = 0.5
OCCLUSION_BATCH = 64  # copies per forward pass; should_stop is checked between them
BLUR_BANDS_FRACTION = 1 / 16
BLUR_FRAMES_FRACTION = 1 / 20
# The preview's augmented copies are drawn from a generator seeded per clip, so a clip shows the
# same four each time it is selected.
PREVIEW_COPIES = 4


class ExplanationStopped(EarmarkError):
    """``should_stop()`` said stop before the map was finished."""


@dataclass(frozen=True)
class ExplainConfig:
    """How the map is made: ``method`` one of METHODS. "gradient": through the prediction views
    when ``views`` (the probability the clip list shows), blurred over ``blur_bands_fraction`` of
    the rows and ``blur_frames_fraction`` of the columns. "occlusion": each patch covers
    ``bands_fraction`` of the rows and ``frames_fraction`` of the columns, moved by (1 -
    ``overlap``) of a patch, ``batch_size`` copies per pass, scored without the views (five
    passes per copy would cost seconds)."""

    method: str = DEFAULT_METHOD
    views: bool = True
    blur_bands_fraction: float = BLUR_BANDS_FRACTION
    blur_frames_fraction: float = BLUR_FRAMES_FRACTION
    bands_fraction: float = PATCH_BANDS_FRACTION
    frames_fraction: float = PATCH_FRAMES_FRACTION
    overlap: float = PATCH_OVERLAP
    batch_size: int = OCCLUSION_BATCH

    def __post_init__(self) -> None:
        if self.method not in METHODS:
            raise ValueError(f"unknown method {self.method!r}; known: {', '.join(METHODS)}")


@dataclass(frozen=True)
class Explanation:
    """An importance map of one model window of a clip for one class.

    ``importance`` ``(n_freqs, n_frames)`` float32, row 0 the lowest band, in the class's
    log-probability: how much each cell's sound raised it (``method`` "gradient": to first
    order; "occlusion": how far it fell when a patch over the cell was filled with the features'
    silence, averaged over the patches covering it); negative where the sound made the class
    less likely. Column ``k`` is centred at ``start_s + k * frame_s``; ``band_hz`` ``(n_freqs,)``
    is each row's centre frequency. ``audio_s`` is how much of the window holds the clip (the
    rest is padding). ``probability`` is the class's score as the clip list shows it (prediction
    views and temperature), ``scores`` ``(n_classes,)`` all of them.
    """

    importance: np.ndarray
    class_index: int
    class_name: str
    probability: float
    scores: np.ndarray
    start_s: float
    frame_s: float
    window_s: float
    audio_s: float
    band_hz: np.ndarray
    method: str = DEFAULT_METHOD
    #: The model's answer where it names no class ("silence", "unknown": see explain_file);
    #: None where it names one (or was not asked: explain_clip).
    verdict: str | None = None

    @property
    def n_frames(self) -> int:
        return int(self.importance.shape[1])


def model_window_start_s(duration_s: float, window_s: float, view_start_s: float = 0.0,
                         view_end_s: float | None = None) -> float:
    """Where the window to explain starts (s): 0 for a clip the model scores as one window (up
    to SINGLE_WINDOW_FACTOR windows long, as ``Classifier`` does), else the window centred on
    the visible range ``view_start_s``..``view_end_s``, kept inside the file."""
    if one_window(duration_s, window_s):
        return 0.0
    end_s = duration_s if view_end_s is None else view_end_s
    centre_s = (view_start_s + end_s) / 2.0
    return float(min(max(centre_s - window_s / 2.0, 0.0), duration_s - window_s))


def explain_file(classifier, path: str | Path, start_s: float = 0.0,
                 class_index: int | None = None, config: ExplainConfig = ExplainConfig(),
                 should_stop: Callable[[], bool] | None = None) -> Explanation:
    """Explain the model's score of the window of ``path`` starting at ``start_s`` (see
    ``explain_clip``), with the model's answer when it names no class (``verdict``): a file
    scored as one window is judged as the clip list judges it (silence, unknown); a longer
    file's window only for silence, its unknown being the whole file's (its loudest windows').
    The map of the class scored highest in digital silence is no reason for an answer. Raises
    AudioError for a file that cannot be read."""
    features = classifier.features
    duration_s = audio.info(path).duration_s
    samples = features.read(path, start_s, classifier.window_s)
    if one_window(duration_s, classifier.window_s):
        judged = classifier.predict_samples(samples, features.sample_rate_hz, name=str(path))
        verdict = judged.verdict if judged.ok else None
    else:  # silence needs no pass of the model (it ran one here that only silence was kept of)
        silent = SILENCE in classifier.verdicts and is_silent(samples, features.sample_rate_hz)
        verdict = SILENCE if silent else None
    explained = explain_clip(classifier, samples, class_index, config, should_stop,
                             start_s=start_s, audio_s=min(classifier.window_s, duration_s - start_s))
    return dataclasses.replace(explained, verdict=verdict)


def explain_clip(classifier, samples: np.ndarray, class_index: int | None = None,
                 config: ExplainConfig = ExplainConfig(),
                 should_stop: Callable[[], bool] | None = None, start_s: float = 0.0,
                 audio_s: float | None = None) -> Explanation:
    """The importance map of ``classifier`` (a ``Classifier``) on one clip, ``samples`` at its
    rate (padded or trimmed to its window), for ``class_index`` (None: the class it scores
    highest, as the clip list shows it). ``should_stop()`` is checked between passes; raises
    ExplanationStopped. The model runs on the classifier's ``device`` (a GPU or the CPU); the
    features, their prediction views (drawn on the CPU) and the map stay on the CPU."""
    feature_config: FeatureConfig = classifier.features
    device = torch.device(getattr(classifier, "device", "cpu"))
    clip = prepare_clip(samples, feature_config.n_samples)
    with torch.no_grad():
        x = classifier.extractor(torch.from_numpy(clip)[None].to(device)).cpu()

    def forward(batch: torch.Tensor) -> torch.Tensor:
        # The copies are differentiable, so the gradient comes back to the CPU features.
        batch = batch.to(device).contiguous(memory_format=torch.channels_last)
        return classifier.model(batch).float().cpu()

    if getattr(classifier, "fusion_temperature", None) is not None:
        # A model that answers with its partner (fusion.py): the class and score are the answer's,
        # the map this network's part in it.
        shown = classifier.probabilities(clip[None])[0]
    else:
        with torch.no_grad():
            shown = mean_scores(forward, x, feature_config, True, classifier.multi_label,
                                classifier.temperature)[0].numpy()
    chosen = int(np.argmax(shown)) if class_index is None else int(class_index)
    if not 0 <= chosen < len(shown):
        raise ValueError(f"class index {chosen} outside the model's {len(shown)} classes")
    silence = torch.as_tensor(silence_fill(x, feature_config))
    if feature_config.kind == "speech":
        # The silent embedding a row (1, 1, 96, 1), over whole frames: its rows are no bands.
        config = dataclasses.replace(config, bands_fraction=1.0, blur_bands_fraction=1.0)
    else:
        silence = float(silence.reshape(-1)[0])

    def log_score(batch: torch.Tensor, views: bool) -> torch.Tensor:
        """The chosen class's log-probability as shown (temperature; views when asked)."""
        scores = mean_scores(forward, batch, feature_config, views, classifier.multi_label,
                             classifier.temperature)
        return torch.log(scores[:, chosen].clamp_min(torch.finfo(scores.dtype).tiny))

    if config.method == "gradient":
        if should_stop is not None and should_stop():
            raise ExplanationStopped("stopped before the map was made")
        importance = gradient_map(lambda batch: log_score(batch, config.views), x, silence,
                                  config)
    else:
        with torch.no_grad():
            importance = occlusion_map(lambda batch: log_score(batch, False), x, silence,
                                       config, should_stop)
    if feature_config.kind == "speech":
        # The rows are the speech embedding's numbers, no frequencies: what drove the answer is
        # when, drawn over every frequency.
        importance = np.repeat(importance.mean(axis=0, keepdims=True), len(importance), axis=0)
    frame_s = feature_config.hop_samples / feature_config.sample_rate_hz
    window_s = float(feature_config.clip_seconds)
    return Explanation(
        importance=importance, class_index=chosen, class_name=str(classifier.classes[chosen]),
        probability=float(shown[chosen]), scores=shown.astype(np.float32), start_s=float(start_s),
        frame_s=frame_s, window_s=window_s,
        audio_s=window_s if audio_s is None else float(min(max(audio_s, 0.0), window_s)),
        band_hz=band_centres_hz(feature_config), method=config.method)


def gradient_map(score: Callable[[torch.Tensor], torch.Tensor], features: torch.Tensor,
                 silence: float | torch.Tensor, config: ExplainConfig = ExplainConfig()
                 ) -> np.ndarray:
    """``(n_freqs, n_frames)``: the gradient of ``score`` (a batch ``(1, 1, n_freqs, n_frames)``
    -> ``(1,)``) at ``features`` times each cell's height above ``silence`` (a cell at silence
    adds nothing), box-blurred as ``config`` says. Any differentiable model."""
    with torch.enable_grad():
        x = features.detach().clone().requires_grad_(True)
        (grad,) = torch.autograd.grad(score(x).sum(), x)
    saliency = (grad * (x.detach() - silence)).float()
    _, _, n_freqs, n_frames = saliency.shape
    kernel = (_odd(n_freqs * config.blur_bands_fraction), _odd(n_frames * config.blur_frames_fraction))
    if kernel != (1, 1):
        saliency = torch.nn.functional.avg_pool2d(saliency, kernel, stride=1,
                                                  padding=(kernel[0] // 2, kernel[1] // 2),
                                                  count_include_pad=False)
    return saliency[0, 0].numpy().astype(np.float32)


def _odd(cells: float) -> int:
    """The odd kernel size nearest ``cells`` (at least 1)."""
    return 2 * int(round((max(cells, 1.0) - 1) / 2)) + 1


def occlusion_map(score: Callable[[torch.Tensor], torch.Tensor], features: torch.Tensor,
                  fill: float | torch.Tensor, config: ExplainConfig = ExplainConfig(),
                  should_stop: Callable[[], bool] | None = None) -> np.ndarray:
    """``(n_freqs, n_frames)``: for each cell of ``features`` ``(1, 1, n_freqs, n_frames)``, the
    mean fall of ``score`` (a batch ``(n, 1, n_freqs, n_frames)`` -> ``(n,)``) over the patches
    covering it when each is filled with ``fill`` (a value, or one a row: ``(1, 1, n_freqs,
    1)``). Any model; raises ExplanationStopped."""
    _, _, n_freqs, n_frames = features.shape
    patch_rows = max(1, round(n_freqs * config.bands_fraction))
    patch_cols = max(1, round(n_frames * config.frames_fraction))
    positions = [(row, col)
                 for row in _patch_starts(n_freqs, patch_rows, config.overlap)
                 for col in _patch_starts(n_frames, patch_cols, config.overlap)]
    base = float(score(features)[0])
    total = np.zeros((n_freqs, n_frames), dtype=np.float64)
    count = np.zeros((n_freqs, n_frames), dtype=np.float64)
    for first in range(0, len(positions), max(1, config.batch_size)):
        if should_stop is not None and should_stop():
            raise ExplanationStopped("stopped before the map was finished")
        chunk = positions[first:first + config.batch_size]
        batch = features.expand(len(chunk), -1, -1, -1).clone()
        for i, (row, col) in enumerate(chunk):
            batch[i, :, row:row + patch_rows, col:col + patch_cols] = (
                fill[0, :, row:row + patch_rows] if isinstance(fill, torch.Tensor) else fill)
        falls = base - score(batch).double().numpy()
        for fall, (row, col) in zip(falls, chunk, strict=True):
            total[row:row + patch_rows, col:col + patch_cols] += fall
            count[row:row + patch_rows, col:col + patch_cols] += 1
    return (total / np.maximum(count, 1)).astype(np.float32)


def _patch_starts(size: int, patch: int, overlap: float) -> list[int]:
    """Patch starts along an axis of ``size`` cells: every (1 - overlap) patch, the last flush
    with the end so every cell is covered."""
    step = max(1, round(patch * (1 - overlap)))
    starts = list(range(0, max(size - patch, 0) + 1, step))
    if starts[-1] + patch < size:
        starts.append(size - patch)
    return starts


def band_centres_hz(config: FeatureConfig) -> np.ndarray:
    """``(n_freqs,)`` the centre frequency (Hz) of each row of ``config``'s feature image: the
    mel bands' (Slaney's scale, as ``FeatureExtractor`` builds them) or the FFT bins'."""
    if config.kind == "speech":  # no frequencies: its rows are spread over the whole band
        return np.linspace(0.0, config.sample_rate_hz / 2, config.n_freqs)
    if config.kind != "logmel":
        return np.arange(config.n_freqs, dtype=np.float64) * config.sample_rate_hz / config.n_fft
    f_max_hz = config.f_max_hz or config.sample_rate_hz / 2
    points = np.linspace(_hz_to_mel(config.f_min_hz), _hz_to_mel(f_max_hz), config.n_mels + 2)
    return _mel_to_hz(points[1:-1])


# Slaney's mel scale (torchaudio's mel_scale="slaney"): linear below 1 kHz, logarithmic above.
_MEL_LINEAR_HZ = 200.0 / 3
_MEL_BREAK_HZ = 1000.0
_MEL_LOG_STEP = np.log(6.4) / 27.0


def _hz_to_mel(hz):
    hz = np.asarray(hz, dtype=np.float64)
    break_mel = _MEL_BREAK_HZ / _MEL_LINEAR_HZ
    return np.where(hz < _MEL_BREAK_HZ, hz / _MEL_LINEAR_HZ,
                    break_mel + np.log(np.maximum(hz, 1e-9) / _MEL_BREAK_HZ) / _MEL_LOG_STEP)


def _mel_to_hz(mel):
    mel = np.asarray(mel, dtype=np.float64)
    break_mel = _MEL_BREAK_HZ / _MEL_LINEAR_HZ
    return np.where(mel < break_mel, mel * _MEL_LINEAR_HZ,
                    _MEL_BREAK_HZ * np.exp(_MEL_LOG_STEP * (mel - break_mel)))


def importance_on_hz_grid(explanation: Explanation, top_hz: float, n_rows: int) -> np.ndarray:
    """``(n_rows, n_frames)``: the map resampled onto rows evenly spaced from 0 to ``top_hz``
    (row ``i`` centred at ``(i + 0.5) * top_hz / n_rows``), as a linear-frequency spectrogram
    draws; linear between band centres, zero outside the bands the model sees."""
    centres_hz = explanation.band_hz
    rows_hz = (np.arange(n_rows) + 0.5) * (top_hz / n_rows)
    half_first = (centres_hz[1] - centres_hz[0]) / 2 if len(centres_hz) > 1 else 0.0
    half_last = (centres_hz[-1] - centres_hz[-2]) / 2 if len(centres_hz) > 1 else 0.0
    inside = (rows_hz >= centres_hz[0] - half_first) & (rows_hz <= centres_hz[-1] + half_last)
    out = np.zeros((n_rows, explanation.n_frames), dtype=np.float32)
    for col in range(explanation.n_frames):
        out[:, col] = np.interp(rows_hz, centres_hz, explanation.importance[:, col])
    out[~inside] = 0.0
    return out


@dataclass(frozen=True)
class AugmentationPreview:
    """A clip window's features as the model sees them, ``original`` ``(n_freqs, n_frames)``,
    and ``augmented`` ``(n_copies, n_freqs, n_frames)``: the same through ``augment`` as in
    training (each copy augmented). ``start_s``/``window_s`` place the window in the file."""

    original: np.ndarray
    augmented: np.ndarray
    start_s: float
    window_s: float


@torch.inference_mode()
def augmented_features(samples: np.ndarray, config: FeatureConfig, n_copies: int = PREVIEW_COPIES,
                       seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """(original ``(n_freqs, n_frames)``, ``n_copies`` augmented ``(n_copies, n_freqs,
    n_frames)``) of one clip, ``samples`` at ``config``'s rate (padded or trimmed to its clip
    length). Every copy is augmented (training applies it with ``augment_probability``); the
    same ``seed`` gives the same copies."""
    clip = prepare_clip(samples, config.n_samples)
    x = FeatureExtractor(config)(torch.from_numpy(clip)[None])
    generator = torch.Generator().manual_seed(int(seed))
    always = dataclasses.replace(config, augment_probability=1.0)
    out = augment(x.expand(n_copies, -1, -1, -1).contiguous(), always, generator)
    return x[0, 0].numpy().astype(np.float32), out[:, 0].numpy().astype(np.float32)


def preview_file(path: str | Path, config: FeatureConfig, start_s: float = 0.0,
                 n_copies: int = PREVIEW_COPIES, seed: int | None = None) -> AugmentationPreview:
    """``augmented_features`` of the window of ``path`` starting at ``start_s``; ``seed`` None
    is one drawn from the file's name, so a clip keeps its copies. Raises AudioError."""
    path = Path(path)
    samples = config.read(path, start_s, config.clip_seconds)
    if seed is None:
        seed = sum(path.name.encode()) * 7919 + int(start_s * 1000)
    original, augmented = augmented_features(samples, config, n_copies, seed)
    return AugmentationPreview(original, augmented, float(start_s), float(config.clip_seconds))
