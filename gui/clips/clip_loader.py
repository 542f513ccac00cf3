"""Background loading for the clip view: decode, envelope and spectrogram on a worker thread.

A newer request supersedes an older one (a generation counter); stale results are dropped.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PySide6.QtCore import QObject, QThread, Signal, Slot

from core.audio import reading as audio
from core.audio.spectrogram import (
    DEFAULT_SPECTROGRAM,
    MAX_COLUMNS,
    SpectrogramConfig,
    SpectrogramImage,
    compute_spectrogram,
)
from core.errors import AudioError
from core.ml.runtime import set_thread_count

# Up to this many samples the waveform is drawn sample by sample (pyqtgraph peak-downsamples it
# to the screen); longer clips are drawn as a min/max envelope of ENVELOPE_BINS bins.
FULL_WAVEFORM_MAX_SAMPLES = 2_000_000
ENVELOPE_BINS = 4000


@dataclass(frozen=True)
class FeatureImage:
    """The model's feature image (n_freqs, n_columns) float32 and finite colour levels."""

    values: np.ndarray
    duration_s: float
    levels: tuple[float, float]
    label: str


@dataclass(frozen=True)
class ClipData:
    """Everything the clip view draws for one file, as plain numpy arrays.

    ``wave_x_s``/``wave_y`` are the waveform line: the samples themselves for short clips,
    or an envelope (each bin drawn as a vertical min..max stroke) for long ones.
    """

    path: Path
    duration_s: float
    sample_rate_hz: int
    wave_x_s: np.ndarray
    wave_y: np.ndarray
    is_envelope: bool
    peak: float
    spectrogram: SpectrogramImage
    features: FeatureImage | None


def waveform_line(samples: np.ndarray, sample_rate_hz: int,
                  max_samples: int = FULL_WAVEFORM_MAX_SAMPLES,
                  n_bins: int = ENVELOPE_BINS) -> tuple[np.ndarray, np.ndarray, bool]:
    """(x seconds, y, is_envelope) for drawing ``samples`` as one connected line."""
    n = len(samples)
    if n <= max_samples:
        x = np.arange(n, dtype=np.float64) / sample_rate_hz
        return x, np.asarray(samples, dtype=np.float32), False
    mins, maxs = audio.peak_envelope(samples, n_bins)
    n_bins = len(mins)
    centres_s = (np.arange(n_bins) + 0.5) * (n / sample_rate_hz / n_bins)
    # min, max, min, max...: a zig-zag that fills each bin's span like a filled envelope.
    x = np.repeat(centres_s, 2)
    y = np.empty(2 * n_bins, dtype=np.float32)
    y[0::2] = mins
    y[1::2] = maxs
    return x, y, True


