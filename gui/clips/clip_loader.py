"""Background loading for the clip view: decode, envelope and spectrogram on a worker thread.

A short clip is decoded whole; a long one (over LONG_FILE_S) gets its cached overview, and the
spectrogram of the range on show is asked for on its own (``request_range``) whenever the range
settles. A newer request supersedes an older one of its kind (a generation counter each): work
in progress stops at its next block, stale results are dropped, and nothing waits on the GUI
thread.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PySide6.QtCore import QObject, QThread, Signal, Slot

from core.audio import reading as audio
from core.audio.overview import Overview, compute_range_spectrogram, load_overview
from core.audio.spectrogram import (
    DEFAULT_SPECTROGRAM,
    MAX_COLUMNS,
    SpectrogramConfig,
    SpectrogramImage,
    compute_spectrogram,
)
from core.errors import AudioError
from core.ml.runtime import set_thread_count
from core.paths import FileIdentity, file_identity

# Up to this many samples the waveform is drawn sample by sample (pyqtgraph peak-downsamples it
# to the screen); longer clips are drawn as a min/max envelope of ENVELOPE_BINS bins.
FULL_WAVEFORM_MAX_SAMPLES = 2_000_000
ENVELOPE_BINS = 4000
# Longer files are not decoded whole: an overview is drawn at once and the range on show is
# computed at the screen's resolution. Up to 30 s (480,000 samples at 16 kHz) a whole decode and
# STFT take tens of milliseconds and zooming into its 3000 columns still shows 10 ms each.
LONG_FILE_S = 30.0


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
    or an envelope (each bin drawn as a vertical min..max stroke) for long ones. A file over
    LONG_FILE_S carries its ``overview``; then ``spectrogram`` and the waveform are the
    overview's, and the view asks for each range's detail.
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
    overview: Overview | None = None
    header: audio.AudioInfo | None = None  # what the file's header says (rate, channels, format)
    channel: int | None = None  # the channel drawn (from 0); None: the mix of all

    @property
    def n_channels(self) -> int:
        """The file's channels, as its header says (1 when not read)."""
        return self.header.channels if self.header is not None else 1


def waveform_line(samples: np.ndarray, sample_rate_hz: int,
                  max_samples: int = FULL_WAVEFORM_MAX_SAMPLES,
                  n_bins: int = ENVELOPE_BINS) -> tuple[np.ndarray, np.ndarray, bool]:
    """(x seconds, y, is_envelope) for drawing ``samples`` as one connected line."""
    n = len(samples)
    if n <= max_samples:
        x = np.arange(n, dtype=np.float64) / sample_rate_hz
        return x, np.asarray(samples, dtype=np.float32), False
    mins, maxs = audio.peak_envelope(samples, n_bins)
    x, y = envelope_line(mins, maxs, 0.0, n / sample_rate_hz)
    return x, y, True


def envelope_line(mins: np.ndarray, maxs: np.ndarray, start_s: float, end_s: float
                  ) -> tuple[np.ndarray, np.ndarray]:
    """(x seconds, y) of a peak envelope whose bins split ``start_s``..``end_s`` evenly: min,
    max, min, max... at each bin's centre, a zig-zag that fills each bin like a filled
    envelope."""
    n_bins = len(mins)
    centres_s = start_s + (np.arange(n_bins) + 0.5) * ((end_s - start_s) / max(n_bins, 1))
    x = np.repeat(centres_s, 2)
    y = np.empty(2 * n_bins, dtype=np.float32)
    y[0::2] = mins
    y[1::2] = maxs
    return x, y


def splice_line(x: np.ndarray, y: np.ndarray, inner_x: np.ndarray, inner_y: np.ndarray,
                start_s: float, end_s: float) -> tuple[np.ndarray, np.ndarray]:
    """The line (``x``, ``y``) with its points in ``start_s``..``end_s`` replaced by the inner
    line: a range's fine envelope between the overview's coarse one on either side. A
    zig-zag's pairs share their x, so they stay whole."""
    outside = (x < start_s) | (x > end_s)
    x, y = x[outside], y[outside]
    cut = int(np.searchsorted(x, start_s))
    return (np.concatenate([x[:cut], inner_x, x[cut:]]),
            np.concatenate([y[:cut], inner_y, y[cut:]]))


