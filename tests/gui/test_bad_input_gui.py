"""The bad-input corpus opened in the MainWindow: every file listed with its status, unreadable
ones with a reason, and every row selectable with a plot or a message in the clip view."""

from __future__ import annotations

from PySide6.QtCore import Qt

from core.store.project import Project
from gui.clips.clip_table import NAME, STATUS
from tests.bad_corpus import BROKEN, CLASSIFIABLE, make_bad_corpus
from tests.gui.helpers import open_and_wait, show_row

#: What a person reads for each broken file: in the list's status column and in the clip view.
REASONS = {"empty": "empty file (0 bytes)", "text": "not an audio file", "random_flac": "not an audio file",
           "header_only": "corrupt or truncated",
           "nan": "non-finite samples", "inf": "non-finite samples",
           "dangling": "a link to a file that is not there",
           "audio_link_loop": "a link that leads back to itself"}
#: A valid header over NaN or Inf samples: the scan reads headers only, so loading finds these.
FOUND_ON_LOADING = ("nan", "inf")


def test_corpus_listed_with_status_and_every_row_usable(qtbot, window, tmp_path):
    root = tmp_path / "corpus"
    files = make_bad_corpus(root)
    open_and_wait(qtbot, window, root)
    model = window.model
    rows = {model.record(r).path: r for r in range(model.rowCount())}
    relative = {name: files[name].relative_to(root).as_posix() for name in (*BROKEN, *CLASSIFIABLE)}
    assert set(rows) == set(relative.values())  # folders and link loops are not
    assert {model.index(r, NAME).data() for r in rows.values()} == {files[n].name for n in relative}
    for name, path in relative.items():
        status = model.index(rows[path], STATUS).data()
        if name in BROKEN and name not in FOUND_ON_LOADING:
            # A few words in the column (never "OK"), the whole reason on hover.
            reason = model.index(rows[path], STATUS).data(Qt.ItemDataRole.ToolTipRole)
            assert model.record(rows[path]).error and REASONS[name] in reason, (name, reason)
            assert status != "OK" and len(status) <= 16, (name, status)
        elif name == "truncated":  # read as far as it goes, and said so
            reason = model.index(rows[path], STATUS).data(Qt.ItemDataRole.ToolTipRole)
            assert status == "Cut short" and "of the 0.50 s its header claims" in reason, reason
        else:
            assert status == "OK", (name, status)
    counts = window.clip_list.count_label.text()
    assert f"{len(relative)} clips" in counts
    assert f"{len(BROKEN) - len(FOUND_ON_LOADING)} unreadable" in counts

    view = window.clip_view
    titles, tips = {}, {}
    for name, path in relative.items():
        # Each selection ends in a plot (readable) or a message naming the file and why (broken).
        if name in CLASSIFIABLE:
            show_row(qtbot, window, rows[path])
            assert not view.message_label.isVisible(), name
            titles[name], tips[name] = view.title_label.full_text(), view.title_label.toolTip()
            # The title names the file, then what its header says.
            assert titles[name].startswith(f"{files[name].name}  ·  "), name
        else:
            with qtbot.waitSignal(view.message_shown, timeout=10_000) as shown:
                window.clip_list.select_row(model.row_of_id(model.record(rows[path]).id))
            text = shown.args[0]
            assert text.startswith(f"{files[name].name}: unreadable") and REASONS[name] in text, text
            assert view.message_label.isVisible() and view.message_label.text() == text
    assert titles["surround_96k_24bit"].endswith("96 kHz · 6 channels, mixed")
    assert ("WAV PCM_24, 96,000 Hz, 6 channels: drawn, measured and searched as their mean (mono); "
            "the model hears the channel Training Settings choose") in tips["surround_96k_24bit"]
    assert titles["int32"].endswith(" · mono")
    assert window.isVisible()
    window.labels.label_selection("still-usable")
    last = model.record(model.row_of_id(model.record(rows[relative[CLASSIFIABLE[-1]]]).id))
    assert last.label == "still-usable"  # the last row selected, labelled after all that
    with Project.open(root) as check:
        stored = {c.path: c.label for c in check.clips()}
    assert stored[relative[CLASSIFIABLE[-1]]] == "still-usable"
    assert sum(label == "still-usable" for label in stored.values()) == 1
