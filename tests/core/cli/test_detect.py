"""``detect`` and the event part of ``evaluate``, in process: every output format (AviaNZ files
beside the recordings and Label Studio predictions among them), the threshold
options, a bad file among good ones, and (slow, with the session's trained model) a tone found
where it was put and event metrics on a folder with marked regions."""

import csv
import io
import json
from pathlib import Path

import numpy as np
import pytest

from core.cli.commands import main
from core.store.project import Project
from core.store.records import RegionSpec
from core.store.region_io import read_regions
from tests import audio_factory

RATE_HZ = 16000


def _recording(path, total_s=6.0, tone_at_s=None, seed=0):
    rng = np.random.default_rng(seed)
    samples = 0.01 * rng.standard_normal(int(total_s * RATE_HZ)).astype(np.float32)
    if tone_at_s is not None:
        tone = audio_factory.class_sample("tone", rng)
        first = int(tone_at_s * RATE_HZ)
        samples[first:first + len(tone)] += tone[: len(samples) - first]
    return audio_factory.write(path, samples, RATE_HZ)


def _tone_span(total_s: float, tone_at_s: float, seed: int = 0) -> tuple[float, float]:
    """Where the tone of ``_recording`` lies: audio_factory.class_sample's draws, as it makes
    them after the noise."""
    rng = np.random.default_rng(seed)
    rng.standard_normal(int(total_s * RATE_HZ))
    length_s = rng.uniform(0.3, 0.5)
    rng.uniform(600, 900)
    begin_s = tone_at_s + rng.uniform(0, 1.0 - length_s)
    return begin_s, begin_s + length_s


def _run(capsys, *argv):
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def _csv_events(text):
    rows = list(csv.DictReader(io.StringIO(text)))
    return [(r["path"], float(r["begin_s"]), float(r["end_s"]), r["label"]) for r in rows]


def test_detect_writes_csv_json_raven_and_audacity(untrained_model, tmp_path, capsys):
    a = _recording(tmp_path / "in" / "a.wav", seed=1)
    b = _recording(tmp_path / "in" / "sub" / "b.wav", total_s=3.0, seed=2)
    code, out, err = _run(capsys, "detect", untrained_model, a, b, "--threshold", "0")
    assert code == 0, err
    assert out.splitlines()[0] == "path,begin_s,end_s,label,score,channel"
    events = _csv_events(out)
    # Threshold 0: every window belongs to its top class, so the events tile each file.
    for path, total_s in ((a, 6.0), (b, 3.0)):
        spans = sorted((e[1], e[2]) for e in events if e[0] == str(path))
        assert spans[0][0] == 0.0 and spans[-1][1] == pytest.approx(total_s)
    assert {e[3] for e in events} <= {"chirp", "noise", "tone"}

    code, out, _ = _run(capsys, "detect", untrained_model, a, b, "--threshold", "0",
                        "--format", "json")
    files = json.loads(out)
    assert [f["path"] for f in files] == [str(a), str(b)]
    assert [(f["path"], e["begin_s"], e["end_s"], e["label"]) for f in files
            for e in f["events"]] == events

    table = tmp_path / "events.txt"
    code, _, _ = _run(capsys, "detect", untrained_model, a, b, "--threshold", "0",
                      "--format", "raven", "--out", table)
    assert code == 0
    fmt, rows = read_regions(table)
    assert fmt == "raven"
    # Begin Path the whole path, as Raven writes it (Begin File the name alone).
    assert [(r.path, round(r.begin_s, 3), round(r.end_s, 3), r.label) for r in rows] == [
        (Path(e[0]).resolve().as_posix(), *e[1:]) for e in events]

    for fmt, suffix in (("audacity", ".txt"), ("sonicvisualiser", ".svl")):  # a file per file
        folder = tmp_path / fmt
        code, _, _ = _run(capsys, "detect", untrained_model, tmp_path / "in", "--threshold", "0",
                          "--format", fmt, "--out", folder)
        assert code == 0
        assert sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*" + suffix)) == [
            "a" + suffix, "sub/b" + suffix]
        _, rows = read_regions(folder / "sub" / ("b" + suffix), audio="b.wav")
        assert [(round(r.begin_s, 3), round(r.end_s, 3), r.label) for r in rows] == [
            e[1:] for e in events if e[0] == str(b)]
        code, out, _ = _run(capsys, "detect", untrained_model, b, "--threshold", "0",
                            "--format", fmt)
        assert code == 0 and (folder / "sub" / ("b" + suffix)).read_text() == out
        code, _, err = _run(capsys, "detect", untrained_model, a, b, "--format", fmt)
        assert code == 2 and "--out" in err
    # A Raven table per file, its Begin Path the whole path as in the one table.
    folder = tmp_path / "tables"
    code, _, _ = _run(capsys, "detect", untrained_model, tmp_path / "in", "--threshold", "0",
                      "--format", "ravenfiles", "--out", folder)
    assert code == 0
    fmt, rows = read_regions(folder / "sub" / "b.Table.1.selections.txt")
    assert fmt == "raven" and {r.path for r in rows} == {b.resolve().as_posix()}
    assert [(round(r.begin_s, 3), round(r.end_s, 3), r.label) for r in rows] == [
        e[1:] for e in events if e[0] == str(b)]


