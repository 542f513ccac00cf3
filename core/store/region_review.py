"""Events Earmark finds and a person's verdicts on them: a model's or a search's run replacing
the events it left waiting for review (``replace_model_regions``), accepting or rejecting them
(``review_regions``), labelling them by class key (``label_regions``).

A mixin of :class:`core.store.project.Project`, beside :class:`core.store.regions.RegionsMixin`
(whose transactions, history and region reads it uses). Each change returns the records before,
for :meth:`RegionsMixin.restore_regions`.
"""

from __future__ import annotations

import bisect
import dataclasses
import json
import time
from collections import namedtuple
from collections.abc import Collection, Iterable, Sequence

from core.audio.spans import same_call
from core.errors import RegionError
from core.store.records import (
    FOUND_SOURCES,
    REJECTED,
    SEARCH_SOURCES,
    UNREVIEWED,
    RegionRecord,
    RegionSpec,
    clean_label,
)
from core.store.regions import HISTORY_INSERT, UNCHANGED, is_number, region_fields


class RegionReviewMixin:
    """Found events and the verdicts on them (see the module's docstring)."""

    def replace_model_regions(self, clip_id: int, specs: Iterable[RegionSpec],
                              labels: Collection[str | None] | None = None,
                              source: str = "model"
                              ) -> tuple[list[RegionRecord], list[RegionRecord]]:
        """A run's new events for one clip, in one transaction: the unreviewed events the same
        kind of run found there before (``source``: "model", a model's; "loud" or "similar", a
        search's, which also replaces an older store's "search" events; of ``labels``, the
        classes the run looks for, where given: a search for hoots leaves the sweeps found
        before) are deleted and ``specs`` added, "unreviewed", as ``source``, each spec's clip_id
        ``clip_id``. Another kind's waiting events stay (Find Similar Calls run after Find Loud
        Events had deleted all its events of the label, the trills it does not look for too),
        but for those over a call a new event of their class is on (:func:`same_call`, on the
        same channel or the mix): one call waits once, found by the latest search (it waited
        three times, once per kind). Accepted and rejected events, and imported ones, stay; a
        new event over a call where an imported one of its class still waits (another tool's,
        or Earmark's own found on the command line and imported) is not added beside it.
        Returns (deleted, added); the undo is ``delete_regions(added ids)`` then
        ``restore_regions(deleted)``. A bad spec raises RegionError and changes nothing."""
        clip_id, specs = int(clip_id), list(specs)
        if source not in FOUND_SOURCES:
            raise RegionError(f"{source!r} is no source of found events ({FOUND_SOURCES})")
        strays = [i for i, spec in enumerate(specs) if int(spec.clip_id) != clip_id]
        if strays:
            raise RegionError(f"region {strays[0] + 1} is for clip {specs[strays[0]].clip_id}, "
                              f"not {clip_id}; nothing was changed")
        replaced = {source} if source == "model" else {source, "search"}
        new = _Spans(specs)
        with self._write() as conn:
            waiting = conn.execute("SELECT id, label, source, begin_s, end_s, channel FROM regions "
                                   "WHERE clip_id = ? AND status = ?",
                                   (clip_id, UNREVIEWED)).fetchall()
            ids = [row[0] for row in waiting
                   if (labels is None or row[1] in labels) and (
                       row[2] in replaced
                       or row[2] in FOUND_SOURCES and new.cover(row[1], row[3], row[4], row[5]))]
            imported = _Spans([RegionSpec(clip_id, row[3], row[4], row[1], channel=row[5])
                               for row in waiting if row[2] == "import"])
            specs = [spec for spec in specs if not (  # a spec that is no span: refused below
                is_number(spec.begin_s) and is_number(spec.end_s) and imported.cover(
                    clean_label(spec.label), spec.begin_s, spec.end_s, spec.channel))]
            deleted = self.delete_regions(ids) if ids else []
            added = self._add_regions(conn, specs, source)
        return deleted, added

    def review_region(self, region_id: int, decision: str, label=UNCHANGED) -> RegionRecord:
        """A person's verdict on a region (a model event, usually), in one transaction:
        ``decision`` "accept" makes it a person's region (source "manual", no status; ``label``
        relabels it when given), "reject" marks it "rejected" (kept, never shown as an event,
        background for training). Returns the record before, for :meth:`restore_regions`."""
        return self.review_regions([region_id], decision, label)[0]

    def review_regions(self, region_ids: Iterable[int], decision: str,
                       label=UNCHANGED) -> list[RegionRecord]:
        """The same verdict on several regions in one transaction (the top of a review queue
        accepted at once), each as :meth:`review_region` gives it. Returns the records before,
        in the order given, for :meth:`restore_regions`; raises RegionError, changing nothing,
        for an unknown decision or region."""
        if decision not in ("accept", "reject"):
            raise RegionError(f"unknown review decision {decision!r} (accept or reject)")

        def decide(old: RegionRecord, new_label) -> dict:
            if decision == "accept":
                return _accepted(old, new_label)
            return {"label": new_label, "status": REJECTED}

        return self._change_regions(region_ids, label, decide, "review")

    def label_regions(self, region_ids: Iterable[int], label: str | None) -> list[RegionRecord]:
        """A person's ``label`` on several regions in one transaction (selected together): a
        model event nobody has reviewed among them becomes theirs, as the Review tab's class
        key makes it; the others keep their source. Returns the records before, in the order
        given, for :meth:`restore_regions`."""
        def decide(old: RegionRecord, new_label) -> dict:
            if old.status == UNREVIEWED:
                return _accepted(old, new_label)
            return {"label": new_label}

        return self._change_regions(region_ids, label, decide, "update")

    def _change_regions(self, region_ids: Iterable[int], label, decide, action: str
                        ) -> list[RegionRecord]:
        """Each region changed as ``decide(old, new_label)`` says (the fields that change, and
        their values) in one transaction, history ``action``; a region already so is left be, no
        record made for it."""
        ids = list(dict.fromkeys(int(i) for i in region_ids))
        with self._write() as conn:
            before = {r.id: r for r in self._regions_by_ids(conn, ids)}
            missing = [i for i in ids if i not in before]
            if missing:
                raise RegionError(f"there is no region with id {missing[0]}")
            now = time.time()
            changed = []
            for old in (before[i] for i in ids):
                fields = decide(old, old.label if label is UNCHANGED else clean_label(label))
                if any(getattr(old, name) != value for name, value in fields.items()):
                    changed.append((old, dataclasses.replace(old, **fields, modified=now)))
            labels = sorted({new.label for _, new in changed if new.label is not None})
            if labels:
                self._ensure_classes(conn, labels)
            conn.executemany("UPDATE regions SET label = ?, source = ?, status = ?, score = ?, "
                             "modified = ?, found_by = ?, found_score = ? WHERE id = ?",
                             [(new.label, new.source, new.status, new.score, new.modified,
                               new.found_by, new.found_score, new.id) for _, new in changed])
            conn.executemany(HISTORY_INSERT, [(old.id, old.clip_id, action, json.dumps(region_fields(old)),
                                         json.dumps(region_fields(new)), new.modified)
                                        for old, new in changed])
        return [before[i] for i in ids]

    def unreviewed_counts(self) -> dict[int, int]:
        """Clip id -> how many of its model events are unreviewed; clips with none left out."""
        return dict(self._read("SELECT clip_id, COUNT(*) FROM regions WHERE status = ? "
                               "GROUP BY clip_id", (UNREVIEWED,)))


