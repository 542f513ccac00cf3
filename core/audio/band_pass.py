"""Listening to one band of a recording, as Raven Pro's filtered play: a stretch of a file with
everything above and below a frequency band filtered away, written to a WAV file for the player.

The filter is a linear-phase FIR (a Blackman-windowed sinc band-pass of KERNEL_TAPS taps), so a
call keeps its shape and lies where it lay: the output is aligned with the input, sample for
sample. Its edges sit half a transition outside the band, so the band itself passes at full level
and the stopband is about 74 dB down; the transition is about ``rate / 745`` wide (64 Hz at
48 kHz, 11 Hz at 8 kHz). The excerpt is filtered a block at a time (overlap-add: each block's
spectrum times the kernel's, one FFT size for every block) from a little before it to a little
after, so its first and last samples are filtered as they would be inside the whole recording,
and memory stays bounded. It is mono, the mean of the file's channels or the one channel asked
for, at the file's own rate, as float samples (nothing clips), with 5 ms fades so it starts and
ends without a click. Pure numpy/torch, no Qt.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import soundfile as sf
import torch

from core.audio.reading import channel_or_mix, info, read_blocks
from core.errors import AudioError, EarmarkError

#: Taps of the band-pass filter (odd: a whole-sample delay, undone in the output).
KERNEL_TAPS = 4097
#: A Blackman window's transition band, in sample-rate units times the taps.
_BLACKMAN_TRANSITION = 5.5
#: The longest excerpt in samples (64 MB of float samples on disk): 5.8 minutes at 48 kHz,
#: 44 s at 384 kHz. A longer range plays its first stretch of this length.
MAX_EXCERPT_SAMPLES = 1 << 24
#: Fade in and out, seconds.
FADE_S = 0.005
#: The FFT size of the overlap-add: each block of audio is this less the kernel's length.
FFT_SIZE = 1 << 17


@dataclass(frozen=True)
class BandExcerpt:
    """A filtered stretch ``begin_s..end_s`` of ``source``, written to ``path``. ``end_s`` is
    earlier than asked when the file ends first or the range is longer than
    MAX_EXCERPT_SAMPLES; ``low_hz..high_hz`` is the band kept (cut to the file's Nyquist);
    ``channel`` the file's channel it holds (from 0), None for the mix of all."""

    source: Path
    path: Path
    begin_s: float
    end_s: float
    low_hz: float
    high_hz: float
    channel: int | None = None


def transition_hz(sample_rate_hz: float, taps: int = KERNEL_TAPS) -> float:
    """How wide the filter's slope from pass to stop is, in Hz."""
    return _BLACKMAN_TRANSITION * sample_rate_hz / taps


def band_pass_kernel(sample_rate_hz: float, low_hz: float, high_hz: float,
                     taps: int = KERNEL_TAPS) -> np.ndarray:
    """``(taps,)`` float64 FIR taps passing ``low_hz..high_hz`` (0 and Nyquist mean no edge on
    that side: a band of the whole spectrum is the identity)."""
    nyquist = sample_rate_hz / 2
    half_slope = transition_hz(sample_rate_hz, taps) / 2
    n = np.arange(taps) - (taps - 1) // 2
    impulse = (n == 0).astype(np.float64)

    def low_pass(cut_hz: float) -> np.ndarray:
        share = cut_hz / sample_rate_hz  # cycles per sample
        return 2 * share * np.sinc(2 * share * n)

    upper_cut, lower_cut = high_hz + half_slope, low_hz - half_slope
    kernel = impulse if upper_cut >= nyquist else low_pass(upper_cut)
    if lower_cut > 0:
        kernel = kernel - low_pass(lower_cut)
    if kernel is impulse:
        return impulse
    return kernel * np.blackman(taps)


def band_passed(samples: np.ndarray, sample_rate_hz: float, low_hz: float,
                high_hz: float) -> np.ndarray:
    """Mono float32 ``samples`` with everything outside ``low_hz..high_hz`` filtered away,
    aligned with the input and as long (zeros assumed before and after)."""
    kernel = band_pass_kernel(sample_rate_hz, low_hz, high_hz)
    filtering = _OverlapAdd(kernel)
    samples = np.asarray(samples, dtype=np.float32)
    full = np.concatenate([filtering.feed(samples[i:i + filtering.block])
                           for i in range(0, len(samples), filtering.block)]
                          + [filtering.flush()])
    delay = (len(kernel) - 1) // 2
    return full[delay:delay + len(samples)]


def write_band_excerpt(source: str | os.PathLike, begin_s: float, end_s: float,
                       low_hz: float, high_hz: float, out_path: str | os.PathLike,
                       should_stop: Callable[[], bool] | None = None,
                       channel: int | None = None) -> BandExcerpt | None:
    """Filter ``begin_s..end_s`` of ``source`` to ``low_hz..high_hz`` and write it to
    ``out_path`` as a mono float WAV at the file's rate: ``channel`` alone (from 0; a mono
    file's one channel), or the mean of all (None). A band of the whole spectrum (0 to
    ``math.inf``) filters nothing: the stretch of one channel, as Raven plays a channel alone.
    Returns what was written, or None when ``should_stop`` said stop (no file is left). Raises
    AudioError for a file that cannot be read and EarmarkError for a band or range that holds
    nothing of it, or a channel the file lacks."""
    source, out_path = Path(source), Path(out_path)
    header = info(source)
    rate = int(header.sample_rate_hz)
    low_hz, high_hz = _band_within(source, rate, low_hz, high_hz)
    if channel is not None and not 0 <= channel < header.channels:
        raise EarmarkError(f"{source}: it has {header.channels} channel(s), so no channel "
                           f"{channel + 1} to play")
    channel = channel_or_mix(channel, header.channels)
    first = max(0, int(round(begin_s * rate)))
    last = min(int(round(end_s * rate)), header.frames, first + MAX_EXCERPT_SAMPLES)
    if last <= first:
        raise EarmarkError(f"{source}: nothing to play between {begin_s:g} s and {end_s:g} s")
    kernel = band_pass_kernel(rate, low_hz, high_hz)
    if np.count_nonzero(kernel) == 1:  # the whole spectrum: nothing to filter, nor to wait for
        kernel = np.ones(1)
    delay = (len(kernel) - 1) // 2
    read_from = max(0, first - delay)
    read_to = min(header.frames, last + delay)
    # The full convolution of what is read, from read_from on; the excerpt starts this far in.
    skip = delay + first - read_from
    count = last - first
    fade = _fades(count, rate)
    written = 0
    stopped = False
    try:
        with sf.SoundFile(out_path, "w", samplerate=rate, channels=1, subtype="FLOAT",
                          format="WAV") as out:
            for chunk in _filtered_stream(source, rate, read_from, read_to, kernel, channel):
                if should_stop is not None and should_stop():
                    stopped = True
                    break
                drop = min(skip, len(chunk))
                chunk, skip = chunk[drop:], skip - drop
                take = chunk[:count - written]
                if len(take):
                    out.write(take * fade(written, len(take)))
                    written += len(take)
                if written >= count:
                    break
            if not stopped and written < count:  # the file ended early: silence to the end
                out.write(np.zeros(count - written, dtype=np.float32))
    except (sf.LibsndfileError, OSError) as error:
        out_path.unlink(missing_ok=True)
        raise AudioError(out_path, f"could not write the filtered excerpt ({error})") from None
    except BaseException:  # the source failed part way (a corrupt block): no half excerpt
        out_path.unlink(missing_ok=True)
        raise
    if stopped:
        out_path.unlink(missing_ok=True)
        return None
    return BandExcerpt(source, out_path, first / rate, last / rate, low_hz, high_hz, channel)


def _band_within(source: Path, rate: int, low_hz: float, high_hz: float) -> tuple[float, float]:
    """The band cut to ``0..Nyquist`` (``high_hz`` may be ``math.inf``); EarmarkError when
    nothing of it is left."""
    nyquist = rate / 2
    if not (math.isfinite(low_hz) and not math.isnan(high_hz) and low_hz < high_hz):
        raise EarmarkError(f"{source}: the band {low_hz:g}-{high_hz:g} Hz is not a band")
    if low_hz >= nyquist:
        raise EarmarkError(f"{source}: the band from {low_hz:g} Hz lies above this file's highest "
                           f"frequency ({nyquist:g} Hz at {rate} Hz)")
    return max(0.0, float(low_hz)), min(nyquist, float(high_hz))


def _filtered_stream(source: Path, rate: int, read_from: int, read_to: int, kernel: np.ndarray,
                     channel: int | None):
    """The full convolution of ``source``'s samples ``read_from..read_to`` (``channel``, or the
    mix) with ``kernel``, in consecutive chunks."""
    filtering = _OverlapAdd(kernel)
    for block in read_blocks(source, filtering.block / rate, offset_s=read_from / rate,
                             duration_s=(read_to - read_from) / rate, channel=channel):
        yield filtering.feed(block.samples)
    yield filtering.flush()


class _OverlapAdd:
    """Convolution with ``kernel`` a block at a time: ``feed`` blocks of at most ``block``
    samples, in order, and then ``flush``; the chunks returned, joined, are the full linear
    convolution. Each block's spectrum is multiplied by the kernel's (computed once) and its
    tail, the kernel's length less one, is added to the next block's head."""

    def __init__(self, kernel: np.ndarray, fft_size: int | None = None) -> None:
        self.fft_size = fft_size or FFT_SIZE
        self.block = self.fft_size - len(kernel) + 1
        if self.block < 1:
            raise ValueError(f"an FFT of {self.fft_size} is too short for {len(kernel)} taps")
        self._kernel_spectrum = torch.fft.rfft(torch.from_numpy(kernel.astype(np.float32)),
                                               self.fft_size)
        self._tail = np.zeros(len(kernel) - 1, dtype=np.float32)

    def feed(self, samples: np.ndarray) -> np.ndarray:
        n = len(samples)
        if n > self.block:  # a reader's rounding: in two
            return np.concatenate([self.feed(samples[:self.block]),
                                   self.feed(samples[self.block:])])
        spectrum = torch.fft.rfft(torch.from_numpy(np.ascontiguousarray(samples, np.float32)),
                                  self.fft_size)
        full = torch.fft.irfft(spectrum * self._kernel_spectrum, self.fft_size).numpy()
        full = full[:n + len(self._tail)].copy()
        full[:len(self._tail)] += self._tail
        self._tail = full[n:].copy()
        return full[:n]

    def flush(self) -> np.ndarray:
        tail, self._tail = self._tail, np.zeros_like(self._tail)
        return tail


def _fades(count: int, rate: int) -> Callable[[int, int], np.ndarray]:
    """``gain(start, n)``: the excerpt's gain for its samples ``start..start+n``, a raised-cosine
    ramp over FADE_S at each end (at most a quarter of a short excerpt) and 1 between."""
    ramp = max(1, min(int(FADE_S * rate), count // 4))
    rise = (0.5 - 0.5 * np.cos(np.pi * (np.arange(ramp) + 0.5) / ramp)).astype(np.float32)

    def gain(start: int, n: int) -> np.ndarray:
        index = np.arange(start, start + n)
        out = np.ones(n, dtype=np.float32)
        head, foot = index < ramp, index >= count - ramp
        out[head] *= rise[index[head]]
        out[foot] *= rise[count - 1 - index[foot]]
        return out

    return gain