def feature_image(path: Path, config, max_columns: int = MAX_COLUMNS) -> FeatureImage:
    """The features of the whole file as a model with these settings (a FeatureConfig)
    computes them."""
    from core.ml.features import file_image

    values, span_s = file_image(path, config, max_columns)
    low, high = (float(v) for v in np.percentile(values, [1.0, 99.9]))
    if not high > low:
        low, high = low - 1.0, low + 1.0
    if config.kind == "logmel":
        top_hz = config.f_max_hz or config.sample_rate_hz / 2
        # Short enough to stand beside a plot 160 px tall (a 1366x768 window's).
        label = f"Mel band (to {top_hz / 1000:g} kHz)"
    elif config.kind == "speech":
        label = f"Speech embedding ({config.n_freqs})"  # numbers the speech model hears, no Hz
    else:
        label = f"Frequency bin ({config.n_freqs})"
    return FeatureImage(np.ascontiguousarray(values), span_s,
                        (low, high), label)


def load_clip(path: Path, features=None,
              spectrogram: SpectrogramConfig = DEFAULT_SPECTROGRAM,
              cache_dir: Path | None = None, should_stop=None) -> ClipData | None:
    """Decode ``path`` and compute what the clip view draws (its display spectrogram as
    ``spectrogram`` says), with the model's view of it when ``features`` (a FeatureConfig) is
    given. A file over LONG_FILE_S is not decoded: its overview is read from ``cache_dir`` or
    computed (None when ``should_stop`` said stop). Raises AudioError."""
    path = Path(path)
    header = audio.info(path)
    if header.duration_s > LONG_FILE_S:
        return _load_long_clip(path, header, features, spectrogram, cache_dir, should_stop)
    channel = spectrogram.channel_for(header.channels)
    samples = audio.read(path, channel=channel)
    sample_rate_hz = int(header.sample_rate_hz)
    wave_x_s, wave_y, is_envelope = waveform_line(samples, sample_rate_hz)
    peak = float(np.max(np.abs(samples))) if len(samples) else 0.0
    spectrogram = compute_spectrogram(samples, sample_rate_hz, config=spectrogram)
    image = feature_image(path, features) if features is not None else None
    return ClipData(path, len(samples) / sample_rate_hz, sample_rate_hz, wave_x_s, wave_y,
                    is_envelope, peak, spectrogram, image, header=header, channel=channel)


def _load_long_clip(path: Path, header: audio.AudioInfo, features,
                    spectrogram: SpectrogramConfig, cache_dir: Path | None,
                    should_stop) -> ClipData | None:
    overview = load_overview(path, cache_dir, spectrogram, should_stop=should_stop)
    if overview is None:
        return None
    wave_x_s, wave_y = envelope_line(overview.env_min, overview.env_max, 0.0, overview.duration_s)
    peak = float(max(-overview.env_min.min(), overview.env_max.max()))
    image = SpectrogramImage(overview.db, overview.duration_s, overview.max_freq_hz,
                             overview.top_db, overview.n_fft, pooled=True)
    features_image = feature_image(path, features) if features is not None else None
    return ClipData(path, overview.duration_s, int(header.sample_rate_hz), wave_x_s, wave_y,
                    True, peak, image, features_image, overview, header,
                    spectrogram.channel_for(header.channels))


class ClipLoadWorker(QObject):
    """Lives on the loader thread; loads one request at a time, skipping superseded ones."""

    loaded = Signal(int, object)  # generation, ClipData
    # generation, path, reason, and whether the fault lies in the file's bytes (not a permission,
    # a disk, memory or the view itself)
    failed = Signal(int, object, str, bool)
    range_loaded = Signal(int, object, object)  # range generation, path, RangeSpectrogram
    range_failed = Signal(int, object, str)  # range generation, path, why it was not read

    def __init__(self, latest_generation, latest_range_generation) -> None:
        super().__init__()
        self._latest_generation = latest_generation
        self._latest_range_generation = latest_range_generation
        self._threads_set = False
        # The file on show and what it held when opened (None: it could not be read then)
        self._opened: tuple[Path, FileIdentity | None] | None = None

    def _set_threads(self) -> None:
        if not self._threads_set:
            # One intra-op thread for this thread only (OpenMP's setting is per thread): on a
            # busy 2-core machine torch's thread pool made a 5 s STFT take ~100 ms instead of ~2.
            set_thread_count(1)
            self._threads_set = True

    @Slot(int, object, object, object, object)
    def load(self, generation: int, path: Path, features, spectrogram, cache_dir) -> None:
        if generation != self._latest_generation():
            return  # a newer request is already queued behind this one
        self._set_threads()
        self._opened = path, file_identity(path)
        try:
            data = load_clip(path, features, spectrogram, cache_dir,
                             should_stop=lambda: generation != self._latest_generation())
        except AudioError as error:
            self.failed.emit(generation, path, error.reason, audio.is_content_fault(error.reason))
            return
        except Exception as error:  # noqa: BLE001 - a bad file must never take the view down
            self.failed.emit(generation, path, f"{type(error).__name__}: {error}", False)
            return
        if data is not None and generation == self._latest_generation():
            self.loaded.emit(generation, data)

    @Slot(int, object, float, float, int, object)
    def load_range(self, generation: int, path: Path, start_s: float, end_s: float,
                   n_columns: int, spectrogram) -> None:
        if generation != self._latest_range_generation():
            return
        self._set_threads()
        if self._opened is not None and self._opened[0] == path \
                and file_identity(path) != self._opened[1]:
            # Cut short, written again or gone since it was opened: its overview, drawn on,
            # showed audio that was no longer there, and nothing said so until a rescan.
            self.range_failed.emit(generation, path, "it changed on disk since it was opened "
                                                     "(rescan, F5, to read it again)")
            return
        try:
            image = compute_range_spectrogram(
                path, start_s, end_s, n_columns, spectrogram,
                should_stop=lambda: generation != self._latest_range_generation())
        except Exception:  # noqa: BLE001 - the overview stays on show; the next range may read
            return
        if image is not None and generation == self._latest_range_generation():
            self.range_loaded.emit(generation, path, image)