def _accepted(old: RegionRecord, label) -> dict:
    """The fields of an event a person accepted (as ``label``): theirs, source "manual",
    reviewed, with who found it and its score then (``found_by``, ``found_score``). A model's
    score stays; a search's (dB over the background, a match) is no confidence in its class and
    goes (kept, an accepted loud call read "99%" as though a model were sure)."""
    found = old.found
    return {"label": label, "source": "manual", "status": None,
            "score": None if old.source in SEARCH_SOURCES else old.score,
            "found_by": found[0] if found else None, "found_score": found[1] if found else None}


_Span = namedtuple("_Span", "begin_s end_s")  # what same_call reads of a span


class _Spans:
    """A run's new events, asked whether one of them lies on a call: ``cover(label, begin_s,
    end_s, channel)``, one of ``label`` over it (:func:`same_call`) on ``channel``, the mix or
    either; the events near it only (by begin time), so a night's thousands take a moment."""

    def __init__(self, specs: Sequence[RegionSpec]) -> None:
        # By time alone (a label or channel may be None); a spec that is no span is left to
        # _add_regions, which refuses it and the whole run with it.
        self._spans = sorted(((float(s.begin_s), float(s.end_s), clean_label(s.label), s.channel)
                              for s in specs if is_number(s.begin_s) and is_number(s.end_s)),
                             key=lambda span: span[:2])
        self._begins = [span[0] for span in self._spans]
        self._longest_s = max((end - begin for begin, end, *_ in self._spans), default=0.0)

    def cover(self, label, begin_s: float, end_s: float, channel) -> bool:
        first = bisect.bisect_left(self._begins, begin_s - self._longest_s)
        last = bisect.bisect_right(self._begins, end_s)
        return any(span_label == label and (None in (channel, span_channel)
                                           or channel == span_channel)
                   and same_call(_Span(begin_s, end_s), _Span(span_begin, span_end))
                   for span_begin, span_end, span_label, span_channel
                   in self._spans[first:last])
