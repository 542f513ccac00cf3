"""Sonic Visualiser's annotation layers as region files: a layer exported as ``.svl`` (File > Export
Annotation Layer) or a whole session (``.sv``, bzip2-compressed XML). Both hold models of points in
frames at a sample rate; a region, note or box layer's points have a duration and are regions, a
box's value range its band (a layer exported as CSV, the menu's other choice, is a table:
:mod:`core.store.region_tables`). Reading gives RegionRows and the problems of bad points, as
:mod:`core.store.region_io` reads its text formats; writing gives one recording's layer.
"""

from __future__ import annotations

import bz2
import math
from collections.abc import Iterable
from pathlib import PureWindowsPath
from xml.parsers import expat
from xml.sax.saxutils import quoteattr

from core.errors import EarmarkError
from core.store.records import ClipRecord, RegionRecord, RegionRow

Problem = tuple[int, str]  # (line; reason)

SVL_SUFFIX = ".svl"  # what Sonic Visualiser calls an exported annotation layer
BZIP2_MAGIC = b"BZh"  # a session file (.sv) is its XML, bzip2-compressed
# What follows the magic and its block size digit: a block's header (pi's digits) or, in an empty
# stream, its end (the square root of pi's). A CSV whose first path begins "BZh" has neither.
_BZIP2_BLOCKS = (bytes.fromhex("314159265359"), bytes.fromhex("177245385090"))
# A session decompressed past this is refused, not read into memory: reading one takes about
# 25 times its size (a 64 MB bomb peaked at 1.6 GB); a layer of 100,000 boxes is 10 MB.
MAX_XML_BYTES = 64 * 2**20
# 2**53: a frame count a float holds exactly, and 285 years at 1 MHz; more is no recording's.
MAX_FRAMES = 2**53
#: Layers whose points span time (subtype of a sparse model). A time instants layer's (a sparse
#: model of one dimension and no subtype) mark moments, which an import makes regions about; the
#: others (time values, text, images) are no marks of sounds.
SPAN_SUBTYPES = ("region", "note", "flexinote", "box")
#: What the layer element names each written model's layer (svgui's LayerFactory type names).
_LAYER_TYPES = {"region": "regions", "box": "boxes"}
#: The rate of a layer whose recording's rate is not known: frames only need to agree with it.
FALLBACK_RATE_HZ = 48000


def is_xml(text: str) -> bool:
    """Whether ``text`` (after leading blanks) is XML, as every Sonic Visualiser file is."""
    return text.lstrip().startswith("<")


def is_bzip2(data: bytes) -> bool:
    """Whether ``data`` begins as a bzip2 stream: its magic, a block size digit, then a block."""
    return (data.startswith(BZIP2_MAGIC) and len(data) >= 10 and data[3] in b"123456789"
            and data[4:10] in _BZIP2_BLOCKS)


def decompress(data: bytes) -> bytes:
    """A file's bytes, a bzip2 stream (a Sonic Visualiser session) decompressed; EarmarkError
    when the stream is broken or opens past :data:`MAX_XML_BYTES`."""
    if not is_bzip2(data):
        return data
    decompressor = bz2.BZ2Decompressor()
    try:
        out = decompressor.decompress(data, max_length=MAX_XML_BYTES + 1)
    except (OSError, EOFError, ValueError) as error:
        raise EarmarkError(f"a broken bzip2 stream ({error})") from None
    if len(out) > MAX_XML_BYTES:
        raise EarmarkError(f"a session larger than {MAX_XML_BYTES // 2**20} MB when opened")
    if not decompressor.eof:
        raise EarmarkError("a broken bzip2 stream (it ends too soon)")
    return out