def test_detect_writes_avianz_files_and_label_studio_predictions(untrained_model, tmp_path,
                                                                 capsys):
    folder = tmp_path / "night"
    a = _recording(folder / "a.wav", seed=1)
    b = _recording(folder / "sub" / "b.wav", total_s=3.0, seed=2)
    code, out, err = _run(capsys, "detect", untrained_model, folder, "--threshold", "0")
    assert code == 0, err
    events = _csv_events(out)
    scores = [float(row["score"]) for row in csv.DictReader(io.StringIO(out))]

    # --out the recordings' folder: each .data file beside its recording, where AviaNZ reads it.
    code, _, err = _run(capsys, "detect", untrained_model, folder, "--threshold", "0",
                        "--format", "avianz", "--out", folder)
    assert code == 0, err
    meta, *segments = json.loads((folder / "sub" / "b.wav.data").read_text())
    assert meta["Duration"] == pytest.approx(3.0)
    assert [(round(s[0], 3), round(s[1], 3), s[4][0]["species"]) for s in segments] == [
        (e[1], e[2], e[3]) for e in events if e[0] == str(b)]
    assert [s[4][0]["certainty"] for s in segments] == [
        min(99, max(1, round(score * 100))) for e, score in zip(events, scores, strict=True)
        if e[0] == str(b)]
    assert all(s[4][0]["filter"] == "Earmark" for s in segments)
    code, out, _ = _run(capsys, "detect", untrained_model, b, "--threshold", "0",
                        "--format", "avianz")
    assert code == 0 and json.loads(out) == [meta, *segments]
    code, _, err = _run(capsys, "detect", untrained_model, a, b, "--format", "avianz")
    assert code == 2 and "--out" in err

    code, out, _ = _run(capsys, "detect", untrained_model, folder, "--threshold", "0",
                        "--format", "labelstudio")
    tasks = json.loads(out)
    assert [t["data"]["audio"] for t in tasks] == ["/data/local-files/?d=night/a.wav",
                                                  "/data/local-files/?d=night/sub/b.wav"]
    assert all("annotations" not in t for t in tasks)  # the model's events: predictions only
    found = [(t["data"]["audio"], round(r["value"]["start"], 3), round(r["value"]["end"], 3),
              r["value"]["labels"][0], r["score"])
             for t in tasks for r in t["predictions"][0]["result"]]
    relative = {str(a): "/data/local-files/?d=night/a.wav",
                str(b): "/data/local-files/?d=night/sub/b.wav"}
    assert [f[:4] for f in found] == [(relative[e[0]], *e[1:]) for e in events]
    assert [f[4] for f in found] == pytest.approx(scores, abs=1e-4)

    code, out, _ = _run(capsys, "detect", untrained_model, folder, "--threshold", "0",
                        "--format", "aoef")
    data = json.loads(out)["data"]
    assert data["name"] == "night" and [r["path"] for r in data["recordings"]] == [
        "a.wav", "sub/b.wav"]
    assert [e["features"]["score"] for e in data["sound_events"]] == pytest.approx(scores,
                                                                                   abs=1e-4)
    assert all(a["notes"][0]["is_issue"] and a["notes"][0]["message"].startswith(
        "Found by an Earmark model (") for a in data["sound_event_annotations"])
    project_file = tmp_path / "events.json"
    project_file.write_text(out)
    _, rows = read_regions(project_file)
    assert [(relative.get(str(folder / r.path), r.path), round(r.begin_s, 3), round(r.end_s, 3),
             r.label) for r in rows] == [(relative[e[0]], *e[1:]) for e in events]


