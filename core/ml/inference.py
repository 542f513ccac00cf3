"""Classifying files with a checkpoint: batches of clips, overlapping windows for long files.

Each file yields one ``Prediction``; a file that cannot be read yields one with ``error`` set and
never costs the rest of the batch.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import nullcontext
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch

from core.audio import reading as audio
from core.audio.resampling import resample
from core.errors import AudioError, EarmarkError
from core.ml.checkpoint import DEFAULT_THRESHOLD, Checkpoint, load_checkpoint
from core.ml.features import (
    FeatureConfig,
    FeatureExtractor,
    mean_probabilities,
    prediction_views,
    prepare_clip,
)
from core.ml.fusion import fuse
from core.ml.networks import fold_batch_norm
from core.ml.novelty import (
    LONG_NOVELTY_SHARE,
    LONG_WINDOWS,
    SILENCE,
    UNKNOWN,
    feature_rise_db,
    feature_statistics,
    gated_novelty,
    partner_in_use,
    rule_in_use,
    verdicts_of,
)
from core.ml.runtime import resolve_device
from core.ml.samples import one_window
from core.ml.silence import is_silent, window_sound

WINDOW_OVERLAP = 0.5  # share of a window that overlaps the next one
# A long file's answer rests on its windows within FOREGROUND_DB of its loudest (a phone's or a
# room's hiss lies 30-50 dB under a voice near it); in a file that is mostly background
# (FLOOR_SHARE of its windows or more within FLOOR_SPREAD_DB of its quietest), on those
# FLOOR_RISE_DB or more over that floor (a call 9 dB over a recorder's hiss, once a minute):
# WindowScores.foreground.
FOREGROUND_DB = 20.0
FLOOR_SHARE = 0.75
FLOOR_SPREAD_DB = 3.0
FLOOR_RISE_DB = 6.0
DECODE_WORKERS = 2  # threads reading files ahead of the model (see Classifier._predict)


@dataclass(frozen=True)
class Prediction:
    """What the model says of one file. ``probabilities`` follow ``classes`` order."""

    path: Path
    classes: tuple[str, ...]
    label: str | None = None  # the class scored highest
    confidence: float = 0.0
    probabilities: tuple[float, ...] = ()
    duration_s: float = 0.0
    # Long files: the start of each window (s) and its class probabilities (n_windows, n_classes).
    window_starts_s: tuple[float, ...] = ()
    window_probabilities: np.ndarray | None = field(default=None, compare=False)
    # Long files: ``(n_windows,)`` which windows are unlike every clip the model was trained on
    # (WindowScores.unknown; none for a model without an unknown rule).
    window_unknown: np.ndarray | None = field(default=None, compare=False)
    peak_time_s: float | None = None  # start of the window that most supports ``label``
    error: str | None = None
    # Every class the file holds: a multi-label model's classes at or above their thresholds
    # (for a long file, in any window), in class order, perhaps none; ``(label,)`` for a
    # single-label model; empty on error.
    labels: tuple[str, ...] = ()
    # SILENCE (no sound in the file) or UNKNOWN (unlike every clip the model was trained on; see
    # novelty.py): then the model names no class (``labels`` is empty) and ``label``,
    # ``confidence`` and ``probabilities`` are only its scores. None: the answer is ``label``.
    verdict: str | None = None
    # The clip's distance from the training clips over the distance beyond which it is unknown
    # (over 1: unknown); None when the model has no such rule (multi-label, older files).
    novelty: float | None = None

    @property
    def ok(self) -> bool:
        return self.error is None

    @property
    def answer(self) -> str | None:
        """What the model says of the file: ``verdict`` when there is one, else ``label``."""
        return self.verdict or self.label


def mean_scores(forward, features: torch.Tensor, config: FeatureConfig, views: bool = True,
                multi_label: bool = False, temperature: float = 1.0) -> torch.Tensor:
    """Class scores ``(batch, n_classes)`` of a batch averaged over its prediction views: the
    softmax of ``forward`` (``features.mean_probabilities``), tempered after the views are averaged
    (``calibration.temper``), or with ``multi_label`` each class's own sigmoid (the classes need not sum
    to 1; no temperature)."""
    if not multi_label:
        probabilities = mean_probabilities(forward, features, config, views)
        if temperature == 1.0:
            return probabilities
        tiny = torch.finfo(probabilities.dtype).tiny  # calibration.temper, in torch
        return torch.softmax(torch.log(probabilities.clamp_min(tiny)) / temperature, dim=1)
    batches = prediction_views(features, config) if views else [features]
    return sum(torch.sigmoid(forward(batch)) for batch in batches) / len(batches)


def view_logits(forward, features: torch.Tensor, config: FeatureConfig,
                views: bool = True) -> torch.Tensor:
    """The logits of each prediction view, ``(batch, n_views, n_classes)`` (one view when
    ``views`` is False): what ``calibration.fit_temperature`` fits on."""
    batches = prediction_views(features, config) if views else [features]
    return torch.stack([forward(batch) for batch in batches], dim=1)


class ScoringStopped(EarmarkError):
    """``should_stop()`` said stop before every window of a file was scored."""


@dataclass(frozen=True)
class WindowScores:
    """A file's windows: ``starts_s`` ``(n_windows,)``, ``probabilities``
    ``(n_windows, n_classes)`` in the classifier's class order, and which windows hold no sound
    (``silent``, :func:`silence.is_silent`), whose scores say nothing of the file: a model
    taught words scored the quiet after one as a word at 90%."""

    path: Path
    duration_s: float
    starts_s: np.ndarray = field(compare=False)
    probabilities: np.ndarray = field(compare=False)
    silent: np.ndarray = field(compare=False)
    #: ``(n_windows,)`` each window's level, dB full scale (``silence.window_sound``).
    level_dbfs: np.ndarray = field(compare=False)
    #: ``(n_windows,)`` how unlike the training clips each window is, as a share of the
    #: distance beyond which a clip is unknown (the model's rule, of the window alone, without
    #: the prediction views it was fitted with); None unless asked for (``score_windows``'s
    #: ``novelty``) of a model with the rule.
    novelty: np.ndarray | None = field(default=None, compare=False)

    @property
    def unknown(self) -> np.ndarray:
        """``(n_windows,)`` the windows with sound unlike every clip the model was trained on:
        novelty over 1, the rule's threshold for a window alone, at which Detect Events leaves a
        stretch out (detection.unknown_events); none without ``novelty``."""
        if self.novelty is None:
            return np.zeros(len(self.starts_s), dtype=bool)
        return (np.asarray(self.novelty) > 1) & ~self.silent

    @property
    def heard(self) -> np.ndarray:
        """``probabilities`` with a silent window's scores 0: what the file's stretches hold
        (its score track, its events)."""
        return np.where(self.silent[:, None], np.float32(0.0), self.probabilities)

    @property
    def foreground(self) -> np.ndarray:
        """``(n_windows,)`` bool: the windows with sound whose level is within FOREGROUND_DB
        of the loudest window's, those the file's answer rests on. A word recorded with 9 s of
        room hiss after it (35 dB under the word) was answered by the hiss's windows, 18 to
        the word's 2: unknown. In a file that is mostly background, of those, the ones that
        rise FLOOR_RISE_DB over it: a meow 9 dB over a minute of hiss was outvoted by the hiss
        (unknown too). Not in one with sound through most of it: three takes of a word
        recorded at levels 6 dB apart rest on all three (on the loudest alone, 4 times as many
        long files of a held-out speaker's words were answered unknown)."""
        sounding = ~self.silent
        if not sounding.any():
            return sounding
        levels = self.level_dbfs[sounding]
        near = sounding & (self.level_dbfs >= levels.max() - FOREGROUND_DB)
        floor = levels.min()
        if np.mean(levels <= floor + FLOOR_SPREAD_DB) < FLOOR_SHARE:
            return near
        over = near & (self.level_dbfs >= floor + FLOOR_RISE_DB)
        return over if over.any() else near

    @property
    def file_probabilities(self) -> np.ndarray:
        """``(n_classes,)`` the file's: the mean of its ``foreground`` windows (of all, in a
        file with no sound)."""
        kept = self.foreground
        return (self.probabilities[kept] if kept.any() else self.probabilities).mean(axis=0)


class Classifier:
    """A loaded model ready to score files; build with ``from_checkpoint``. The model and the
    feature extraction run on ``device`` (runtime.resolve_device: "cpu" by default, "auto" for
    a GPU when there is one; a device the machine lacks raises TrainingError); what comes out is
    numpy, whatever the device."""

    def __init__(self, checkpoint: Checkpoint, decode_workers: int = DECODE_WORKERS,
                 device: str = "cpu") -> None:
        self.device = resolve_device(device)
        self.decode_workers = max(1, decode_workers)
        self.checkpoint = checkpoint
        self.classes = tuple(checkpoint.classes)
        self.verdicts = verdicts_of(self.classes)  # a class of its own named so answers instead
        self.features = checkpoint.feature_config
        self.multi_label = bool(getattr(checkpoint, "multi_label", False))
        # Calibrated probabilities everywhere they are shown or thresholded (single-label only).
        self.temperature = 1.0 if self.multi_label else float(checkpoint.temperature)
        # Inference only: BatchNorm folded into the convolutions and channels_last (measured
        # ~1.5x faster per clip on a 2-core CPU; same probabilities to 1e-6).
        self.model = fold_batch_norm(checkpoint.build_model()).to(
            self.device, memory_format=torch.channels_last)
        self.extractor = FeatureExtractor(self.features).to(self.device)
        # The unknown answer: the rule where the model uses one (novelty.rule_in_use), its own
        # or its gate's (a partner whose rule answers for it: Checkpoint.partner).
        self.novelty = rule_in_use(checkpoint)
        # The network trained beside it where it answers unknown or joins the answer (fusion.py:
        # then fusion_temperature is set).
        partner, gated, self.fusion_temperature = partner_in_use(checkpoint)
        self.partner = None if partner is None else Classifier(partner, decode_workers, device)
        self.gate = self.partner if gated else None

    @property
    def answer_temperature(self) -> float:
        """The temperature applied last to the probabilities answered: the fusion's for a model
        that answers with its partner (``calibration.temper`` by its inverse undoes it exactly),
        else the model's own."""
        return self.fusion_temperature if self.fusion_temperature is not None else self.temperature

    @property
    def answers_unknown(self) -> bool:
        """Whether a clip unlike the training clips is answered unknown (a rule of its own or
        its gate's)."""
        return self.novelty is not None or self.gate is not None

    @classmethod
    def from_checkpoint(cls, source: str | Path | Checkpoint,
                        decode_workers: int = DECODE_WORKERS, device: str = "cpu") -> Classifier:
        checkpoint = source if isinstance(source, Checkpoint) else load_checkpoint(source)
        return cls(checkpoint, decode_workers=decode_workers, device=device)

    @property
    def window_s(self) -> float:
        return self.features.clip_seconds

    def probabilities(self, clips: np.ndarray, batch_size: int = 64, views: bool = True) -> np.ndarray:
        """``(n, n_samples)`` float32 clips at the model's rate -> ``(n, n_classes)`` probabilities
        (a multi-label model's are per-class sigmoids, see ``mean_scores``), calibrated with the
        checkpoint's temperature.

        The model sees at most ``batch_size`` clips at a time: a 20-minute file is 2,400 windows,
        and one forward pass over all of them took gigabytes of activations. Each clip's
        probabilities are averaged over its prediction views (see ``features.prediction_views``)
        unless ``views`` is False.
        """
        return self._score(clips, batch_size, views, novelty=False)[0]

    def _gate_novelty(self, clips: np.ndarray, batch_size: int, views: bool) -> np.ndarray:
        """``(n,)`` the gate's novelty of each clip (novelty.gated_novelty: a gate of shorter
        clips judges the stretches about a clip's loudest sounds), ``batch_size`` at a time."""
        def score(x: torch.Tensor) -> torch.Tensor:
            return torch.from_numpy(np.asarray(
                self.gate._score(x.numpy(), batch_size, views, novelty=True)[1], np.float64))

        n_samples = self.gate.features.n_samples
        return np.concatenate([np.zeros(0)] + [gated_novelty(torch.from_numpy(np.ascontiguousarray(
            clips[start:start + batch_size], np.float32)), n_samples, score).numpy()
            for start in range(0, len(clips), batch_size)])

    @torch.inference_mode()
    def _score(self, clips: np.ndarray, batch_size: int, views: bool,
               novelty: bool) -> tuple[np.ndarray, np.ndarray | None]:
        """``probabilities`` and, with ``novelty`` and a rule, each clip's novelty ``(n,)`` (the
        rule's score of its feature statistics averaged over the views; with a gate, the gate's
        of the same clips); else None. A model that answers with its partner
        (``fusion_temperature``) fuses the two networks' probabilities."""
        if self.fusion_temperature is not None:  # the partner hears these very clips
            own, novel = self._own_scores(clips, batch_size, views,
                                          self.novelty if novelty else None)
            theirs, gate_novel = self.partner._score(clips, batch_size, views,
                                                     novelty and self.gate is not None)
            return fuse(torch.from_numpy(own), torch.from_numpy(theirs),
                        self.fusion_temperature).numpy(), novel if self.gate is None else gate_novel
        if novelty and self.gate is not None:
            return (self._own_scores(clips, batch_size, views, None)[0],
                    self._gate_novelty(clips, batch_size, views))
        return self._own_scores(clips, batch_size, views, self.novelty if novelty else None)

    def _own_scores(self, clips: np.ndarray, batch_size: int, views: bool, rule
                    ) -> tuple[np.ndarray, np.ndarray | None]:
        """This network's probabilities of ``clips`` and, with a ``rule``, its novelty."""
        out = np.zeros((len(clips), len(self.classes)), dtype=np.float32)
        scores = None if rule is None else np.zeros(len(clips))
        # Trained weights drive some activations into denormal floats, which the CPU computes
        # ~5x slower (a 1-hour file took 23 s to detect instead of 4.8 s); flushing them to zero
        # changes no probability by more than 1e-30.
        torch.set_flush_denormal(True)
        for start in range(0, len(clips), batch_size):
            chunk = np.ascontiguousarray(clips[start:start + batch_size], dtype=np.float32)
            x = self.extractor(torch.from_numpy(chunk).to(self.device))
            if views and self.device != "cpu":
                x = x.cpu()  # prediction views are drawn on the CPU; _forward moves each back
            with (feature_statistics(self.model, self.features) if rule is not None
                  else nullcontext([])) as seen:
                out[start:start + len(chunk)] = mean_scores(
                    self._forward, x, self.features, views, self.multi_label,
                    self.temperature).cpu().numpy()
            if rule is not None:
                rises = feature_rise_db(x, self.features) if rule.steady_db else None
                scores[start:start + len(chunk)] = rule.score(
                    torch.stack(seen).mean(dim=0).cpu().numpy(), rises)
        return out, scores

    def _forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.model(x.to(self.device).contiguous(memory_format=torch.channels_last))

    def labels_of(self, scores: np.ndarray) -> tuple[str, ...]:
        """The classes ``scores`` ``(n_classes,)`` report: a multi-label model's every class at
        or above its threshold (in class order, perhaps none); a single-label model's top class."""
        if not self.multi_label:
            return (self.classes[int(np.argmax(scores))],)
        stored = self.checkpoint.thresholds
        thresholds = (np.asarray(stored, dtype=np.float64) if stored is not None
                      and len(stored) == len(self.classes) else DEFAULT_THRESHOLD)
        return tuple(c for c, above in zip(self.classes, scores >= thresholds, strict=True)
                     if above)

    def predict_files(self, paths: Iterable[str | Path], batch_size: int = 64,
                      progress: Callable[[int, int], None] | None = None,
                      should_stop: Callable[[], bool] | None = None) -> Iterator[Prediction]:
        """Yield one Prediction per file, in order; ``progress(done, total)`` after each file.

        Windows of several short files share a batch; ``should_stop`` is checked between files.
        """
        paths = [Path(p) for p in paths]
        for done, prediction in enumerate(self._predict(paths, batch_size, should_stop), start=1):
            yield prediction
            if progress:
                progress(done, len(paths))

    def _predict(self, paths: list[Path], batch_size: int, should_stop) -> Iterator[Prediction]:
        """Short files are batched together; a long file is streamed and scored block by block.

        Short files are decoded by a small thread pool a couple of batches ahead of the model
        (soundfile and the resampler release the GIL), with bounded look-ahead so memory stays
        flat for any number of files.
        """
        should_stop = should_stop or (lambda: False)
        pending: list[tuple[Path, float, np.ndarray]] = []
        with ThreadPoolExecutor(self.decode_workers) as pool:
            ahead: deque = deque()
            queue = iter(paths)
            for path in queue:
                ahead.append((path, pool.submit(self._load_short, path)))
                if len(ahead) >= 2 * batch_size:
                    break
            while ahead:
                if should_stop():
                    return
                path, future = ahead.popleft()
                following = next(queue, None)
                if following is not None:
                    ahead.append((following, pool.submit(self._load_short, following)))
                try:
                    duration_s, samples, silent = future.result()
                    if samples is None:
                        # Score what is queued first so results stay in order.
                        yield from self._score_short(pending, batch_size)
                        pending = []
                        yield self._predict_long(path, duration_s, batch_size, should_stop)
                        continue
                except EarmarkError as exc:
                    yield from self._score_short(pending, batch_size)
                    pending = []
                    yield Prediction(path, self.classes, error=_reason(exc))
                    continue
                pending.append((path, duration_s, samples, silent))
                if len(pending) >= batch_size:
                    yield from self._score_short(pending, batch_size)
                    pending = []
        yield from self._score_short(pending, batch_size)

    def _load_short(self, path: Path) -> tuple[float, np.ndarray | None, bool]:
        """(duration, fitted samples, silent) of a short file; (duration, None, False) for a
        long one. Silence is judged on the samples read, before padding."""
        info = audio.info(path)
        if not one_window(info.duration_s, self.window_s):
            return info.duration_s, None, False
        samples = self.features.read(path, 0.0, self.window_s)
        return (info.duration_s, prepare_clip(samples, self.features.n_samples),
                is_silent(samples, self.features.sample_rate_hz))

    def predict_file(self, path: str | Path) -> Prediction:
        return next(self.predict_files([path]))

    def predict_samples(self, samples: np.ndarray, sample_rate_hz: int,
                        name: str = "microphone") -> Prediction:
        """What the model says of the last ``window_s`` of ``samples`` at ``sample_rate_hz`` (a
        live stream's latest stretch), mono or frames ``(n, channels)`` of which it hears its
        channel where they have it, else their mean: resampled to the model's rate, then judged
        as a short file is (silence, unknown, or its class); ``name`` stands for its path."""
        rate_hz, n = self.features.sample_rate_hz, self.features.n_samples
        # Only the last window (and a little more for the resampler's edge) is resampled.
        samples = self._heard_channel(samples)[-(math.ceil(n * sample_rate_hz / rate_hz)
                                                 + sample_rate_hz // 10):]
        if sample_rate_hz != rate_hz and len(samples):
            samples = resample(samples, sample_rate_hz, rate_hz)
        samples = samples[-n:]
        pending = [(Path(name), len(samples) / rate_hz,
                    prepare_clip(samples, self.features.n_samples), is_silent(samples, rate_hz))]
        return next(self._score_short(pending, batch_size=1))

    def heard_stretch(self, samples: np.ndarray, sample_rate_hz: int) -> np.ndarray:
        """The stretch of a live stream :meth:`predict_samples` judges, at the stream's rate:
        the last clip length of the channel it hears (or the mix), mono float32."""
        n = math.ceil(self.features.n_samples * sample_rate_hz / self.features.sample_rate_hz)
        return self._heard_channel(samples)[-n:]

    def _heard_channel(self, samples: np.ndarray) -> np.ndarray:
        """Mono ``samples``, or of frames ``(n, channels)`` the model's channel, else their mean."""
        samples = np.asarray(samples, dtype=np.float32)
        return audio.mono(samples, audio.channel_or_mix(self.features.channel, samples.shape[1])
                          if samples.ndim == 2 else None)

    def _verdict(self, silent: bool, novel: bool) -> str | None:
        """SILENCE for a silent file, UNKNOWN for a novel one, of those this model answers."""
        verdict = SILENCE if silent else UNKNOWN if novel else None
        return verdict if verdict in self.verdicts else None

    def _score_short(self, pending, batch_size: int) -> Iterator[Prediction]:
        if not pending:
            return
        probs, novelty = self._score(np.stack([clip for _, _, clip, _ in pending]), batch_size,
                                     views=True, novelty=True)
        for k, (path, duration_s, _, silent) in enumerate(pending):
            row, top = probs[k], int(probs[k].argmax())
            score = None if novelty is None else float(novelty[k])
            verdict = self._verdict(silent, score is not None and score > 1)
            yield Prediction(path=path, classes=self.classes, label=self.classes[top],
                             confidence=float(row[top]), probabilities=tuple(float(p) for p in row),
                             duration_s=duration_s, labels=() if verdict else self.labels_of(row),
                             verdict=verdict, novelty=score)

    def _predict_long(self, path: Path, duration_s: float, batch_size: int,
                      should_stop) -> Prediction:
        """Overlapping windows (``score_windows``); the aggregate is the mean of the
        probabilities of its ``WindowScores.foreground`` windows (the loudest with sound; all,
        in a file with none). A multi-label
        model's ``labels``: the classes some window holds (a class
        heard in one stretch of a long file is in the file; its mean over the file would drown
        it). The file is silence when the windows its label rests on are (``peak_windows``);
        unknown when none of the LONG_WINDOWS of them with sound is like the training clips."""
        try:
            scored = self.score_windows(path, batch_size=batch_size, should_stop=should_stop,
                                        duration_s=duration_s, novelty=True)
        except ScoringStopped:
            return Prediction(path, self.classes, duration_s=duration_s, error="stopped")
        file_probs, starts = scored.heard, tuple(float(s) for s in scored.starts_s)
        mean = scored.file_probabilities
        top = int(mean.argmax())
        windows = self.peak_windows(path, scored, top)
        score = None
        if windows and self.answers_unknown:
            # Scored again with the views the rule was fitted with (windows are scored without).
            clips = np.stack([prepare_clip(w, self.features.n_samples) for w in windows])
            score = float(self._score(clips, len(clips), views=True, novelty=True)[1].min()
                          / LONG_NOVELTY_SHARE)
        verdict = self._verdict(not windows, score is not None and score > 1)
        return Prediction(
            path=path, classes=self.classes, label=self.classes[top], confidence=float(mean[top]),
            probabilities=tuple(float(p) for p in mean), duration_s=duration_s,
            window_starts_s=starts, window_probabilities=file_probs,
            window_unknown=scored.unknown,
            peak_time_s=float(starts[int(file_probs[:, top].argmax())]),
            labels=() if verdict else self.labels_of(
                file_probs.max(axis=0) if self.multi_label else mean),
            verdict=verdict, novelty=score,
        )

    def score_windows(self, path: str | Path, hop_s: float | None = None, batch_size: int = 64,
                      progress: Callable[[float], None] | None = None,
                      should_stop: Callable[[], bool] | None = None,
                      duration_s: float | None = None, novelty: bool = False) -> WindowScores:
        """Class probabilities of overlapping windows over a whole file, of any length.

        Windows of ``window_s`` every ``hop_s`` (None: ``WINDOW_OVERLAP`` of a window), the last
        one padded; a file no longer than a window is one window. The file is read ``batch_size``
        windows at a time, so memory stays bounded whatever its length. Windows are scored
        without prediction views: overlapping windows already see every sound more than once,
        and the views would make a long file five times slower to score (100 dropped 5 s files
        took 5.6 s in the GUI with them, against the 5 s it may take). ``progress(fraction)``
        after each block; ``should_stop()`` before each, raising :class:`ScoringStopped`. With
        ``novelty`` and a model with an unknown rule, each window's novelty too (Detect Events,
        the score tracks: a model's own rule reads it off the same pass, a gate scores the
        windows again). Raises :class:`AudioError` for a
        file that cannot be read.
        """
        path = Path(path)
        window_s, rate, n_samples = self.window_s, self.features.sample_rate_hz, self.features.n_samples
        hop_s = window_s * (1 - WINDOW_OVERLAP) if hop_s is None else float(hop_s)
        if not hop_s > 0:
            raise ValueError(f"hop_s must be positive, not {hop_s}")
        if duration_s is None:
            duration_s = audio.info(path).duration_s
        count = 1 + math.ceil(max(0.0, duration_s - window_s) / hop_s - 1e-9)
        parts, silent, levels, novel_parts = [], [], [], []
        for first in range(0, count, batch_size):
            if should_stop and should_stop():
                raise ScoringStopped(f"{path}: stopped")
            last = min(count, first + batch_size)
            block = self.features.read(path, first * hop_s,
                                        (last - 1 - first) * hop_s + window_s)
            heard = [block[int(round((w - first) * hop_s * rate)):][:n_samples]
                     for w in range(first, last)]
            windows = [prepare_clip(samples, n_samples) for samples in heard]
            if not novelty or not self.answers_unknown:
                parts.append(self.probabilities(np.stack(windows), batch_size, views=False))
            else:  # each window's novelty from the same pass (its feature map's statistics)
                probabilities, novel = self._score(np.stack(windows), batch_size, views=False,
                                                   novelty=True)
                parts.append(probabilities)
                novel_parts.append(novel)
            sound = window_sound(heard, rate)
            silent.append(sound[0])
            levels.append(sound[1])
            if progress:
                progress(last / count)
        return WindowScores(path, duration_s, np.arange(count) * hop_s, np.concatenate(parts),
                            np.concatenate(silent), np.concatenate(levels),
                            np.concatenate(novel_parts) if novel_parts else None)

    def peak_windows(self, path: str | Path, scored: WindowScores, top: int) -> list[np.ndarray]:
        """The samples of the LONG_WINDOWS windows of ``scored`` its answer rests on (its
        ``foreground``) that most support class index ``top``, best first, read again; empty
        when every window is silent (the label rests on no sound)."""
        order = np.argsort(-scored.probabilities[:, top], kind="stable")
        best = order[scored.foreground[order]][:LONG_WINDOWS]
        return [self.features.read(path, float(scored.starts_s[w]), self.window_s) for w in best]


def _reason(exc: EarmarkError) -> str:
    return exc.reason if isinstance(exc, AudioError) else str(exc)
