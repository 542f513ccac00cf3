"""What a drop on the window names: a folder alone opens; anything else is classified (a folder's
audio files, and any name that is no folder, so a link to a file that is gone is listed with its
reason, not left out)."""

from __future__ import annotations

from PySide6.QtCore import QMimeData, QUrl

from gui.common.drops import split_window_drop
from tests import audio_factory


def _mime(*paths) -> QMimeData:
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(p)) for p in paths])
    return mime


def test_a_link_to_a_file_that_is_gone_is_dropped_as_a_file(tmp_path):
    good = audio_factory.write(tmp_path / "a.wav", audio_factory.tone(440.0, 0.2))
    gone = tmp_path / "gone.wav"
    gone.symlink_to(tmp_path / "nowhere.wav")
    assert split_window_drop(_mime(good, gone)) == (None, [good, gone])
    # Alone, before: nothing to drop, and not a word.
    assert split_window_drop(_mime(gone)) == (None, [gone])


def test_a_folder_alone_opens_and_beside_others_is_classified(tmp_path):
    """Before, a folder dropped beside files was left out without a word, and of two folders
    dropped the first opened."""
    folder, other = tmp_path / "clips", tmp_path / "more"
    folder.mkdir()
    other.mkdir()
    good = audio_factory.write(tmp_path / "a.wav", audio_factory.tone(440.0, 0.2))
    assert split_window_drop(_mime(folder)) == (folder, [])
    assert split_window_drop(_mime(folder, good)) == (None, [folder, good])
    assert split_window_drop(_mime(folder, other)) == (None, [folder, other])
