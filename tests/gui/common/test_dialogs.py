"""About names Earmark's version (from the package metadata, else pyproject.toml) and the
versions it runs on."""

from __future__ import annotations

import tomllib
from importlib import metadata

import PySide6
from PySide6.QtWidgets import QMessageBox, QWidget

from core import version
from gui.common import dialogs


def _pyproject_version() -> str:
    with open(version.PYPROJECT, "rb") as file:
        return tomllib.load(file)["project"]["version"]


def test_about_shows_the_version_from_pyproject_and_the_runtime(qtbot, monkeypatch):
    shown = []
    monkeypatch.setattr(QMessageBox, "about", lambda _parent, title, text: shown.append(text))
    parent = QWidget()
    qtbot.addWidget(parent)
    dialogs.show_about(parent)
    (text,) = shown
    assert f"Earmark {_pyproject_version()}" in text
    assert f"PySide6 {PySide6.__version__}" in text
    assert "Python 3." in text and "torch " in text


def test_the_version_falls_back_to_pyproject_then_unknown(tmp_path, monkeypatch):
    def not_installed(name):
        raise metadata.PackageNotFoundError(name)

    monkeypatch.setattr(metadata, "version", not_installed)
    assert version.earmark_version() == _pyproject_version()
    other = tmp_path / "pyproject.toml"
    other.write_text('[project]\nname = "something-else"\nversion = "9.9"\n')
    assert version.earmark_version(other) == "unknown"
    assert version.earmark_version(tmp_path / "missing.toml") == "unknown"
    assert version.runtime_versions(("torch",))["torch"] == "not installed"


def test_an_installed_package_reports_its_own_version(monkeypatch):
    monkeypatch.setattr(metadata, "version", lambda name: "7.0.1" if name == "earmark" else "1")
    assert version.earmark_version() == "7.0.1"


def test_the_audio_file_filter_names_every_kind_the_app_reads():
    """Classify Audio Files offered WAV, FLAC, OGG and MP3 only, though a scan reads AIFF, Opus,
    W64 and more."""
    text = dialogs.audio_file_filter()
    assert all(f"*{kind}" in text for kind in (".aiff", ".opus", ".w64", ".WAV", ".flac"))
    assert text.endswith(";;All files (*)")


def test_the_close_question_speaks_of_training_only_while_a_model_trains(qapp, monkeypatch):
    """Closing while clips were classified asked about "a model still training"."""
    asked = []
    monkeypatch.setattr(QMessageBox, "question", lambda parent, title, text, *a: (
        asked.append(text), QMessageBox.StandardButton.Cancel)[1])
    assert not dialogs.ask_stop_work(None, "clips are being classified")
    assert not dialogs.ask_stop_work(None, "a model is training")
    assert "training" not in asked[0] and "the model being trained is not" in asked[1]
