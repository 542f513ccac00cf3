"""Hostile input file by file, through core and the command line: every file is answered with a
prediction or a reason, odd-but-valid files are classified, training skips and lists the bad ones."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from core.audio import reading as audio
from core.audio.discovery import iter_audio_files
from core.ml.checkpoint import load_checkpoint
from tests import audio_factory
from tests.bad_corpus import BROKEN, CLASSIFIABLE, NOT_LISTED, make_bad_corpus, make_long_flac
from tests.processes import run_main


@pytest.fixture(scope="session")
def long_flac(tmp_path_factory):
    """The 20-minute FLAC, made once per session (about 12 MB, well under a second)."""
    return make_long_flac(tmp_path_factory.mktemp("long") / "long.flac")


@pytest.fixture(scope="session")
def corpus(tmp_path_factory, long_flac):
    root = tmp_path_factory.mktemp("bad") / "corpus"
    return root, make_bad_corpus(root, long_flac)


def test_core_reads_odd_files_and_refuses_broken_ones_with_a_reason(corpus):
    root, files = corpus
    for name in BROKEN:
        with pytest.raises(audio.AudioError) as caught:
            audio.read(files[name], 16000, 0.0, 1.0)
        assert caught.value.path == files[name] and caught.value.reason, name
    for name in (*CLASSIFIABLE, "long_flac"):
        samples = audio.read(files[name], 16000, 0.0, 1.0)
        assert samples.dtype.name == "float32" and len(samples) > 0, name
    listed = set(iter_audio_files(root))
    assert not listed & {files[n] for n in NOT_LISTED}
    assert listed == {files[n] for n in (*BROKEN, *CLASSIFIABLE, "long_flac")}


def test_deleted_file_reads_as_not_found(tmp_path):
    path = audio_factory.write(tmp_path / "gone.wav", audio_factory.tone(440, 0.2))
    path.unlink()
    with pytest.raises(audio.AudioError, match="file not found"):
        audio.read(path)


@pytest.mark.slow
def test_predict_answers_every_file_of_the_corpus(corpus, model_file):
    root, files = corpus
    result = run_main("predict", model_file, root)
    assert result.returncode == 1, result.stderr  # documented: 1 when some file failed
    assert "Traceback" not in result.stderr
    rows = {Path(r["path"]): r for r in csv.DictReader(io.StringIO(result.stdout))}
    assert set(rows) == set(iter_audio_files(root))
    for name in BROKEN:
        row = rows[files[name]]
        assert row["error"] and not row["label"], (name, row)
    expected_reasons = {"empty": "empty", "text": "not an audio file", "nan": "non-finite",
                        "inf": "non-finite", "header_only": "truncated"}
    for name, words in expected_reasons.items():
        assert words in rows[files[name]]["error"], (name, rows[files[name]]["error"])
    for name in (*CLASSIFIABLE, "long_flac"):
        row = rows[files[name]]
        assert row["label"] and not row["error"], (name, row)
        # A class has its confidence; silence or unknown none (the class scores are listed).
        if row["label"] in ("silence", "unknown"):
            assert row["confidence"] == "", (name, row)
        else:
            assert 0 < float(row["confidence"]) <= 1, (name, row)
    assert f"{len(BROKEN)} of {len(rows)} files could not be classified" in result.stderr


@pytest.mark.slow
def test_predict_exit_zero_when_every_file_classified(corpus, model_file):
    _, files = corpus
    result = run_main("predict", model_file, *(files[n] for n in CLASSIFIABLE))
    assert result.returncode == 0, result.stderr
    assert len(list(csv.DictReader(io.StringIO(result.stdout)))) == len(CLASSIFIABLE)


@pytest.mark.slow
def test_train_skips_and_lists_unreadable_files(tmp_path):
    data = audio_factory.make_class_folder(tmp_path / "data", n_per_class=8, kinds=("tone", "noise"))
    # The corpus as a third class folder: its odd files are trained on, its broken ones skipped.
    files = make_bad_corpus(data / "odd")
    out = tmp_path / "m.pt"
    result = run_main("train", data, "--epochs", "2", "--clip-seconds", "1", "--out", out, "--json")
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    skipped = {line.split(": ", 1)[0].removeprefix("skipped "): line.split(": ", 1)[1]
               for line in result.stderr.splitlines() if line.startswith("skipped ")}
    assert set(skipped) == {str(files[name]) for name in BROKEN}
    assert all(reason.strip() for reason in skipped.values())
    metrics = json.loads(result.stdout)
    assert metrics["classes"] == ["noise", "odd", "tone"]
    assert metrics["n_train"] + metrics["n_val"] == 2 * 8 + len(CLASSIFIABLE)
    assert load_checkpoint(out).classes == ["noise", "odd", "tone"]


def test_measurements_and_the_detectors_answer_every_file_or_name_it(corpus, tmp_path):
    from core.audio.energy_detector import EnergyDetectorConfig, detect_energy
    from core.audio.measurements import RegionSpan, measure_file_regions
    from core.audio.template_detector import CallTemplate, find_similar, prepare_template

    root, files = corpus
    span = [RegionSpan(0.0, 0.5, 300.0, 3000.0), RegionSpan(0.2, 0.9)]
    call = audio_factory.write(tmp_path / "call.wav", audio_factory.chirp(700, 1400, 1.0, 8000),
                               8000)
    template = prepare_template(CallTemplate(str(call), 0.2, 0.5, 300.0, 3000.0))
    runs = (lambda p: measure_file_regions(p, span),
            lambda p: detect_energy(p, EnergyDetectorConfig()),
            lambda p: find_similar(p, [template]))
    for name in BROKEN:
        for run in runs:
            with pytest.raises(audio.AudioError) as caught:
                run(files[name])
            assert caught.value.path == files[name] and caught.value.reason, name
    for name in (*CLASSIFIABLE, "long_flac"):
        measured = measure_file_regions(files[name], span)
        assert len(measured) == 2, name
        assert isinstance(detect_energy(files[name], EnergyDetectorConfig()), list), name
        assert isinstance(find_similar(files[name], [template]), list), name
    # Six channels at 96 kHz: their mix measured up to its own Nyquist.
    [whole, _] = measure_file_regions(files["surround_96k_24bit"], span[::-1])
    assert 700 <= whole.peak_freq_hz <= 950 and whole.delta_freq_hz == 48000


def test_a_band_to_play_is_made_from_every_file_or_names_it(corpus, tmp_path):
    from core.audio.band_pass import write_band_excerpt

    _root, files = corpus
    out = tmp_path / "band.wav"
    for name in BROKEN:
        with pytest.raises(audio.AudioError) as caught:
            write_band_excerpt(files[name], 0.0, 0.5, 300.0, 3000.0, out)
        assert caught.value.path == files[name] and caught.value.reason, name
        assert not out.exists(), name
    for name in (*CLASSIFIABLE, "long_flac"):
        excerpt = write_band_excerpt(files[name], 0.0, 0.5, 300.0, 3000.0, out)
        assert audio.info(excerpt.path).frames == int(round(
            min(0.5, audio.info(files[name]).duration_s) * audio.info(files[name]).sample_rate_hz)), name