class _Document:
    """The models, and each dataset's points with their lines, of a Sonic Visualiser file."""

    def __init__(self, text: str) -> None:
        self.models: list[dict[str, str]] = []
        self.points: list[tuple[str | None, dict[str, str], int]] = []
        self.derived: set[str | None] = set()  # models a plugin's output (<derivation model=>)
        dataset: str | None = None
        # The text is already decoded: the parser reads it as UTF-8, whatever the declaration says.
        parser = expat.ParserCreate(encoding="utf-8")
        parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)

        def start(name: str, attrs: dict[str, str]) -> None:
            nonlocal dataset
            if name == "model":
                self.models.append(attrs)
            elif name == "dataset":
                dataset = attrs.get("id")
            elif name == "point":
                self.points.append((dataset, attrs, parser.CurrentLineNumber))
            elif name == "derivation":
                self.derived.add(attrs.get("model"))

        def entity(*_args) -> None:  # an entity defined in the file could expand without end
            raise EarmarkError(f"line {parser.CurrentLineNumber}: XML that defines entities")

        parser.StartElementHandler = start
        parser.EntityDeclHandler = entity
        try:
            parser.Parse(text.encode("utf-8"), True)
        except expat.ExpatError as error:
            raise EarmarkError(f"broken XML (line {error.lineno}: "
                               f"{expat.ErrorString(error.code)})") from None
        if not self.models:
            raise EarmarkError("XML without a Sonic Visualiser model (<model>)")

    def mark_models(self) -> dict[str | None, dict[str, str]]:
        """The models whose points mark sounds (spans, or time instants a person marked: not an
        onset or beat detector's, whose hundreds of instants a session derives from a plugin),
        by their dataset's id."""
        return {m.get("dataset"): m for m in self.models
                if m.get("type") == "sparse" and (m.get("subtype") in SPAN_SUBTYPES or (
                    _is_instants(m) and m.get("id") not in self.derived))}

    def audio(self) -> str | None:
        """The name of the recording a session was made on (its main wave-file model), None in a
        layer file; the path on the machine that wrote it is not ours, so only its name."""
        waves = [m for m in self.models if m.get("type") == "wavefile" and m.get("file")]
        main = next((m for m in waves if m.get("mainModel") == "true"), waves[0] if waves else None)
        return PureWindowsPath(main["file"]).name if main else None  # splits at / and \


def _is_instants(model: dict[str, str]) -> bool:
    """Whether a model is a time instants layer's: sparse, of one dimension, with no subtype."""
    return model.get("dimensions") == "1" and not model.get("subtype")


def svl_audio(text: str) -> str | None:
    """The recording a Sonic Visualiser file names (a session's), None when it names none (an
    exported layer). Raises EarmarkError when it is no Sonic Visualiser XML."""
    return _Document(text).audio()


def _frames(text: str | None) -> int | None:
    """A whole number of frames, at most MAX_FRAMES; None for anything else."""
    value = _attribute_number(text)
    if value is None or not value.is_integer() or abs(value) > MAX_FRAMES:
        return None
    return int(value)


def _hz(text: str | None) -> float | None:
    return _attribute_number(text)


def _attribute_number(text: str | None) -> float | None:
    """An attribute as a finite number; None when absent, empty or not one (Python's float also
    reads ``1_0``, which no Sonic Visualiser writes)."""
    if text in (None, "") or "_" in text:
        return None
    try:
        value = float(text)
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def _rate(model: dict[str, str]) -> float:
    rate = _hz(model.get("sampleRate"))
    if rate is None or rate <= 0:
        raise EarmarkError(f"model {model.get('id', '?')}: sampleRate "
                           f"'{model.get('sampleRate', '')}' is not a positive number")
    return rate


