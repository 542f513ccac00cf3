"""``detect``: the events a model finds in long recordings, as CSV, JSON, a Raven selection table
or Audacity label tracks (``evaluate``'s event metrics are in core.cli.evaluate).

``register(subparsers)`` adds the ``detect`` parser. One file that cannot be read is one error
line on stderr; the rest are answered, and the exit status is 1. With ``--shard I/N`` a process
answers its share of the files; paths in Raven tables and Audacity track names are relative to
the folder holding every file of the whole list, so the shards' outputs never collide.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import os
import sys
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from core.cli import check_out, given_path
from core.cli.channels import add_channel_option, chosen_channel
from core.cli.devices import add_device_option, checked_device
from core.cli.labels import PER_FILE_FORMATS
from core.cli.shards import add_shard_option
from core.errors import EarmarkError
from core.store.records import UNREVIEWED
from core.words import counted

FORMATS = ("csv", "json", "raven", "ravenfiles", "audacity", "avianz", "labelstudio", "aoef",
           "sonicvisualiser")
# channel: the one listened to (from 1), where a file has it; empty: the mix of its channels.
CSV_HEADER = ("path", "begin_s", "end_s", "label", "score", "channel")


def _probability(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not 0.0 <= value <= 1.0:
        raise argparse.ArgumentTypeError(f"{text} is not a probability (0..1)")
    return value


def _class_thresholds(text: str) -> dict[str, float]:
    """``cls=P,cls=P`` -> ``{cls: P}``."""
    out = {}
    for part in filter(None, (p.strip() for p in text.split(","))):
        name, sep, value = part.rpartition("=")
        if not sep or not name.strip():
            raise argparse.ArgumentTypeError(f"{part!r}: give CLASS=P")
        out[name.strip()] = _probability(value.strip())
    if not out:
        raise argparse.ArgumentTypeError("give CLASS=P,CLASS=P")
    return out


def register(subparsers) -> argparse.ArgumentParser:
    """Add ``detect`` to an argparse ``subparsers`` object."""
    d = subparsers.add_parser(
        "detect", help="find events in long recordings with a model",
        description="Slide the model's window over each file (half a window apart), merge "
                    "consecutive windows of one class above its threshold into an event (begin, "
                    "end, peak score), and never report the background class. Thresholds are the "
                    "model's own (chosen on its validation recordings when it was trained; 0.5 for "
                    "an older model) unless --threshold or --thresholds says otherwise.")
    d.add_argument("model", type=given_path, metavar="MODEL")
    d.add_argument("paths", type=given_path, nargs="+", metavar="PATH", help="audio files or folders")
    chosen = d.add_mutually_exclusive_group()
    chosen.add_argument("--threshold", type=_probability, metavar="P",
                        help="one threshold for every class")
    chosen.add_argument("--thresholds", type=_class_thresholds, metavar="CLASS=P,...",
                        help="thresholds of some classes; the others keep the model's")
    d.add_argument("--background", metavar="CLASS", default=None,
                   help="the class never reported (default: the model's background class); "
                        "'' reports every class")
    d.add_argument("--hop", type=float, default=None, metavar="S",
                   help="seconds between windows (default: half the model's window)")
    add_device_option(d)
    _add_output_options(d)
    d.set_defaults(func=cmd_detect)
    _register_energy(subparsers)
    _register_similar(subparsers)
    return d


def _add_output_options(parser: argparse.ArgumentParser) -> None:
    """--format, --out and --shard, as ``detect`` and ``detect-energy`` share them."""
    parser.add_argument("--format", choices=FORMATS, default="csv",
                        help="csv (default): path,begin_s,end_s,label,score,channel (the "
                             "one listened to, from 1; empty: the mix); json: per file, its "
                             "channel and events; raven: one Raven Pro selection table (Begin File "
                             "the name, Begin Path the whole path); ravenfiles: a Raven "
                             "Pro selection table per file, its times within that file, "
                             "OUT/<name>.Table.1.selections.txt; audacity: a label "
                             "track per file, OUT/<name>.txt (stdout for one file without "
                             "--out); avianz: an AviaNZ .data file per file, OUT/<name>.wav.data "
                             "(--out the recordings' folder puts each beside its recording; "
                             "each event's score its certainty); labelstudio: Label Studio "
                             "tasks with the events as predictions (pre-annotations), "
                             "data.audio /data/local-files/?d=<that folder's name>/<path in it> "
                             "(Label Studio's local files, its document root the folder "
                             "holding that one); aoef: an AOEF annotation project for "
                             "Whombat (each event flagged for review, its score a feature; paths "
                             "as for raven); sonicvisualiser: a Sonic Visualiser annotation "
                             "layer per file, OUT/<name>.svl (File > Import Annotation Layer)")
    parser.add_argument("--out", type=given_path, metavar="PATH",
                        help="write this file instead of stdout (a folder for ravenfiles, "
                             "audacity, avianz and sonicvisualiser)")
    add_shard_option(parser, "search only shard I of N of the files (0 <= I < N, numbered from "
                             "0); --out FILE becomes FILE-shardIofN (events-shard0of4.csv), and "
                             "Audacity tracks go under one --out folder without colliding")


def _add_band_options(parser: argparse.ArgumentParser, whose: str, nyquist_of: str) -> None:
    """--low-hz and --high-hz, as ``detect-energy`` and ``find-similar`` share them."""
    parser.add_argument("--low-hz", type=float, default=None, metavar="HZ",
                        help=f"{whose} bottom (default: 0 Hz)")
    parser.add_argument("--high-hz", type=float, default=None, metavar="HZ",
                        help=f"{whose} top (default: {nyquist_of} Nyquist frequency)")


def _add_label_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--label", default="", metavar="CLASS",
                        help="the label every event gets (default: none)")


def _register_energy(subparsers) -> None:
    from core.audio.energy_detector import EnergyDetectorConfig

    default = EnergyDetectorConfig()
    e = subparsers.add_parser(
        "detect-energy", help="find loud events in a frequency band, without a model",
        description="A band-limited energy detector, as Raven Pro's: the stretches where the "
                    "energy in the band stands --snr-db above the band's own background (a low "
                    "percentile of its level over --noise-window seconds around each moment, so "
                    "a background that rises and falls moves the threshold with it). Events "
                    "closer than --min-gap are one; those shorter than --min-duration or longer "
                    "than --max-duration are dropped. Each event's score is the share of its "
                    "loudest moment's band power above the background (0.9 at 10 dB).")
    e.add_argument("paths", type=given_path, nargs="+", metavar="PATH", help="audio files or folders")
    _add_band_options(e, "the band's", "each file's")
    e.add_argument("--snr-db", type=float, default=default.snr_db, metavar="DB",
                   help=f"dB above the background (default {default.snr_db:g})")
    e.add_argument("--min-duration", type=float, default=default.min_duration_s, metavar="S",
                   help=f"shortest event, seconds (default {default.min_duration_s:g})")
    e.add_argument("--max-duration", type=float, default=default.max_duration_s, metavar="S",
                   help=f"longest event, seconds (default {default.max_duration_s:g})")
    e.add_argument("--min-gap", type=float, default=default.min_gap_s, metavar="S",
                   help=f"events closer than this are one, seconds (default {default.min_gap_s:g})")
    e.add_argument("--noise-window", type=float, default=default.noise_window_s, metavar="S",
                   help="seconds around each moment its background is measured over (default "
                        f"{default.noise_window_s:g})")
    add_channel_option(e, "listen to", "; a call on one microphone of a stereo recorder "
                                       "stands 3 dB clearer on its own channel")
    _add_label_option(e)
    _add_output_options(e)
    e.set_defaults(func=cmd_detect_energy)


def _register_similar(subparsers) -> None:
    from core.audio.template_detector import MAX_TEMPLATE_S, TemplateDetectorConfig

    default = TemplateDetectorConfig()
    f = subparsers.add_parser(
        "find-similar", help="find calls shaped like a template call, without a model",
        description="A template detector (spectrogram cross-correlation, as monitoR's corMatch "
                    "and Raven Pro's): each --template is a stretch of a recording, within "
                    "--low-hz..--high-hz; at each moment of each PATH the score is the "
                    "correlation of the template's spectrogram (dB) with the recording's under "
                    "it, 1 for the same shape at any loudness. An event is a peak of the score "
                    "at or above --threshold, spanning the template's duration and band; a call "
                    "may be slower or faster (--time-stretch), higher or lower (--pitch-shift). "
                    "Overlapping events of several "
                    "templates are one, the best kept. A "
                    "recording at another rate is resampled to the template's.")
    f.add_argument("paths", type=given_path, nargs="+", metavar="PATH", help="audio files or folders")
    f.add_argument("--template", nargs=3, action="append", required=True,
                   metavar=("FILE", "BEGIN_S", "END_S"),
                   help=f"a call to look for: its recording and span in seconds (at most "
                        f"{MAX_TEMPLATE_S:g} s); give it again for more templates")
    _add_band_options(f, "the templates' band", "their recording's")
    f.add_argument("--threshold", type=float, default=default.threshold, metavar="R",
                   help=f"the correlation an event reaches, 0..1 (default {default.threshold:g})")
    f.add_argument("--time-stretch", type=float, default=default.time_stretch, metavar="SHARE",
                   help="how much longer or shorter than a template a call may be: each is also "
                        "tried stretched by up to this share (default "
                        f"{default.time_stretch:g}: 0.8-1.2 times its length; 0: its own only)")
    f.add_argument("--pitch-shift", type=float, default=default.pitch_shift, metavar="SHARE",
                   help="how much higher or lower than a template a call may be: each is also "
                        "tried with its frequencies (and band) scaled by up to this share (0.1: "
                        f"0.9-1.1 times; default {default.pitch_shift:g}: its own only)")
    add_channel_option(f, "listen to", "; the templates are read from it too")
    _add_label_option(f)
    _add_output_options(f)
    f.set_defaults(func=cmd_find_similar)


@dataclass(frozen=True)
class _File:
    """What the writers of core.store.region_export read of a clip record."""

    id: int
    path: str
    sample_rate_hz: int | None
    duration_s: float | None
    channels: int | None = None
    listened: int | None = None  # the channel its events were found on (from 0); None: the mix


@dataclass(frozen=True)
class _BandEvent:
    """An event the energy or template detector found, as the writers read a model's: its band
    too, and which found it (``source``, "loud" or "similar")."""

    path: str
    begin_s: float
    end_s: float
    label: str
    score: float
    low_hz: float | None  # None, None: the whole spectrum (spans.event_band)
    high_hz: float | None
    source: str


@dataclass(frozen=True)
class _Span:
    """What the writers of core.store.region_export read of a region record: an event a model or
    a search (``source``) found, which nobody has reviewed."""

    id: int
    begin_s: float
    end_s: float
    label: str
    score: float
    low_hz: float | None = None
    high_hz: float | None = None
    status: str = UNREVIEWED
    channel: int | None = None  # the one it was found on (from 0); None: the mix
    source: str = "model"

    @property
    def found(self) -> tuple[str, float]:
        """Who found it and its score, as RegionRecord.found gives them."""
        return self.source, self.score


def cmd_detect(args) -> int:
    from core.ml.detection import detect_file, resolve_thresholds
    from core.ml.inference import Classifier

    device = checked_device(args.device)  # one line, exit 2, before any file is read
    classifier = Classifier.from_checkpoint(args.model, device=device)
    requested = args.thresholds if args.thresholds is not None else args.threshold
    try:
        resolve_thresholds(classifier.classes, None, requested)
    except ValueError as error:
        raise EarmarkError(str(error)) from None
    background = args.background
    if background and background not in classifier.classes:
        raise EarmarkError(f"--background {background}: the model has no such class (it knows "
                           f"{', '.join(classifier.classes)})")
    if args.hop is not None and not args.hop > 0:
        raise EarmarkError("--hop must be a positive number of seconds")
    left_out: list = []  # stretches unlike anything the model was trained on
    code = _search(args, lambda path, progress: detect_file(
        classifier, path, thresholds=requested, background=background, hop_s=args.hop,
        progress=progress, left_out=left_out), classifier.features.channel)
    if left_out:
        print(f"earmark: {counted(len(left_out), 'stretch', 'stretches')} unlike anything the model was "
              "trained on left out (unknown)", file=sys.stderr)
    return code


def cmd_detect_energy(args) -> int:
    from core.audio.energy_detector import EnergyDetectorConfig, detect_energy

    config = EnergyDetectorConfig(
        low_hz=args.low_hz, high_hz=args.high_hz, snr_db=args.snr_db,
        min_duration_s=args.min_duration, max_duration_s=args.max_duration,
        min_gap_s=args.min_gap, noise_window_s=args.noise_window,
        channel=chosen_channel(args))  # refused in one line, exit 2
    return _search_bands(args, lambda path, progress: detect_energy(path, config,
                                                                    progress=progress),
                         config.channel, "loud")


def cmd_find_similar(args) -> int:
    from core.audio.template_detector import (
        CallTemplate,
        TemplateDetectorConfig,
        find_similar,
        near_miss_floor,
        prepare_template,
    )

    # Refused: one line, exit 2.
    config = TemplateDetectorConfig(args.threshold, args.time_stretch, args.pitch_shift,
                                    chosen_channel(args))
    templates = []
    for path, begin, end in args.template:
        try:
            begin_s, end_s = float(begin), float(end)
        except ValueError:
            raise EarmarkError(f"--template {path} {begin} {end}: the span must be two numbers "
                               "of seconds") from None
        try:
            templates.append(prepare_template(CallTemplate(path, begin_s, end_s, args.low_hz,
                                                           args.high_hz), config.channel))
        except EarmarkError as error:
            raise EarmarkError(f"--template {path} {begin} {end}: {error}") from None
    near: list = []  # matches just under the threshold, to say how many
    status = _search_bands(args, lambda path, progress: find_similar(
        path, templates, config, progress=progress, near_misses=near), config.channel, "similar")
    if near:
        print(f"earmark: {counted(len(near), 'more match', 'more matches')} scored "
              f"{near_miss_floor(config.threshold):.2f}-{config.threshold:.2f}, just under "
              "--threshold (a lower one, or --pitch-shift, would find them)", file=sys.stderr)
    return status


def _search_bands(args, events_of, channel: int | None, source: str) -> int:
    """``_search`` with a model-free detector, ``source`` ("loud" or "similar"):
    ``events_of(path, progress)`` gives events with a span, band and score, each written with
    ``--label`` and its band."""
    from core.audio.reading import info
    from core.audio.spans import event_band

    label = args.label or ""

    def events(path, progress) -> list[_BandEvent]:
        found = events_of(path, progress)
        nyquist_hz = info(path).sample_rate_hz / 2 if found else 0.0
        return [_BandEvent(str(path), e.begin_s, e.end_s, label, e.score,
                           *event_band(e.low_hz, e.high_hz, nyquist_hz), source) for e in found]

    return _search(args, events, channel)


def _search(args, find, channel: int | None) -> int:
    """Run ``find(path, progress)`` (events of one file) over the files ``args`` names, this
    shard's share; write them as ``args`` asks; a file that cannot be read is one error line.
    ``channel`` (from 0): the one listened to in each file that has it, else the mix."""
    from core.audio import reading as audio
    from core.audio.discovery import expand_audio_paths
    from core.cli.commands import _ProgressBar, shard_files

    every = [_File(number, str(path), None, None)
             for number, path in enumerate(expand_audio_paths(args.paths))]
    if args.format in PER_FILE_FORMATS and not args.out and len(every) != 1:
        raise EarmarkError(f"--format {args.format} writes a file per audio file: give --out "
                           "FOLDER")
    check_out(args.out, folder=args.format in PER_FILE_FORMATS)  # before the search, not after
    files = shard_files(every, args.shard)
    bar = _ProgressBar()
    answered: list[tuple[_File, list]] = []
    failed = 0
    try:
        for number, entry in enumerate(files):
            path, name = Path(entry.path), entry.path

            def progress(fraction: float, number=number, name=name) -> None:
                bar.update((number + fraction) / len(files), name)

            try:
                info = audio.info(path)
                events = find(path, progress)
            except EarmarkError as error:
                failed += 1
                bar.close()
                print(f"earmark: error: {error}", file=sys.stderr)
                continue
            answered.append((_File(entry.id, name, info.sample_rate_hz, info.duration_s,
                                   info.channels, audio.channel_or_mix(channel, info.channels)),
                             events))
    finally:
        bar.close()
    _write(args, answered, every)
    n_events = sum(len(events) for _, events in answered)
    print(f"earmark: {counted(n_events, 'event')} in {len(answered)} of "
          f"{len(files)} files", file=sys.stderr)
    if failed:
        print(f"earmark: {failed} of {len(files)} files could not be searched", file=sys.stderr)
    mixed = sum(clip.listened is None for clip, _ in answered)
    if channel is not None and mixed:  # a typo (--channel 9 of 6) said, not searched silently
        print(f"earmark: {mixed} of {len(answered)} files have no channel {channel + 1} "
              f"(the most: {max(clip.channels or 1 for clip, _ in answered)}); their mix was "
              "searched", file=sys.stderr)
    return 1 if failed else 0


def _write(args, answered, every: list[_File]) -> None:
    """Write the events of ``answered`` (file, events) as ``args`` asks; ``every`` is the whole
    list of files (all shards'), which names are made relative to."""
    from core.paths import write_text_atomic
    from core.store.region_export import PER_FILE, aoef_text, raven_text, write_aoef
    from core.store.region_json import label_studio_text

    # Every shard finds the same folder and the same names in it.
    every = _present(every)
    root = _common_folder(every)
    if args.format in PER_FILE:
        text_of = PER_FILE[args.format].text
        if args.format == "ravenfiles":  # Begin Path the whole path, as the one table's
            def text_of(clip, spans):
                return raven_text([(clip, spans)], folder=root.resolve() if root else None)
        # Each file named relative to the folder holding every input, as the one-file formats
        # name them.
        named = {c.id: c for c in _relative([clip for clip, _ in answered], root)} if root else {}
        if not args.out:
            sys.stdout.write(text_of(named.get(answered[0][0].id, answered[0][0]),
                                     _spans(*answered[0])) if answered else "")
            return
        # Targets of the whole list: a.wav in one shard and a.flac in another still get two.
        targets = PER_FILE[args.format].targets(_relative(every, root), args.out)
        for clip, events in answered:
            write_text_atomic(targets[clip.id], text_of(named.get(clip.id, clip),
                                                        _spans(clip, events)))
        return
    if args.format == "csv":
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(CSV_HEADER)
        for clip, events in answered:
            channel = "" if clip.listened is None else str(clip.listened + 1)
            for e in events:
                writer.writerow((e.path, f"{e.begin_s:.3f}", f"{e.end_s:.3f}", e.label,
                                 f"{e.score:.4f}", channel))
        text = out.getvalue()
    elif args.format == "json":
        text = json.dumps([{"path": clip.path, "duration_s": clip.duration_s,
                            "channel": None if clip.listened is None else clip.listened + 1,
                            "events": [{"begin_s": round(e.begin_s, 3), "end_s": round(e.end_s, 3),
                                        "label": e.label, "score": round(e.score, 4)}
                                       for e in events]}
                           for clip, events in answered], indent=2) + "\n"
    else:
        # Paths relative to the folder holding every input (Raven's Begin Path the whole path,
        # a task's audio relative to it): `labels import` of that folder reads them back.
        clips = _relative([clip for clip, _ in answered], root)
        grouped = [(clip, _spans(clip, events)) for clip, (_, events) in zip(clips, answered,
                                                                              strict=True)]
        if args.format == "aoef" and args.out:  # and the dataset Whombat imports first
            out = args.out if args.shard is None else args.shard.file_name(args.out)
            dataset = write_aoef(grouped, root.name if root else "Earmark events", out,
                                 str(root.resolve()) if root else None)
            print(f"earmark: wrote {out} and its recordings' dataset {dataset}", file=sys.stderr)
            return
        if args.format == "aoef":
            text = aoef_text(grouped, root.name if root else "Earmark events",
                             str(root.resolve()) if root else None)
        else:
            text = (raven_text(grouped, folder=root.resolve() if root else None)
                    if args.format == "raven" else
                    label_studio_text(grouped, root.name if root else None))
    if args.out:
        out = args.out if args.shard is None else args.shard.file_name(args.out)
        write_text_atomic(out, text)
        if args.shard is not None:
            print(f"earmark: wrote {out}", file=sys.stderr)
    else:
        sys.stdout.write(text)
        sys.stdout.flush()


def _spans(clip: _File, events) -> list[_Span]:
    return [_Span(n, e.begin_s, e.end_s, e.label, e.score, getattr(e, "low_hz", None),
                  getattr(e, "high_hz", None), channel=clip.listened,
                  source=getattr(e, "source", "model"))
            for n, e in enumerate(events, 1)]


def _present(clips: list[_File]) -> list[_File]:
    """The files of ``clips`` that are there: a path given wrongly moves no common folder."""
    return [c for c in clips if Path(c.path).is_file()]


def _common_folder(clips: list[_File]) -> Path | None:
    """The folder that holds every file of ``clips`` (None for none)."""
    folders = [Path(c.path).resolve().parent for c in clips]
    return Path(os.path.commonpath(folders)) if folders else None


def _relative(clips: list[_File], root: Path | None) -> list[_File]:
    """The files' paths relative to ``root`` (POSIX), a folder holding them all, so that label
    tracks mirror the inputs under --out."""
    return [_File(c.id, PurePosixPath(*Path(c.path).resolve().relative_to(root).parts).as_posix(),
                  c.sample_rate_hz, c.duration_s, c.channels, c.listened) for c in clips]
