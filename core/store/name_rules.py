"""Labels read from file names: the rule (NameRule: a part of the name, the part before a trailing
number, a regular expression, or none), the rule that suits a whole folder of names
(infer_name_rule), and what a rule would give (preview_name_rule). No Qt, no store."""

from __future__ import annotations

import functools
import json
import os
import re
import statistics
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from core.errors import EarmarkError

KINDS = ("token", "prefix", "regex", "none")

#: What separates the parts of a file name.
SEPARATORS_NOTE = "split at _, - and spaces"

# A part of a name: a run of anything but the separators.
_PART_RE = re.compile(r"[^_\-\s]+")
_SEPARATOR_RE = re.compile(r"[_\-\s]")  # what parts are split at
# ``cat_12``, ``dog_barking-3``: a prefix, then ``_`` or ``-``, then digits only.
_PREFIX_RE = re.compile(r"^(?P<prefix>.*?[^_\-\s])[_-]\d+$")

# A label ending in a date (20260601, 2026-06-01, 2026-06), as field recorders stamp their files
# (AudioMoth's 20260601_220000, a Song Meter's S4A12345_20260601_220000): when, not what.
_DATE = (r"(?:19|20)\d\d(?:(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])"
         r"|-(?:0[1-9]|1[0-2])(?:-(?:0[1-9]|[12]\d|3[01]))?)")
_DATE_END_RE = re.compile(rf"(?:^|[_\-\s]){_DATE}$")

# A date as a whole run of parts of a name (``ARU01_2026-06-01_220000``: 2026-06-01). A label
# that ends inside one has cut it (``site1-2026``), and a label with a digit that one follows is
# the recorder's or the site's name (ARU01, S4A12345, an AudioMoth's serial), not a class; a
# species named before the date (``owl_20260601_1``) has no digit.
_DATE_PART_RE = re.compile(rf"(?:^|(?<=[_\-\s])){_DATE}(?=$|[_\-\s])")
# A name ending in a recorder's date and time (AudioMoth's 20260601_220000, a Song Meter's
# S4A12345_20260601_220000, 2026-06-01 22-00-00): what a recorder writes, not a person's take
# (Earmark's own owl2_20261204-203000_1) or a clip cut from it (..._500-750ms).
_RECORDER_STAMP_RE = re.compile(
    r"(?:^|[_\-\s])(?P<year>(?:19|20)\d\d)-?(?P<month>0[1-9]|1[0-2])-?(?P<day>0[1-9]|[12]\d|3[01])"
    r"[_\-\sT]?(?P<hour>[01]\d|2[0-3])[_\-:]?(?P<minute>[0-5]\d)[_\-:]?(?P<second>[0-5]\d)$")

# What makes a rule fit a folder: "a small number of classes with several clips each".
MIN_CLASSES = 2
MIN_MEAN_CLIPS_PER_CLASS = 2.0  # fewer means the "classes" are mostly one-off names
MAX_CLASSES = 100  # beyond this a part is more likely an id or a take number than a class
MIN_LABELLED_SHARE = 0.5  # the rule must label more than this share of the names
MAX_PARTS = 8  # parts of a name looked at when inferring; later ones are takes and dates
# Up to this many names are too few to judge a rule by: the prefix rule reads them when no rule
# fits (cat_1, dog_1, bird_1). More names that no rule fits get none: rec_001 ... rec_179 read
# as one class "rec" for every clip, which a person then had to clear.
FEW_NAMES = 12


def _ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


@functools.lru_cache(maxsize=1 << 16)  # each rule a preview weighs reads every name again
def _parts(stem: str) -> tuple[tuple[int, int], ...]:
    """The (start, end) of each part of ``stem``."""
    return tuple(m.span() for m in _PART_RE.finditer(stem))


def _parts_label(stem: str, parts: Sequence[tuple[int, int]], first: int, count: int) -> str | None:
    """Parts ``first .. first+count-1`` of ``stem`` with the separators between them as written;
    None when the name has not that many parts, they would be the whole name, or they are a
    date stamp (a recorder's ``20260601_220000`` among ``knock_0``...: when, no class)."""
    if first + count > len(parts) or count >= len(parts):
        return None
    label = stem[parts[first][0]:parts[first + count - 1][1]]
    return None if is_date_stamp(label) else label


