"""The classes of a project: listing, adding, renaming, merging, removing, ordering, colours and keys.

A mixin of :class:`core.store.project.Project`; every change is one of the Project's ``_write``
transactions; relabelled clips get a line in their label history and relabelled regions one in the
region history. Each edit returns the :class:`ClassesState` it replaced, and
:meth:`ClassesMixin.restore_classes` puts that back, so an undo stack can take them back.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from core.errors import ProjectError
from core.paths import natural_order
from core.store.records import PALETTE, ClassInfo, clean_label

_SELECT_CLASSES = "SELECT name, ord, colour, shortcut FROM classes ORDER BY ord, name"

#: The keys a class can be labelled with, in the order free ones are handed out.
CLASS_KEYS = "1234567890"


def assign_keys(names: Iterable[str], taken: Iterable[str] = ()) -> dict[str, str]:
    """Keys for new classes ``names`` when ``taken`` are held: a class named by a digit gets that
    digit while it is free; the others get the free keys of :data:`CLASS_KEYS` in order; a class
    left over (more than ten) gets none and is labelled from the label bar's type-ahead."""
    names = list(names)
    used = set(taken)
    keys: dict[str, str] = {}
    for name in names:
        if len(name) == 1 and name in CLASS_KEYS and name not in used:
            keys[name] = name
            used.add(name)
    free = [k for k in CLASS_KEYS if k not in used]
    for name in names:
        if name not in keys and free:
            keys[name] = free.pop(0)
    return keys



@dataclass(frozen=True)
class ClassesState:
    """What a class edit changed, as it was before: the whole class list (names, order, colours,
    keys), the previous ``(label, source)`` of each clip it relabelled, the previous label of
    each prediction it renamed (``(model_id, clip_id, label)``) and the previous label of each
    region it relabelled (region id -> label). A plain value, so an undo command can hold it and
    hand it back to :meth:`ClassesMixin.restore_classes`."""

    classes: tuple[ClassInfo, ...]
    labels: Mapping[int, tuple[str | None, str | None]] = field(default_factory=dict)
    predictions: tuple[tuple[int, int, str], ...] = ()
    regions: Mapping[int, str | None] = field(default_factory=dict)