def test_threshold_options(untrained_model, tmp_path, capsys):
    a = _recording(tmp_path / "a.wav")
    _, everything, _ = _run(capsys, "detect", untrained_model, a, "--threshold", "0")
    _, per_class, _ = _run(capsys, "detect", untrained_model, a,
                           "--thresholds", "chirp=0,noise=0, tone=0")
    assert per_class == everything
    labels = {e[3] for e in _csv_events(everything)}
    hidden = sorted(labels)[0]
    _, without, _ = _run(capsys, "detect", untrained_model, a, "--threshold", "0",
                         "--background", hidden)
    assert hidden not in {e[3] for e in _csv_events(without)}
    # Raising one class's threshold above any score drops that class alone.
    _, fewer, _ = _run(capsys, "detect", untrained_model, a, "--thresholds", f"{hidden}=1",
                       "--hop", "0.5")
    assert hidden not in {e[3] for e in _csv_events(fewer)}

    for bad in (["--thresholds", "bird=0.5"], ["--background", "bird"]):
        code, out, err = _run(capsys, "detect", untrained_model, a, *bad)
        assert code == 2 and out == "" and "bird" in err and len(err.strip().splitlines()) == 1
    for bad in (["--threshold", "1.5"], ["--thresholds", "tone"],
                ["--threshold", "0.5", "--thresholds", "tone=0.5"]):
        with pytest.raises(SystemExit) as exit_info:
            main(["detect", str(untrained_model), str(a), *bad])
        assert exit_info.value.code == 2
    capsys.readouterr()


def test_a_bad_file_is_one_error_line(untrained_model, tmp_path, capsys):
    good = [_recording(tmp_path / f"good{i}.wav", seed=i) for i in range(2)]
    bad = audio_factory.write_broken(tmp_path / "bad.wav", "text")
    missing = tmp_path / "missing.wav"
    code, out, err = _run(capsys, "detect", untrained_model, good[0], bad, missing, good[1],
                          "--threshold", "0")
    assert code == 1
    assert {e[0] for e in _csv_events(out)} == {str(g) for g in good}
    errors = [line for line in err.splitlines() if line.startswith("earmark: error:")]
    assert len(errors) == 2 and "bad.wav" in errors[0] and "missing.wav" in errors[1]
    assert "Traceback" not in err and "2 of 4 files could not be searched" in err


@pytest.mark.slow
def test_detect_finds_a_tone_in_noise(model_file, tmp_path, capsys):
    path = _recording(tmp_path / "long.wav", total_s=12.0, tone_at_s=7.0)
    code, out, err = _run(capsys, "detect", model_file, path, "--background", "noise")
    assert code == 0, err
    events = _csv_events(out)
    tones = [e for e in events if e[3] == "tone"]
    # Its edges at the tone's, not at its windows' (7 s to 8 s and beyond).
    begin_s, end_s = _tone_span(12.0, 7.0)
    assert len(tones) == 1
    assert tones[0][1] == pytest.approx(begin_s, abs=0.035)
    assert tones[0][2] == pytest.approx(end_s, abs=0.035)
    assert "noise" not in {e[3] for e in events}