@dataclass(frozen=True)
class NameRule:
    """How a file's name (its stem, without the suffix) gives its label.

    ``kind``: ``"token"`` — ``count`` parts from part ``first`` (0-based) of the name split at
    ``_``, ``-`` and blanks, joined with the separators as written (``first=0, count=2``:
    ``dog_barking_0`` -> ``dog_barking``; ``first=1``: ``0_jackson_12`` -> ``jackson``), never the
    whole name; ``"prefix"`` — what comes before a trailing ``_``/``-`` and number
    (``cat_12`` -> ``cat``); ``"regex"`` — ``pattern`` searched in the name, the label its group
    ``label``, else its group 1, else the whole match; ``"none"`` — no labels from names.
    An unknown kind or a bad pattern raises EarmarkError.
    """

    kind: str = "prefix"
    first: int = 0
    count: int = 1
    pattern: str = ""

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise EarmarkError(f"unknown file-name rule {self.kind!r} (one of {', '.join(KINDS)})")
        if self.kind != "token":  # fields another kind ignores do not make rules differ
            object.__setattr__(self, "first", 0)
            object.__setattr__(self, "count", 1)
        elif not (isinstance(self.first, int) and isinstance(self.count, int)
                  and self.first >= 0 and self.count >= 1):
            raise EarmarkError(f"a file-name part needs a position from 1 and a count from 1, "
                               f"not {self.first!r} and {self.count!r}")
        if self.kind != "regex":
            object.__setattr__(self, "pattern", "")
        else:
            _compile(self.pattern)

    @classmethod
    def leading(cls, count: int) -> NameRule:
        """The first ``count`` parts of the name."""
        return cls("token", 0, count)

    @classmethod
    def part(cls, index: int) -> NameRule:
        """The part at ``index`` (0-based) alone."""
        return cls("token", index, 1)

    @classmethod
    def regex(cls, pattern: str) -> NameRule:
        return cls("regex", pattern=pattern)

    def label_of(self, stem: str) -> str | None:
        """The label this rule reads in ``stem`` (a file name without its suffix), or None."""
        if self.kind == "token":
            return _parts_label(stem, _parts(stem), self.first, self.count)
        if self.kind == "prefix":
            match = _PREFIX_RE.match(stem)
            return match.group("prefix") if match and not is_date_stamp(
                match.group("prefix")) else None
        if self.kind == "regex":
            match = _compile(self.pattern).search(stem)
            if match is None:
                return None
            if "label" in match.re.groupindex:
                found = match.group("label")
            else:
                found = match.group(1) if match.re.groups else match.group(0)
            return (found or "").strip() or None
        return None

    def title(self) -> str:
        """A few words: "1st part", "first 2 parts", "3rd part", "before the trailing number"."""
        if self.kind == "token":
            if self.count == 1:
                return f"{_ordinal(self.first + 1)} part"
            if self.first == 0:
                return f"first {self.count} parts"
            return f"parts {self.first + 1} to {self.first + self.count}"
        if self.kind == "prefix":
            return "before the trailing number"
        if self.kind == "regex":
            return f"regular expression {self.pattern}"
        return "no file-name labels"

    def describe(self) -> str:
        """A short sentence for a person, e.g. "the 1st part of the file name (split at _, - and
        spaces)"."""
        if self.kind == "token":
            return f"the {self.title()} of the file name ({SEPARATORS_NOTE})"
        if self.kind == "prefix":
            return "the file name before its trailing number (cat_12 -> cat)"
        if self.kind == "regex":
            return f"what the regular expression {self.pattern} finds in the file name"
        return "no labels from file names"

    def to_json(self) -> str:
        data: dict = {"kind": self.kind}
        if self.kind == "token":
            data.update(first=self.first, count=self.count)
        elif self.kind == "regex":
            data["pattern"] = self.pattern
        return json.dumps(data, sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> NameRule:
        """The rule ``to_json`` wrote; anything else raises EarmarkError."""
        try:
            data = json.loads(text)
        except (TypeError, ValueError):
            raise EarmarkError(f"not a file-name rule: {str(text)[:80]!r}") from None
        if not isinstance(data, dict) or not set(data) <= {"kind", "first", "count", "pattern"}:
            raise EarmarkError(f"not a file-name rule: {str(text)[:80]!r}")
        pattern = data.get("pattern", "")
        if not isinstance(pattern, str):
            raise EarmarkError(f"not a file-name rule: {str(text)[:80]!r}")
        return cls(str(data.get("kind")), data.get("first", 0), data.get("count", 1), pattern)


PREFIX_RULE = NameRule("prefix")
NO_NAME_RULE = NameRule("none")


def _compile(pattern: str) -> re.Pattern:
    if not isinstance(pattern, str) or not pattern:
        raise EarmarkError("the regular expression is empty")
    try:
        return re.compile(pattern)  # re keeps compiled patterns: label_of can call this per name
    except re.error as error:
        where = f" at position {error.pos}" if error.pos is not None else ""
        raise EarmarkError(f"not a valid regular expression: {error.msg}{where}") from None


def parse_name_rule(text: str) -> NameRule | None:
    """The command line's ``--name-rule``: ``auto`` (None: infer it), ``prefix``, ``none``,
    ``token:N`` (the Nth part alone, from 1), ``tokens:N`` (the first N parts) or
    ``regex:PATTERN``. Anything else raises EarmarkError."""
    name, sep, value = text.partition(":")
    name = name.strip().lower()
    if not sep and name in ("auto", "prefix", "none"):
        return None if name == "auto" else NameRule(name)
    if sep and name == "regex":
        return NameRule.regex(value)
    if sep and name in ("token", "tokens"):
        try:
            n = int(value)
        except ValueError:
            n = 0
        if n < 1:
            raise EarmarkError(f"--name-rule {text}: the number must be a whole number from 1")
        return NameRule.part(n - 1) if name == "token" else NameRule.leading(n)
    raise EarmarkError(f"--name-rule {text}: expected auto, prefix, none, token:N, tokens:N "
                       "or regex:PATTERN")


# --------------------------------------------------------------------------- a whole folder


@dataclass(frozen=True)
class NamePreview:
    """What a rule gives over a set of names: ``counts`` (class -> names, most first, then by
    name) and how many names it leaves ``unlabelled``."""

    counts: dict[str, int]
    unlabelled: int

    @property
    def labelled(self) -> int:
        return sum(self.counts.values())


def _preview(counter: Counter, total: int) -> NamePreview:
    counts = dict(sorted(counter.items(), key=lambda item: (-item[1], item[0])))
    return NamePreview(counts, total - sum(counts.values()))


def preview_name_rule(rule: NameRule, stems: Iterable[str]) -> NamePreview:
    """The classes ``rule`` gives over ``stems`` with their counts, and the names left out."""
    stems = list(stems)
    return _preview(Counter(filter(None, map(rule.label_of, stems))), len(stems))


def token_rules(stems: Sequence[str]) -> list[NameRule]:
    """The part rules worth offering for ``stems``: the first 1, 2 ... parts (never the whole
    name) and each single part after the first, up to ``MAX_PARTS`` parts."""
    most = min(max((len(_parts(s)) for s in stems), default=0), MAX_PARTS)
    return ([NameRule.leading(n) for n in range(1, most)]
            + [NameRule.part(i) for i in range(1, most)])


def _fits(preview: NamePreview, total: int) -> bool:
    n_classes = len(preview.counts)
    # Classes of one name each do not count towards MIN_CLASSES: rec_001 ... rec_020 beside
    # zero_bytes and text_file are one class and stray names, not four classes.
    several = sum(n > 1 for n in preview.counts.values())
    return (MIN_CLASSES <= several and n_classes <= MAX_CLASSES
            and preview.labelled >= MIN_MEAN_CLIPS_PER_CLASS * n_classes
            and preview.labelled > MIN_LABELLED_SHARE * total)


def infer_name_rule(stems: Iterable[str]) -> NameRule:
    """The rule that reads ``stems`` (the names of one folder's files) as a small number of
    classes with several files each: at least ``MIN_CLASSES`` classes of two files or more, on
    average ``MIN_MEAN_CLIPS_PER_CLASS`` files a class, at most ``MAX_CLASSES``, labelling more
    than ``MIN_LABELLED_SHARE`` of the names. Of the rules that fit, one reading from the start of
    the name wins over a part in the middle, then the most names read into classes of a size
    like the others' (a third of their median or more: of ``dog_barking_0``, ``cat_meow_0``
    and ``rain_0`` the part before the number reads all three, the first two parts left
    ``rain`` unlabelled; a stray ``mixed_recording`` beside 20 cats and 20 dogs makes no class
    ``mixed``), then the fewest such classes, the fewest classes, the most names labelled,
    then the longest labels (``cat_1``/``dog_barking_0``: the part before the number,
    ``dog_barking``, rather than the first part, ``dog``, which splits the files the same way),
    not counting a tail every class shares (one speaker's ``7_jackson_12``: ``7``, not
    ``7_jackson``).
    A later part that is only ever a number is a take or an index, not a class: never chosen;
    nor is a rule that reads a date (a field recorder's ``20260601_220000``: the day, not a
    class), nor one that reads a recorder's or a site's name (a part with a digit just before
    a date: ``ARU01_20260601_220000``) or cuts a date in two. When none fits it is no rule;
    for FEW_NAMES or fewer (too few to judge) the prefix rule, unless that too would read a date
    or a recorder.

    ``0_jackson_12`` (10 digits x 4 speakers x takes) -> the 1st part, 10 classes.
    """
    stems = list(stems)
    total = len(stems)
    parts = [_parts(s) for s in stems]
    dates = _date_spans(stems)
    best: tuple | None = None
    candidates = [*token_rules(stems), PREFIX_RULE]
    for order, rule in enumerate(candidates):
        if rule.kind == "token":
            labels = [_parts_label(s, p, rule.first, rule.count) for s, p in zip(stems, parts,
                                                                                   strict=True)]
            ends = {i: parts[i][rule.first + rule.count - 1][1] for i in dates if labels[i]}
        else:
            labels = list(map(rule.label_of, stems))
            ends = {i: len(labels[i] or "") for i in dates}
        counter = Counter(filter(None, labels))
        preview = _preview(counter, total)
        if (not _fits(preview, total) or (rule.first and all(map(str.isdigit, counter)))
                or _reads_when_or_where(labels, ends, dates)):
            continue
        # Over the classes of more than one name (a stray noise_sample_1 is none), less the
        # tail they all share: one speaker's 0_jackson...9_jackson read as 0...9.
        classes = {k: n for k, n in counter.items() if n > 1}
        tail = len(_shared_tail(classes))
        mean_length = sum((len(k) - tail) * n for k, n in classes.items()) / sum(classes.values())
        # Names read into classes of a size like the others' (a class a stray mixed_recording,
        # or two full_session files beside 20 cats, make is no gain).
        least = max(2.0, statistics.median(classes.values()) / 3)
        sized = sum(n for n in counter.values() if n >= least)
        key = (rule.first != 0, -sized, sum(n >= least for n in counter.values()), len(counter),
               -preview.labelled, -mean_length, order)
        if best is None or key < best[0]:
            best = (key, rule)
    if best is not None:
        return best[1]
    if total > FEW_NAMES:
        return NO_NAME_RULE
    # Too few names to judge: the part before a trailing number (``cat_12`` -> cat), unless
    # that is a recorder's date stamp or name, which would make each day or recorder a class.
    labels = list(map(PREFIX_RULE.label_of, stems))
    # Dated names only, each date no class (the prefix reads none): no rule either.
    return (NO_NAME_RULE if dates and not any(labels) or _reads_when_or_where(
        labels, {i: len(labels[i] or "") for i in dates}, dates) else PREFIX_RULE)


def _shared_tail(labels: Iterable[str]) -> str:
    """The last parts, with the separator before them, that every one of ``labels`` ends with
    (``_jackson`` of ``0_jackson``, ``1_jackson``): they tell no class from another, so a label
    is not the longer for them."""
    labels = list(labels)
    if len(labels) < 2:
        return ""
    reversed_common = os.path.commonprefix([label[::-1] for label in labels])
    separators = [m.start() for m in _SEPARATOR_RE.finditer(reversed_common)]
    tail = reversed_common[:separators[-1] + 1][::-1] if separators else ""
    return tail if all(len(label) > len(tail) for label in labels) else ""


def _date_spans(stems: list[str]) -> dict[int, list[tuple[int, int]]]:
    """The (start, end) of each date in each of ``stems`` that has one, by the stem's index."""
    found = {i: [m.span() for m in _DATE_PART_RE.finditer(stem)] for i, stem in enumerate(stems)}
    return {i: spans for i, spans in found.items() if spans}


def _reads_when_or_where(labels: list, ends: dict[int, int], dates: dict) -> bool:
    """Whether any of ``labels`` (None where a name gave none; each read up to ``ends[i]`` in a
    name whose dates are ``dates[i]``, see _date_spans) cuts a date or names the recorder or
    the site (a label with a digit just before a date: ``ARU01_20260601_220000``). A date stamp
    itself is no label already (:func:`_parts_label`, PREFIX_RULE)."""
    for i, spans in dates.items():
        label = labels[i]
        end = ends.get(i, 0)
        if label and any(start < end < stop or (start == end + 1 and any(map(str.isdigit, label)))
                         for start, stop in spans):
            return True
    return False


def is_recorder_folder(folder_name: str, stem: str) -> bool:
    """Whether a folder named ``folder_name`` holding a file named ``stem`` is a recorder's or a
    site's rather than a class's: a name with a digit (``ARU01``, ``Moth3``, a Song Meter's
    ``S4A12345``) holding a file named as a recorder names it, ending in the date and time it
    was recorded (``20260601_220000``, ``S4A12345_20260601_220000``). A class's folder
    (``owls``, FSDD's ``7``, Earmark's own takes ``owl2/owl2_20261204-203000_1``) holds no such
    pair."""
    return any(map(str.isdigit, folder_name)) and _RECORDER_STAMP_RE.search(stem) is not None


def recorded_at(stem: str) -> datetime | None:
    """When a recording named ``stem`` began, as its recorder wrote it at the end of the name
    (AudioMoth's ``20260601_220000``, a Song Meter's ``S4A12345_20260601_220000``,
    ``2026-06-01 22-00-00``); None for any other name. The recorder's own clock, no time zone."""
    match = _RECORDER_STAMP_RE.search(stem)
    if match is None:
        return None
    try:
        return datetime(*(int(match.group(k)) for k in ("year", "month", "day", "hour", "minute",
                                                          "second")))
    except ValueError:  # 31 June
        return None


def recorder_prefix(stem: str) -> str | None:
    """What a recording named ``stem`` (see :func:`recorded_at`) holds before its recorder's
    stamp, the recorder's own name (``ARU01`` of ``ARU01_20260601_220000``; empty for AudioMoth's
    bare stamp); None for a name without one."""
    match = _RECORDER_STAMP_RE.search(stem)
    return None if match is None or recorded_at(stem) is None else stem[:match.start()]


@functools.lru_cache(maxsize=4096)  # a folder's names give a few labels, each asked often
def is_date_stamp(label: str) -> bool:
    """Whether ``label`` (a part of a file name, or a folder's name) ends in a date
    (``SM4_20260601``, ``2026-06``): when it was recorded, no class."""
    return _DATE_END_RE.search(label) is not None


__all__ = ["NameRule", "NamePreview", "PREFIX_RULE", "NO_NAME_RULE", "infer_name_rule",
           "is_date_stamp", "is_recorder_folder", "preview_name_rule", "recorded_at", "token_rules",
           "parse_name_rule", "recorder_prefix", "KINDS"]