class ClassesMixin:
    """Class CRUD for ``Project``. Relies on the Project's ``_read``, ``_write`` and ``_apply``
    and the regions mixin's ``_relabel_regions`` and ``_put_region_labels``."""

    def classes(self) -> list[ClassInfo]:
        return [ClassInfo(*row) for row in self._read(_SELECT_CLASSES)]

    def _classes_now(self, conn: sqlite3.Connection) -> tuple[ClassInfo, ...]:
        return tuple(ClassInfo(*row) for row in conn.execute(_SELECT_CLASSES))

    def add_class(self, name: str, colour: str | None = None,
                  shortcut: str | None = None) -> ClassInfo:
        name = clean_label(name)
        if name is None:
            raise ProjectError("a class needs a name")
        with self._write() as conn:
            if conn.execute("SELECT 1 FROM classes WHERE name = ?", (name,)).fetchone():
                raise ProjectError(f"there is already a class named {name!r}")
            if shortcut is not None:
                self._check_shortcut(conn, shortcut, name)
            self._ensure_classes(conn, [name], colour=colour, shortcut=shortcut)
            row = conn.execute("SELECT name, ord, colour, shortcut FROM classes WHERE name = ?",
                               (name,)).fetchone()
        return ClassInfo(*row)

    def _ensure_classes(self, conn: sqlite3.Connection, names: Iterable[str],
                        colour: str | None = None, shortcut: str | None = None) -> None:
        """Add the classes of ``names`` that do not exist yet, after the others in the order a
        person counts them (``natural_order``: call2 before call10), each with a colour of the
        palette not in use and a key by :func:`assign_keys` (``shortcut`` given: that key
        instead)."""
        existing = conn.execute("SELECT name, colour, shortcut, ord FROM classes").fetchall()
        have = {r[0] for r in existing}
        colours = [r[1] for r in existing]
        new_names = sorted((n for n in dict.fromkeys(names) if n not in have), key=natural_order)
        if not new_names:
            return
        if shortcut is not None:
            keys = {new_names[0]: shortcut}
        else:
            keys = assign_keys(new_names, {r[2] for r in existing if r[2]})
        next_ord = max((r[3] for r in existing), default=-1) + 1
        for name in new_names:
            chosen_colour = colour or next(
                (c for c in PALETTE if c not in colours), PALETTE[len(colours) % len(PALETTE)])
            conn.execute("INSERT INTO classes(name, ord, colour, shortcut) VALUES (?, ?, ?, ?)",
                         (name, next_ord, chosen_colour, keys.get(name)))
            colours.append(chosen_colour)
            next_ord += 1

    def _require_class(self, conn: sqlite3.Connection, name: str) -> None:
        if not conn.execute("SELECT 1 FROM classes WHERE name = ?", (name,)).fetchone():
            raise ProjectError(f"there is no class named {name!r}")

    def _check_shortcut(self, conn: sqlite3.Connection, shortcut: str, owner: str) -> None:
        row = conn.execute("SELECT name FROM classes WHERE shortcut = ? AND name != ?",
                           (shortcut, owner)).fetchone()
        if row:
            raise ProjectError(f"shortcut {shortcut!r} is already used by class {row[0]!r}")

    def _relabel_all(self, conn: sqlite3.Connection, old_names: list[str], new: str | None,
                     action: str) -> dict[int, tuple[str | None, str | None]]:
        """Move every clip labelled with one of ``old_names`` to ``new``, with history; returns
        each moved clip's previous ``(label, source)``."""
        now = time.time()
        marks = ",".join("?" * len(old_names))
        rows = conn.execute(f"SELECT id, label, label_source FROM clips WHERE label IN ({marks})",
                            old_names).fetchall()
        new_rows = [(new, src if new is not None else None, cid) for cid, _, src in rows]
        conn.executemany("UPDATE clips SET label = ?, label_source = ? WHERE id = ?", new_rows)
        conn.executemany(
            "INSERT INTO label_history(clip_id, old_label, old_source, new_label, new_source, "
            "changed_at, action) VALUES (?, ?, ?, ?, ?, ?, ?)",
            [(cid, lab, src, new, src if new is not None else None, now, action)
             for cid, lab, src in rows])
        return {cid: (lab, src) for cid, lab, src in rows}

    def _rename_predictions(self, conn: sqlite3.Connection, old_names: list[str],
                            new: str) -> tuple[tuple[int, int, str], ...]:
        """Predictions naming one of ``old_names`` now name ``new``; returns what they named."""
        marks = ",".join("?" * len(old_names))
        before = tuple(conn.execute(
            f"SELECT model_id, clip_id, label FROM predictions WHERE label IN ({marks})",
            old_names))
        conn.execute(f"UPDATE predictions SET label = ? WHERE label IN ({marks})",
                     [new, *old_names])
        return before

    def rename_class(self, old: str, new: str) -> ClassesState:
        """Rename a class; its clips, regions and the predictions naming it follow, sources kept.
        Returns the state before, for :meth:`restore_classes`."""
        new = clean_label(new)
        if new is None:
            raise ProjectError("a class needs a name")
        with self._write() as conn:
            classes = self._classes_now(conn)
            self._require_class(conn, old)
            if new == old:
                return ClassesState(classes)
            if conn.execute("SELECT 1 FROM classes WHERE name = ?", (new,)).fetchone():
                raise ProjectError(f"there is already a class named {new!r}; merge them instead")
            conn.execute("UPDATE classes SET name = ? WHERE name = ?", (new, old))
            labels = self._relabel_all(conn, [old], new, "rename")
            return ClassesState(classes, labels, self._rename_predictions(conn, [old], new),
                                self._relabel_regions(conn, [old], new, "rename"))

    def merge_classes(self, sources: Iterable[str], target: str) -> ClassesState:
        """Relabel the clips and regions of every class in ``sources`` as ``target`` (created if
        needed) and remove those classes. Returns the state before, for :meth:`restore_classes`."""
        target = clean_label(target)
        if target is None:
            raise ProjectError("a class needs a name")
        sources = [s for s in dict.fromkeys(sources) if s != target]
        with self._write() as conn:
            classes = self._classes_now(conn)
            for name in sources:
                self._require_class(conn, name)
            self._ensure_classes(conn, [target])
            if not sources:
                return ClassesState(classes)
            labels = self._relabel_all(conn, sources, target, "merge")
            predictions = self._rename_predictions(conn, sources, target)
            regions = self._relabel_regions(conn, sources, target, "merge")
            marks = ",".join("?" * len(sources))
            conn.execute(f"DELETE FROM classes WHERE name IN ({marks})", sources)
            self._renumber(conn)
            return ClassesState(classes, labels, predictions, regions)

    def remove_class(self, name: str) -> ClassesState:
        """Remove a class; its clips and regions become unlabeled (recorded in their history).
        Returns the state before, for :meth:`restore_classes`."""
        with self._write() as conn:
            classes = self._classes_now(conn)
            self._require_class(conn, name)
            labels = self._relabel_all(conn, [name], None, "remove_class")
            regions = self._relabel_regions(conn, [name], None, "remove_class")
            conn.execute("DELETE FROM classes WHERE name = ?", (name,))
            self._renumber(conn)
            return ClassesState(classes, labels, regions=regions)

    def _renumber(self, conn: sqlite3.Connection) -> None:
        names = [r[0] for r in conn.execute("SELECT name FROM classes ORDER BY ord, name")]
        conn.executemany("UPDATE classes SET ord = ? WHERE name = ?",
                         [(i, n) for i, n in enumerate(names)])

    def reorder_classes(self, names: Iterable[str]) -> ClassesState:
        """Put ``names`` first, in that order; classes not named keep their order after them.
        Returns the state before, for :meth:`restore_classes`."""
        names = list(dict.fromkeys(names))
        with self._write() as conn:
            classes = self._classes_now(conn)
            current = [c.name for c in classes]
            unknown = [n for n in names if n not in current]
            if unknown:
                raise ProjectError(f"there is no class named {unknown[0]!r}")
            order = names + [n for n in current if n not in names]
            conn.executemany("UPDATE classes SET ord = ? WHERE name = ?",
                             [(i, n) for i, n in enumerate(order)])
            return ClassesState(classes)

    def set_class_colour(self, name: str, colour: str) -> ClassesState:
        """Returns the state before, for :meth:`restore_classes`."""
        with self._write() as conn:
            classes = self._classes_now(conn)
            self._require_class(conn, name)
            conn.execute("UPDATE classes SET colour = ? WHERE name = ?", (colour, name))
            return ClassesState(classes)

    def set_class_shortcut(self, name: str, shortcut: str | None,
                           swap: bool = False) -> ClassesState:
        """Set (or clear with None) a class's key. A key another class holds raises ProjectError,
        unless ``swap``: then that class takes this one's old key (or none). Returns the state
        before, for :meth:`restore_classes`."""
        with self._write() as conn:
            classes = self._classes_now(conn)
            self._require_class(conn, name)
            if shortcut:
                holder = conn.execute("SELECT name FROM classes WHERE shortcut = ? AND name != ?",
                                      (shortcut, name)).fetchone()
                if holder and swap:
                    old = next(c.shortcut for c in classes if c.name == name)
                    conn.execute("UPDATE classes SET shortcut = NULL WHERE name = ?", (name,))
                    conn.execute("UPDATE classes SET shortcut = ? WHERE name = ?", (old, holder[0]))
                else:
                    self._check_shortcut(conn, shortcut, name)
            conn.execute("UPDATE classes SET shortcut = ? WHERE name = ?", (shortcut or None, name))
            return ClassesState(classes)

    def restore_classes(self, before: ClassesState) -> None:
        """Put back what a class edit returned (undo), in one transaction: the class list exactly
        (names, order, colours, keys), each relabelled clip's label and source and each
        relabelled region's label (a "restore" line in their history), and each renamed
        prediction.

        A class made since then that no snapshot names (a rescan found a new folder) stays
        while clips or regions carry it, after the others and without a key that a restored
        class holds.
        """
        with self._write() as conn:
            if before.labels:
                self._apply(conn, dict(before.labels), "restore")
            if before.regions:
                self._put_region_labels(conn, dict(before.regions), "restore")
            extras = [c for c in self._classes_now(conn)
                      if c.name not in {k.name for k in before.classes}]
            conn.execute("DELETE FROM classes")
            conn.executemany("INSERT INTO classes(name, ord, colour, shortcut) VALUES (?, ?, ?, ?)",
                             [(c.name, c.order, c.colour, c.shortcut) for c in before.classes])
            used = {r[0] for r in conn.execute(
                "SELECT label FROM clips UNION SELECT label FROM regions")}
            taken = {c.shortcut for c in before.classes if c.shortcut}
            next_ord = max((c.order for c in before.classes), default=-1) + 1
            for extra in (c for c in extras if c.name in used):
                conn.execute("INSERT INTO classes(name, ord, colour, shortcut) VALUES (?, ?, ?, ?)",
                             (extra.name, next_ord, extra.colour,
                              None if extra.shortcut in taken else extra.shortcut))
                next_ord += 1
            conn.executemany(
                "UPDATE predictions SET label = ? WHERE model_id = ? AND clip_id = ?",
                [(label, model_id, clip_id) for model_id, clip_id, label in before.predictions])