@pytest.mark.slow
def test_evaluate_prints_event_metrics_for_marked_regions(model_file, tmp_path, capsys):
    folder = tmp_path / "recordings"
    _recording(folder / "long.wav", total_s=12.0, tone_at_s=3.0, seed=4)
    with Project.open(folder) as project:
        project.scan()
        (clip,) = project.clips()
        project.add_regions([RegionSpec(clip.id, *_tone_span(12.0, 3.0, seed=4), "tone"),
                             RegionSpec(clip.id, 9.0, 9.5, "chirp")])
    code, out, err = _run(capsys, "evaluate", model_file, folder)
    assert code == 0, err
    assert "events in 1 recordings" in out and "tone" in out
    code, out, err = _run(capsys, "evaluate", model_file, folder, "--json")
    assert code == 0, err
    events = json.loads(out)["events"]
    assert events["per_class"]["tone"]["hits"] == 1
    assert events["per_class"]["chirp"]["support"] == 1
    assert events["per_class"]["chirp"]["hits"] == 0  # nothing like a chirp at 9 s


def test_detect_energy_finds_calls_in_a_band_without_a_model(capsys, tmp_path):
    from tests.core.audio.test_energy_detector import _night

    folder = tmp_path / "nights"
    audio_factory.write(folder / "night.wav", _night())
    audio_factory.write(folder / "site2" / "dawn.wav", _night(30.0, ramp=5.0, seed=2))
    (folder / "broken.wav").write_text("not audio")
    code, out, err = _run(capsys, "detect-energy", folder, "--low-hz", 1500, "--high-hz", 2500,
                          "--label", "call")
    assert code == 1 and "broken.wav" in err and "8 events in 2 of 3 files" in err
    rows = list(csv.DictReader(io.StringIO(out)))
    assert [(r["path"].rsplit("/", 1)[-1], round(float(r["begin_s"]))) for r in rows] == [
        ("night.wav", s) for s in (5, 15, 25, 35, 45)] + [("dawn.wav", s) for s in (5, 15, 25)]
    assert {r["label"] for r in rows} == {"call"} and all(float(r["score"]) > 0.9 for r in rows)
    # A Raven table carries the band searched, and reads back as regions with it.
    table = tmp_path / "calls.txt"
    code, _, _ = _run(capsys, "detect-energy", folder / "night.wav", folder / "site2",
                      "--low-hz", 1500, "--high-hz", 2500, "--format", "raven", "--out", table)
    assert code == 0
    fmt, [first, *_] = read_regions(table)
    assert fmt == "raven" and (first.low_hz, first.high_hz) == (1500.0, 2500.0)
    # Whombat is told which search found them, not a model.
    code, out, _ = _run(capsys, "detect-energy", folder / "night.wav", "--low-hz", 1500,
                        "--high-hz", 2500, "--format", "aoef")
    notes = {a["notes"][0]["message"].split(" (")[0]
             for a in json.loads(out)["data"]["sound_event_annotations"]}
    assert notes == {"Found by Earmark's Find Loud Events"}
    # A search of every frequency writes spans, as the window's Find Loud Events stores them
    # (a 0 to 8,000 Hz box from the one, a time interval from the other).
    code, out, _ = _run(capsys, "detect-energy", folder / "night.wav", "--format", "aoef")
    shapes = {e["geometry"]["type"] for e in json.loads(out)["data"]["sound_events"]}
    assert code == 0 and shapes == {"TimeInterval"}
    code, _, err = _run(capsys, "detect-energy", folder, "--snr-db", 0)
    assert code == 2 and "snr_db must be more than 0 dB" in err and err.count("\n") == 1
    code, _, err = _run(capsys, "detect-energy", folder, "--channel", 65)
    assert code == 2 and "--channel 65: a channel from 1 to 64" in err


