"""The models of a project and their predictions: recording them and choosing the active one.

A mixin of :class:`core.store.project.Project`, reading and writing through its ``_read`` and ``_write``.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterable
from pathlib import Path

from core.errors import ProjectError
from core.store.records import ModelRecord, PredictionRecord, model_from_row, set_meta


class ModelsMixin:
    """Models and predictions for ``Project``. Relies on ``_read``, ``_write`` and ``_get_meta``."""

    def add_model(self, path: str | Path, classes: Iterable[str], settings: dict,
                  metrics: dict, parent_id: int | None = None) -> int:
        with self._write() as conn:
            if parent_id is not None and not conn.execute(
                    "SELECT 1 FROM models WHERE id = ?", (parent_id,)).fetchone():
                raise ProjectError(f"there is no model with id {parent_id}")
            cur = conn.execute(
                "INSERT INTO models(path, classes_json, settings_json, metrics_json, parent_id, "
                "created_at) VALUES (?, ?, ?, ?, ?, ?)",
                (str(path), json.dumps(list(classes)), json.dumps(settings, default=str),
                 json.dumps(metrics, default=str), parent_id, time.time()))
            return cur.lastrowid

    def models(self) -> list[ModelRecord]:
        return [model_from_row(r) for r in self._read(
            "SELECT id, path, classes_json, settings_json, metrics_json, parent_id, created_at "
            "FROM models ORDER BY id")]

    def active_model(self) -> ModelRecord | None:
        """The model chosen with :meth:`set_active_model`, else the newest, else None."""
        chosen = self._get_meta("active_model")
        models = {m.id: m for m in self.models()}
        if chosen is not None and int(chosen) in models:
            return models[int(chosen)]
        return models[max(models)] if models else None

    def set_active_model(self, model_id: int | None) -> None:
        with self._write() as conn:
            if model_id is None:
                set_meta(conn, "active_model", None)
                return
            if not conn.execute("SELECT 1 FROM models WHERE id = ?", (model_id,)).fetchone():
                raise ProjectError(f"there is no model with id {model_id}")
            set_meta(conn, "active_model", str(int(model_id)))

    def record_predictions(self, model_id: int,
                           rows: Iterable[tuple[int, str, float, Iterable[float]]]) -> int:
        """Store predictions in one transaction, replacing the model's earlier ones for those
        clips. Returns how many were written."""
        data = [(model_id, int(cid), str(lab), float(conf), json.dumps([float(p) for p in probs]))
                for cid, lab, conf, probs in rows]
        with self._write() as conn:
            if not conn.execute("SELECT 1 FROM models WHERE id = ?", (model_id,)).fetchone():
                raise ProjectError(f"there is no model with id {model_id}")
            conn.executemany(
                "INSERT OR REPLACE INTO predictions(model_id, clip_id, label, confidence, "
                "probabilities_json) VALUES (?, ?, ?, ?, ?)", data)
        return len(data)

    def predictions(self, model_id: int) -> dict[int, PredictionRecord]:
        return {r[0]: PredictionRecord(r[0], model_id, r[1], r[2], tuple(json.loads(r[3])))
                for r in self._read(
                    "SELECT clip_id, label, confidence, probabilities_json FROM predictions "
                    "WHERE model_id = ?", (model_id,))}