def parse_svl(text: str, audio: str | None) -> tuple[list[RegionRow], list[Problem]]:
    """The regions of a Sonic Visualiser layer or session: every point of a region, note or box
    layer, its label the region's (none when empty); a box layer in Hz gives each region its band;
    a time instants layer's points moments (begin and end their time), which an import makes
    regions about. ``audio`` is the recording they belong to (a session names its own:
    :func:`svl_audio`)."""
    document = _Document(text)
    marks = document.mark_models()
    if not marks:
        kinds = sorted({m.get("subtype") or m.get("type", "?") for m in document.models})
        raise EarmarkError(f"no time instants, region, note or box layer (it holds "
                           f"{', '.join(kinds)}): values and text are no marks of sounds")
    audio = audio or document.audio()
    if not audio:
        raise EarmarkError("a Sonic Visualiser layer does not say which audio file it belongs "
                           "to: say which (--audio)")
    rates = {dataset: _rate(model) for dataset, model in marks.items()}
    rows: list[RegionRow] = []
    problems: list[Problem] = []
    for dataset, point, line in document.points:
        model = marks.get(dataset)
        if model is None:  # a point of a layer of values or text
            continue
        rate = rates[dataset]
        if _is_instants(model):
            frame = _frames(point.get("frame"))
            if frame is None:
                problems.append((line, f"frame '{point.get('frame', '')}' is not a whole number"))
            else:
                rows.append(RegionRow(audio, frame / rate, frame / rate,
                                      point.get("label", "").strip() or None, line=line))
            continue
        frame, duration = _frames(point.get("frame")), _frames(point.get("duration", "0"))
        if frame is None or duration is None:
            problems.append((line, f"frame '{point.get('frame', '')}' or duration "
                                   f"'{point.get('duration', '')}' is not a whole number"))
            continue
        if duration <= 0:
            problems.append((line, "no duration: a moment, not a span"))
            continue
        low_hz = high_hz = None
        if model.get("subtype") == "box" and model.get("units", "Hz").lower() in ("hz", ""):
            low_hz = _hz(point.get("value"))
            extent = _hz(point.get("extent", point.get("level")))
            if low_hz is None or extent is None:
                problems.append((line, "a box needs a number as its value and its extent"))
                continue
            high_hz = low_hz + abs(extent)
        rows.append(RegionRow(audio, frame / rate, (frame + duration) / rate,
                              point.get("label", "").strip() or None, low_hz, high_hz, line))
    return rows, problems


def svl_text(clip: ClipRecord, regions: Iterable[RegionRecord]) -> str:
    """One recording's regions as a Sonic Visualiser annotation layer (File > Import Annotation
    Layer reads it): a region layer, or a box layer in Hz when any region has a band (the others
    then span 0 to Nyquist), in frames at the recording's own rate."""
    regions = list(regions)
    rate = clip.sample_rate_hz or FALLBACK_RATE_HZ
    boxes = any(r.low_hz is not None for r in regions)
    subtype = "box" if boxes else "region"
    points = []
    for r in regions:
        frame = round(r.begin_s * rate)
        duration = max(1, round(r.end_s * rate) - frame)
        attrs = f'frame="{frame}" '
        if boxes:
            low_hz, high_hz = (r.low_hz, r.high_hz) if r.low_hz is not None else (0.0, rate / 2)
            attrs += f'value="{low_hz:.3f}" duration="{duration}" extent="{high_hz - low_hz:.3f}" '
        else:
            attrs += f'value="0" duration="{duration}" '
        points.append(f"      <point {attrs}label={quoteattr(r.label or '')} />")
    start = min((round(r.begin_s * rate) for r in regions), default=0)
    end = max((round(r.end_s * rate) for r in regions), default=0)
    extra = (f'minimum="0" maximum="{rate / 2:.3f}" units="Hz"' if boxes else
             'valueQuantization="0" minimum="0" maximum="0" units=""')
    dims = 2 if boxes else 3
    name = quoteattr(f"Earmark {_LAYER_TYPES[subtype]}")
    return "\n".join([
        '<?xml version="1.0" encoding="UTF-8"?>',
        "<!DOCTYPE sonic-visualiser>",
        "<sv>",
        "  <data>",
        f'    <model id="1" name={name} sampleRate="{rate:g}" start="{start}" end="{end}" '
        f'type="sparse" dimensions="{dims}" resolution="1" notifyOnAdd="true" dataset="0" '
        f'subtype="{subtype}" {extra} />',
        f'    <dataset id="0" dimensions="{dims}">',
        *points,
        "    </dataset>",
        "  </data>",
        "  <display>",
        f'    <layer id="2" type="{_LAYER_TYPES[subtype]}" name={name} model="1" />',
        "  </display>",
        "</sv>",
    ]) + "\n"


__all__ = ["SVL_SUFFIX", "decompress", "is_xml", "parse_svl", "svl_audio", "svl_text"]