def test_detect_energy_listens_to_the_channel_asked_for(capsys, tmp_path):
    from tests.core.audio.test_energy_detector import _night

    left = audio_factory.noise(60.0, 16000, amplitude=0.1, seed=5)
    path = audio_factory.write(tmp_path / "pair.wav", np.stack([left, _night()], axis=1),
                               subtype="FLOAT")
    counts = {}
    for channel in (None, 2):
        extra = () if channel is None else ("--channel", channel)
        code, out, _ = _run(capsys, "detect-energy", path, "--low-hz", 1500, "--high-hz", 2500,
                            *extra)
        rows = list(csv.DictReader(io.StringIO(out)))
        counts[channel] = len(rows)
        assert {r["channel"] for r in rows} <= {"" if channel is None else str(channel)}
    assert counts == {None: 0, 2: 5}
    # A channel the file lacks (a typo: 9 of 2): its mix, and said so, not silently.
    code, _, err = _run(capsys, "detect-energy", path, "--low-hz", 1500, "--high-hz", 2500,
                        "--channel", 9)
    assert code == 0 and "1 of 1 files have no channel 9 (the most: 2); their mix was " \
        "searched" in err
    # A Raven table puts the events on the channel listened to; read back, they are on it.
    table = tmp_path / "calls.selections.txt"
    code, _, _ = _run(capsys, "detect-energy", path, "--low-hz", 1500, "--high-hz", 2500,
                      "--channel", 2, "--format", "raven", "--out", table)
    assert code == 0
    _, rows = read_regions(table)
    assert len(rows) == 5 and {r.channel for r in rows} == {1}
    code, _, err = _run(capsys, "find-similar", path, "--template", path, 5.0, 5.3, "--channel", 0)
    assert code == 2 and "--channel 0: a channel from 1 to 64" in err


def test_find_similar_finds_calls_of_the_templates_shape(capsys, tmp_path):
    from tests.core.audio.test_template_detector import DOWN_STARTS_S, UP_STARTS_S, _night

    folder = tmp_path / "nights"
    audio_factory.write(folder / "night.wav", _night())
    audio_factory.write(folder / "site2" / "night_44k.wav", _night(44100, seed=3), 44100)
    (folder / "broken.wav").write_text("not audio")
    template = ("--template", folder / "night.wav", UP_STARTS_S[0], UP_STARTS_S[0] + 0.3)
    code, out, err = _run(capsys, "find-similar", folder, *template, "--low-hz", 1500,
                          "--high-hz", 3500, "--label", "up")
    assert code == 1 and "broken.wav" in err and "8 events in 2 of 3 files" in err
    rows = list(csv.DictReader(io.StringIO(out)))
    assert [(r["path"].rsplit("/", 1)[-1], round(float(r["begin_s"]), 1)) for r in rows] == [
        ("night.wav", round(s, 1)) for s in UP_STARTS_S] + [
        ("night_44k.wav", round(s, 1)) for s in UP_STARTS_S]
    assert {r["label"] for r in rows} == {"up"} and all(float(r["score"]) > 0.6 for r in rows)
    assert "just under" not in err  # nothing between 0.25 and 0.4
    # At 0.75, the up-sweep scoring 0.71 is said to be just under it.
    code, out, err = _run(capsys, "find-similar", folder / "night.wav", *template, "--low-hz",
                          1500, "--high-hz", 3500, "--threshold", 0.75)
    assert code == 0 and len(list(csv.DictReader(io.StringIO(out)))) == 3
    assert ("1 more match scored 0.60-0.75, just under --threshold (a lower one, or "
            "--pitch-shift, would find them)") in err
    # Two templates; a Raven table carries their band and reads back as regions with it.
    table = tmp_path / "calls.txt"
    code, _, _ = _run(capsys, "find-similar", folder / "night.wav", *template,
                      "--template", folder / "night.wav", DOWN_STARTS_S[0], DOWN_STARTS_S[0] + 0.3,
                      "--low-hz", 1500, "--high-hz", 3500, "--format", "raven", "--out", table)
    assert code == 0
    fmt, regions = read_regions(table)
    assert fmt == "raven" and len(regions) == len(UP_STARTS_S) + len(DOWN_STARTS_S)
    assert {(r.low_hz, r.high_hz) for r in regions} == {(1500.0, 3500.0)}
    code, out, _ = _run(capsys, "find-similar", folder / "night.wav", *template, "--low-hz",
                        1500, "--high-hz", 3500, "--format", "aoef")
    assert {a["notes"][0]["message"].split(" (")[0] for a in json.loads(out)["data"][
        "sound_event_annotations"]} == {"Found by Earmark's Find Similar Calls"}
    # Calls may be higher or lower: an event found scaled carries the band scaled with it.
    code, _, _ = _run(capsys, "find-similar", folder / "night.wav", *template, "--low-hz",
                      1500, "--high-hz", 3500, "--pitch-shift", 0.1, "--format", "raven",
                      "--out", table)
    scales = {round(r.low_hz / 1500, 3) for r in read_regions(table)[1]}
    assert code == 0 and 1.0 in scales and scales <= {0.9, 0.95, 1.0, 1.05, 1.1}
    assert all(r.high_hz == pytest.approx(3500 * r.low_hz / 1500) for r in read_regions(table)[1])