class ClipLoader(QObject):
    """Owns the loader thread: ``request(path)`` -> ``loaded(ClipData)`` or ``failed(path, why)``;
    ``request_range(...)`` -> ``range_loaded(path, RangeSpectrogram)`` (a range that cannot be
    read says nothing: the overview stays on show), or ``failed(path, why)`` where the file
    changed on disk (cut short, written again, gone) since it was opened.

    Only the result of the newest request of each kind is emitted. Call ``shutdown()`` before
    exit.
    """

    loaded = Signal(object)
    failed = Signal(object, str, bool)  # path, reason, the file at fault
    range_loaded = Signal(object, object)
    _requested = Signal(int, object, object, object, object)
    _range_requested = Signal(int, object, float, float, int, object)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._lock = threading.Lock()
        self._generation = 0
        self._range_generation = 0
        self._thread = QThread()
        self._thread.setObjectName("ClipLoaderThread")
        self._worker = ClipLoadWorker(self.generation, self.range_generation)
        self._worker.moveToThread(self._thread)
        self._requested.connect(self._worker.load)
        self._range_requested.connect(self._worker.load_range)
        self._worker.loaded.connect(self._on_worker_loaded)
        self._worker.failed.connect(self._on_worker_failed)
        self._worker.range_loaded.connect(self._on_worker_range_loaded)
        self._worker.range_failed.connect(self._on_worker_range_failed)
        self._thread.finished.connect(self._worker.deleteLater)
        self._thread.start()

    def generation(self) -> int:
        """The newest request's number (read from both threads)."""
        with self._lock:
            return self._generation

    def range_generation(self) -> int:
        """The newest range request's number (read from both threads)."""
        with self._lock:
            return self._range_generation

    def request(self, path: Path, features=None,
                spectrogram: SpectrogramConfig = DEFAULT_SPECTROGRAM,
                cache_dir: Path | None = None) -> int:
        """Queue a load of ``path`` (with the model's view under ``features``, a FeatureConfig,
        and the display spectrogram as ``spectrogram`` says; a long file's overview kept in
        ``cache_dir``); supersedes every earlier request and any range asked for. Returns its
        generation."""
        with self._lock:
            self._generation += 1
            self._range_generation += 1
            generation = self._generation
        self._requested.emit(generation, Path(path), features, spectrogram, cache_dir)
        return generation

    def request_range(self, path: Path, start_s: float, end_s: float, n_columns: int,
                      spectrogram: SpectrogramConfig = DEFAULT_SPECTROGRAM) -> int:
        """Queue the spectrogram of ``start_s``..``end_s`` of ``path`` at ``n_columns`` columns;
        supersedes (and stops) every earlier range request. Returns its generation."""
        with self._lock:
            self._range_generation += 1
            generation = self._range_generation
        self._range_requested.emit(generation, Path(path), float(start_s), float(end_s),
                                   int(n_columns), spectrogram)
        return generation

    def cancel(self) -> None:
        """Drop whatever is queued or running."""
        with self._lock:
            self._generation += 1
            self._range_generation += 1

    def cancel_range(self) -> None:
        """Drop the range queued or running."""
        with self._lock:
            self._range_generation += 1

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

    @Slot(int, object, str, bool)
    def _on_worker_failed(self, generation: int, path: Path, reason: str, unreadable: bool) -> None:
        if generation == self.generation():
            self.failed.emit(path, reason, unreadable)

    @Slot(int, object, object)
    def _on_worker_range_loaded(self, generation: int, path: Path, image) -> None:
        if generation == self.range_generation():
            self.range_loaded.emit(path, image)

    @Slot(int, object, str)
    def _on_worker_range_failed(self, generation: int, path: Path, reason: str) -> None:
        if generation == self.range_generation():  # the view says it, as of a load
            self.failed.emit(path, reason, False)
