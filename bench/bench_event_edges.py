"""Model events drawn in to their sound, in field noise: four made-up species (a 2-4 kHz down-sweep,
a 5-7 kHz trill of 8 notes, a 400-800 Hz hoot with a decaying tail, a click train) placed at known
times over pink noise, gusting wind, rain and an insect chorus, marked as Raven boxes in training
recordings, a model trained by `main.py train`, then new recordings searched. Prints, per
background and SNR (in each call's own band), the recall, precision and median overlap over union
of the hits (a hit: the right class overlapping at least half the call), for the events of the
windows above threshold and for `detect_file`'s (drawn in, joined, one per sound): the edges must
cost no call where noise rises as calls do. Synthetic audio; bench_detection.py measures the same
on real speech. Run with `uv run python bench/bench_event_edges.py` (`--seed 0`).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import soundfile as sf

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.bench_detection import span_fit  # noqa: E402
from bench.common import ROOT, Timer  # noqa: E402
from core.ml.detection import detect_file, merge_windows, model_background  # noqa: E402
from core.ml.inference import Classifier  # noqa: E402
from core.ml.metrics import event_metrics  # noqa: E402
from core.store.name_rules import NameRule  # noqa: E402
from core.store.project import Project  # noqa: E402
from core.store.region_io import import_regions_file  # noqa: E402

RATE_HZ = 22050
BANDS = {"sweep": (2000, 4000), "trill": (5000, 7000), "hoot": (400, 800), "clicks": (1000, 10000)}


def _band_passed(x: np.ndarray, low_hz: float, high_hz: float) -> np.ndarray:
    n = 1 << (len(x) - 1).bit_length()  # a length the FFT is fast at
    spectrum = np.fft.rfft(x, n)
    hz = np.fft.rfftfreq(n, 1 / RATE_HZ)
    spectrum[(hz < low_hz) | (hz > high_hz)] = 0
    return np.fft.irfft(spectrum, n)[:len(x)]


def _tone(hz: np.ndarray) -> np.ndarray:
    return np.sin(2 * np.pi * np.cumsum(hz) / RATE_HZ)


def call(label: str, rng: np.random.Generator) -> np.ndarray:
    if label == "sweep":
        n = int(0.25 * RATE_HZ)
        return _tone(np.linspace(4000, 2000, n)) * np.hanning(n) ** 0.5
    if label == "trill":
        note, gap = int(0.025 * RATE_HZ), np.zeros(int(0.03 * RATE_HZ))
        notes = [_tone(np.linspace(5300, 6700, note)) * np.hanning(note) for _ in range(8)]
        return np.concatenate([part for n in notes for part in (n, gap)][:-1])
    if label == "hoot":  # 0.4 s, then a tail decaying over 0.6 s
        n = int(1.0 * RATE_HZ)
        t = np.arange(n) / RATE_HZ
        envelope = np.where(t < 0.4, np.minimum(1.0, t / 0.03), np.exp(-(t - 0.4) / 0.25))
        return _tone(600 + 120 * np.sin(2 * np.pi * 3 * t)) * envelope
    n, click = int(0.18 * RATE_HZ), int(0.0015 * RATE_HZ)
    out = np.zeros(n)
    for k in range(12):
        at = int(k * 0.015 * RATE_HZ)
        out[at:at + click] += rng.standard_normal(click) * np.exp(
            -np.arange(click) / (0.0004 * RATE_HZ))
    return _band_passed(out, 1000, 10000)


def _pink(n: int, rng: np.random.Generator) -> np.ndarray:
    spectrum = np.fft.rfft(rng.standard_normal(n))
    hz = np.fft.rfftfreq(n, 1 / RATE_HZ)
    hz[0] = hz[1]
    x = np.fft.irfft(spectrum / np.sqrt(hz), n)
    return x / x.std()


def _gusts(n: int, rng: np.random.Generator, step_s: float, low: float, high: float) -> np.ndarray:
    k = int(n / (step_s * RATE_HZ)) + 2
    return np.exp(np.interp(np.arange(n), np.linspace(0, n, k),
                            rng.uniform(np.log(low), np.log(high), k)))


def background(kind: str, n: int, rng: np.random.Generator) -> np.ndarray:
    base = 0.003 * _pink(n, rng)
    if kind == "pink":
        return 3 * base
    if kind == "wind":  # rumble under 300 Hz, in gusts
        rumble = _band_passed(rng.standard_normal(n), 20, 300)
        return base + 0.05 * rumble / rumble.std() * _gusts(n, rng, 0.7, 0.1, 1.0) * _gusts(
            n, rng, 5.0, 0.2, 1.0)
    if kind == "rain":  # 400 drops a second, each a decaying burst
        drops = np.zeros(n)
        count = int(n / RATE_HZ * 400)
        np.add.at(drops, rng.integers(0, n - 200, count), 0.01 * rng.lognormal(0, 0.8, count))
        shape = np.exp(-np.arange(int(0.002 * RATE_HZ)) / (0.0005 * RATE_HZ))
        return base + _band_passed(rng.standard_normal(n) * np.convolve(drops, shape)[:n],
                                   300, 11000)
    chorus = _band_passed(rng.standard_normal(n), 4000, 6000)  # an insect chorus
    t = np.arange(n) / RATE_HZ
    return base + 0.01 * chorus / chorus.std() * (1 + 0.3 * np.sin(2 * np.pi * 40 * t))


def recording(kind: str, snr_db, layout: list[tuple[str, float]], rng: np.random.Generator
              ) -> tuple[np.ndarray, list[tuple[float, float, str]]]:
    """Calls at the times ``layout`` gives ((label, at_s)) over ``kind``'s background, each
    ``snr_db`` (a number, or a (low, high) range drawn from) over the background in its band."""
    n = int((max(at for _, at in layout) + 3.0) * RATE_HZ)
    noise = background(kind, n, rng)
    noise_power = {label: np.mean(_band_passed(noise, *band) ** 2) for label, band in BANDS.items()}
    signal, true = noise.copy(), []
    for label, at_s in layout:
        sound = call(label, rng)
        snr = snr_db if np.isscalar(snr_db) else rng.uniform(*snr_db)
        gain = np.sqrt(noise_power[label] / np.mean(_band_passed(sound, *BANDS[label]) ** 2)
                       * 10 ** (snr / 10))
        first = int(at_s * RATE_HZ)
        signal[first:first + len(sound)] += gain * sound
        true.append((at_s, at_s + len(sound) / RATE_HZ, label))
    return (0.9 * signal / max(0.9, np.abs(signal).max())).astype(np.float32), true


def layout(rng: np.random.Generator, calls: int, pairs: bool) -> list[tuple[str, float]]:
    """Calls 2.5-4 s apart; with ``pairs``, each third of them a pair 0.1-0.5 s apart (of one
    species or two)."""
    out, at_s = [], 2.0
    labels = list(BANDS)
    for k in range(calls):
        label = labels[rng.integers(len(labels))]
        out.append((label, at_s))
        at_s += len(call(label, rng)) / RATE_HZ
        if pairs and k % 3 == 2:
            at_s += rng.uniform(0.1, 0.5)
            out.append((labels[rng.integers(len(labels))], at_s))
            at_s += 1.0
        at_s += rng.uniform(2.5, 4.0)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--calls", type=int, default=60, help="calls in each test recording")
    parser.add_argument("--keep", type=Path, default=None,
                        help="build in this folder and keep it (default: a temporary one)")
    args = parser.parse_args()
    rng = np.random.default_rng(args.seed)
    with tempfile.TemporaryDirectory() as temporary:
        tmp = args.keep or Path(temporary)
        folder = Path(tmp) / "recordings"
        folder.mkdir(parents=True)
        rows = []
        for k, kind in enumerate(("pink", "wind", "rain", "insect", "pink", "wind")):
            samples, true = recording(kind, (3, 20), layout(rng, 40, pairs=False), rng)
            name = f"site{k}.wav"
            sf.write(folder / name, samples, RATE_HZ, subtype="PCM_16")
            rows += [(name, b, e, label) for b, e, label in true]
        table = Path(tmp) / "marked.selections.txt"
        table.write_text("Selection\tView\tChannel\tBegin Time (s)\tEnd Time (s)\tLow Freq (Hz)\t"
                         "High Freq (Hz)\tBegin File\tFile Offset (s)\tAnnotation\n" + "".join(
                             f"{i}\tSpectrogram 1\t1\t{b:.4f}\t{e:.4f}\t{BANDS[label][0]}\t"
                             f"{BANDS[label][1]}\t{name}\t{b:.4f}\t{label}\n"
                             for i, (name, b, e, label) in enumerate(rows, 1)))
        with Project.open(folder) as project:
            project.scan()
            project.apply_name_rule(NameRule("none"))
            import_regions_file(project, table)
        model = Path(tmp) / "model.pt"
        with Timer() as t:
            done = subprocess.run([sys.executable, str(ROOT / "main.py"), "train", str(folder),
                                   "--out", str(model), "--json", "--seed", str(args.seed)],
                                  capture_output=True, text=True)
        if done.returncode != 0:
            raise SystemExit(f"main.py train failed:\n{done.stderr[-3000:]}")
        print(f"{len(rows)} calls marked in 6 recordings of 4 backgrounds; trained in "
              f"{t.seconds:.0f} s ({json.loads(done.stdout).get('epochs_run')} epochs)", flush=True)
        classifier = Classifier.from_checkpoint(model)
        background_class = model_background(classifier)
        thresholds = classifier.checkpoint.thresholds
        classes = list(BANDS)
        print(f"{'background, SNR':18s} {'windows: R / P / fit':>24s} {'drawn in: R / P / fit':>24s}")
        totals = {"windows": [], "drawn in": []}
        for kind in ("pink", "wind", "rain", "insect"):
            for snr_db in (3, 10):
                samples, true = recording(kind, snr_db, layout(rng, args.calls, pairs=True), rng)
                path = Path(tmp) / f"{kind}_{snr_db}.wav"
                sf.write(path, samples, RATE_HZ, subtype="PCM_16")
                Path(f"{path}.json").write_text(json.dumps(true))
                scored = classifier.score_windows(path)
                windows = [(b, e, label) for b, e, label, _ in merge_windows(
                    scored.starts_s, classifier.window_s, scored.heard, classifier.classes,
                    thresholds, background_class)]
                drawn = [(e.begin_s, e.end_s, e.label) for e in detect_file(classifier, path)]
                cells = []
                for name, events in (("windows", windows), ("drawn in", drawn)):
                    m = event_metrics(true, events, classes)["micro"]
                    totals[name].append((m["hits"], m["support"], m["predicted"]))
                    cells.append(f"{m['recall']:.2f} / {m['precision']:.2f} / "
                                 f"{span_fit(true, events):.2f}")
                print(f"{kind + ', ' + str(snr_db) + ' dB':18s} {cells[0]:>24s} {cells[1]:>24s}",
                      flush=True)
        for name, parts in totals.items():
            hits, support, predicted = (sum(p[i] for p in parts) for i in range(3))
            print(f"all, {name}: recall {hits / support:.3f}, precision "
                  f"{hits / max(predicted, 1):.3f}")


if __name__ == "__main__":
    main()