@pytest.mark.parametrize("extra, words", [
    (("--threshold", "1.5"), "threshold must lie between 0 and 1"),
    (("--pitch-shift", "0.5"), "pitch shift must lie between 0 and 0.3"),
    (("--template", "{night}", "1.0", "soon"), "the span must be two numbers of seconds"),
    (("--template", "{night}", "1.0", "1.005"), "needs at least"),
    (("--template", "{missing}", "1.0", "1.3"), "missing.wav"),
])
def test_find_similar_refuses_a_template_it_cannot_use_in_one_line(capsys, tmp_path, extra,
                                                                    words):
    night = _recording(tmp_path / "night.wav", tone_at_s=1.0)
    extra = [a.format(night=night, missing=tmp_path / "missing.wav") for a in extra]
    if extra[0] != "--template":
        extra = ["--template", night, "1.0", "1.3", *extra]
    code, _, err = _run(capsys, "find-similar", night, *extra)
    assert code == 2 and words in err and err.count("\n") == 1, err


def test_detect_says_how_many_stretches_it_left_out_as_unknown(untrained_model, tmp_path,
                                                                 capsys, monkeypatch):
    """Events unlike anything the model was trained on are left out: the window says how many,
    and so does the command line, not in silence."""
    from core.ml import detection

    def left_one_out(classifier, path, left_out=None, **_):
        left_out.append(detection.Event(str(path), 1.0, 4.0, "tone", 0.9))
        return []

    monkeypatch.setattr(detection, "detect_file", left_one_out)
    path = _recording(tmp_path / "long.wav", total_s=12.0, tone_at_s=7.0)
    code, _, err = _run(capsys, "detect", untrained_model, path)
    assert code == 0, err
    assert "1 stretch unlike anything the model was trained on left out (unknown)" in err


def test_an_out_that_cannot_be_written_is_refused_before_the_search(capsys, tmp_path,
                                                                     monkeypatch):
    """A two-hour search with --out on a read-only card (or naming a folder) ran 95 s and ended
    in a traceback, its events lost; refused at once now, in one line."""
    import errno

    import core.paths

    folder = tmp_path / "nights"
    audio_factory.write(folder / "night.wav", audio_factory.tone(2000.0, 1.0))
    band = ("--low-hz", 1500, "--high-hz", 2500)
    code, _, err = _run(capsys, "detect-energy", folder, *band, "--out", folder)
    assert code == 2 and err == f"earmark: error: --out {folder}: a folder; name the file to write\n"
    code, _, err = _run(capsys, "detect-energy", folder, *band, "--format", "ravenfiles",
                        "--out", folder / "night.wav")
    assert code == 2 and "a file, not a folder to write a file per audio file in" in err

    def read_only(where):
        raise OSError(errno.EROFS, "Read-only file system")

    monkeypatch.setattr(core.paths, "probe_writable", read_only)
    code, _, err = _run(capsys, "detect-energy", folder, *band, "--out", tmp_path / "e.csv")
    assert code == 2 and err.endswith("nothing can be written there (read-only file system)\n")
    assert "Traceback" not in err and not (tmp_path / "e.csv").exists()
    code, _, err = _run(capsys, "labels", "export", folder, "--format", "raven", "--out",
                        tmp_path / "t.txt")
    assert code == 2 and "nothing can be written there" in err and "Traceback" not in err