def feature_image(path: Path, config, max_columns: int = MAX_COLUMNS) -> FeatureImage:
    """The features of the whole file as a model with these settings (a FeatureConfig)
    computes them."""
    from core.ml.features import FeatureExtractor

    samples = audio.read(path, sample_rate_hz=config.sample_rate_hz)
    if len(samples) < config.n_fft:
        samples = np.pad(samples, (0, config.n_fft - len(samples)))
    values = np.asarray(FeatureExtractor(config).numpy(samples), dtype=np.float32)
    n_frames = values.shape[1]
    if n_frames > max_columns:
        per_column = -(-n_frames // max_columns)
        pad = (-n_frames) % per_column
        padded = np.pad(values, ((0, 0), (0, pad)), mode="edge")
        values = padded.reshape(values.shape[0], -1, per_column).max(axis=2)
    low, high = (float(v) for v in np.percentile(values, [1.0, 99.9]))
    if not high > low:
        low, high = low - 1.0, low + 1.0
    if config.kind == "logmel":
        top_hz = config.f_max_hz or config.sample_rate_hz / 2
        label = f"Log-mel band ({config.n_mels}, to {top_hz / 1000:g} kHz)"
    else:
        label = f"Frequency bin ({config.n_freqs})"
    return FeatureImage(np.ascontiguousarray(values), len(samples) / config.sample_rate_hz,
                        (low, high), label)


def load_clip(path: Path, features=None,
              spectrogram: SpectrogramConfig = DEFAULT_SPECTROGRAM) -> ClipData:
    """Decode ``path`` and compute what the clip view draws (its display spectrogram as
    ``spectrogram`` says), with the model's view of it when ``features`` (a FeatureConfig) is
    given. Raises AudioError."""
    path = Path(path)
    header = audio.info(path)
    samples = audio.read(path)
    sample_rate_hz = int(header.sample_rate_hz)
    wave_x_s, wave_y, is_envelope = waveform_line(samples, sample_rate_hz)
    peak = float(np.max(np.abs(samples))) if len(samples) else 0.0
    spectrogram = compute_spectrogram(samples, sample_rate_hz, config=spectrogram)
    image = feature_image(path, features) if features is not None else None
    return ClipData(path, len(samples) / sample_rate_hz, sample_rate_hz, wave_x_s, wave_y,
                    is_envelope, peak, spectrogram, image)


class ClipLoadWorker(QObject):
    """Lives on the loader thread; loads one request at a time, skipping superseded ones."""

    loaded = Signal(int, object)  # generation, ClipData
    failed = Signal(int, object, str)  # generation, path, reason

    def __init__(self, latest_generation) -> None:
        super().__init__()
        self._latest_generation = latest_generation
        self._threads_set = False

    @Slot(int, object, object, object)
    def load(self, generation: int, path: Path, features, spectrogram) -> None:
        if generation != self._latest_generation():
            return  # a newer request is already queued behind this one
        if not self._threads_set:
            # One intra-op thread for this thread only (OpenMP's setting is per thread): on a
            # busy 2-core machine torch's thread pool made a 5 s STFT take ~100 ms instead of ~2.
            set_thread_count(1)
            self._threads_set = True
        try:
            data = load_clip(path, features, spectrogram)
        except AudioError as error:
            self.failed.emit(generation, path, error.reason)
            return
        except Exception as error:  # noqa: BLE001 - a bad file must never take the view down
            self.failed.emit(generation, path, f"{type(error).__name__}: {error}")
            return
        if generation == self._latest_generation():
            self.loaded.emit(generation, data)


class ClipLoader(QObject):
    """Owns the loader thread: ``request(path)`` -> ``loaded(ClipData)`` or ``failed(path, why)``.

    Only the result of the newest request is emitted. Call ``shutdown()`` before exit.
    """

    loaded = Signal(object)
    failed = Signal(object, str)
    _requested = Signal(int, object, object, object)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._lock = threading.Lock()
        self._generation = 0
        self._thread = QThread()
        self._thread.setObjectName("ClipLoaderThread")
        self._worker = ClipLoadWorker(self.generation)
        self._worker.moveToThread(self._thread)
        self._requested.connect(self._worker.load)
        self._worker.loaded.connect(self._on_worker_loaded)
        self._worker.failed.connect(self._on_worker_failed)
        self._thread.finished.connect(self._worker.deleteLater)
        self._thread.start()

    def generation(self) -> int:
        """The newest request's number (read from both threads)."""
        with self._lock:
            return self._generation

    def request(self, path: Path, features=None,
                spectrogram: SpectrogramConfig = DEFAULT_SPECTROGRAM) -> int:
        """Queue a load of ``path`` (with the model's view under ``features``, a FeatureConfig,
        and the display spectrogram as ``spectrogram`` says); supersedes every earlier request.
        Returns its generation."""
        with self._lock:
            self._generation += 1
            generation = self._generation
        self._requested.emit(generation, Path(path), features, spectrogram)
        return generation

    def cancel(self) -> None:
        """Drop whatever is queued or running."""
        with self._lock:
            self._generation += 1

    def is_running(self) -> bool:
        return self._thread.isRunning()

    def shutdown(self) -> None:
        """Drop pending work, stop the thread and wait (a load in progress finishes first)."""
        self.cancel()
        if self._thread.isRunning():
            self._thread.quit()
            self._thread.wait()

    @Slot(int, object)
    def _on_worker_loaded(self, generation: int, data: ClipData) -> None:
        if generation == self.generation():
            self.loaded.emit(data)

    @Slot(int, object, str)
    def _on_worker_failed(self, generation: int, path: Path, reason: str) -> None:
        if generation == self.generation():
            self.failed.emit(path, reason)
