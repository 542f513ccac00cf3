"""The bad-input corpus opened in the MainWindow: every file listed with its status, unreadable
ones with a reason, and every row selectable with a plot or a message in the clip view."""

from __future__ import annotations

from gui.clips.clip_table import STATUS
from tests.bad_corpus import BROKEN, CLASSIFIABLE, make_bad_corpus
from tests.gui.helpers import open_and_wait


def test_corpus_listed_with_status_and_every_row_usable(qtbot, window, tmp_path):
    root = tmp_path / "corpus"
    files = make_bad_corpus(root)
    open_and_wait(qtbot, window, root)
    model = window.model
    rows = {model.record(r).path: r for r in range(model.rowCount())}
    relative = {name: files[name].relative_to(root).as_posix() for name in (*BROKEN, *CLASSIFIABLE)}
    assert set(rows) == set(relative.values())
    # The scan reads headers only: NaN/Inf samples show up when the clip is loaded (below).
    for name in (n for n in BROKEN if n not in ("nan", "inf")):
        record = model.record(rows[relative[name]])
        status = model.index(rows[relative[name]], STATUS).data()
        assert record.error and status and status != "OK", (name, status)
    for name in CLASSIFIABLE:
        assert model.index(rows[relative[name]], STATUS).data() == "OK", name
    assert "unreadable" in window.clip_list.count_label.text()

    for name, path in relative.items():
        # Each selection ends in a plot (readable) or a message (broken), never a crash.
        signal = window.clip_view.clip_shown if name in CLASSIFIABLE else window.clip_view.message_shown
        with qtbot.waitSignal(signal, timeout=10_000):
            window.clip_list.select_row(model.row_of_id(model.record(rows[path]).id))
    assert window.isVisible()
    window.label_selection("still-usable")
    last = model.record(model.row_of_id(model.record(rows[relative["non_ascii"]]).id))
    assert last.label == "still-usable"  # the last row selected, labelled after all that
