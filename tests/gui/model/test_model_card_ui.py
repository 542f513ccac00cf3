"""The Models tab shows the card of the selected model (else the active one), the very text of
`main.py info`, read in the background while the tab is shown; a file that cannot be read says
why; in the window, a loaded model's card appears and closing joins the reading."""

from __future__ import annotations

import pytest

from core.ml.model_card import format_card, read_model_card
from core.store.records import ModelRecord
from gui.model.models_panel import CLASSES, NO_MODEL_TEXT, ModelsPanel
from tests import model_factory
from tests.gui.helpers import open_and_wait

TIMEOUT_MS = 30_000


@pytest.fixture
def files(tmp_path):
    """Three model files under tmp_path/models: a scored one, an untrained one, a broken one."""
    folder = tmp_path / "models"
    scored = model_factory.save(model_factory.scored_checkpoint(world_size=2, device="cpu"),
                                folder / "scored.pt")
    plain = model_factory.save(model_factory.untrained_checkpoint(), folder / "plain.pt")
    broken = folder / "broken.pt"
    broken.write_bytes(b"not a model")
    return scored, plain, broken


def _record(model_id: int, name: str) -> ModelRecord:
    # Stored relative, as an older store may hold them: the panel's path_of resolves them.
    return ModelRecord(model_id, f"models/{name}", ("chirp", "noise", "tone"), {}, {}, None, 0.0)


@pytest.fixture
def panel(qtbot, tmp_path):
    panel = ModelsPanel(path_of=lambda record: tmp_path / record.path)
    qtbot.addWidget(panel)
    yield panel
    panel.shutdown()


def _card_is(qtbot, panel, card):
    """Wait until ``panel`` shows ``card`` written at its width (the width of a moment ago may
    have changed as the dock is laid out: the card is written again then)."""
    qtbot.waitUntil(lambda: panel.card.toPlainText() == format_card(card, panel.card_width_chars()),
                    timeout=TIMEOUT_MS)


def test_the_models_tab_shows_the_card_of_the_selected_model(qtbot, panel, files):
    scored, plain, broken = files
    panel.show()
    records = [_record(1, "scored.pt"), _record(2, "plain.pt"), _record(3, "broken.pt")]
    panel.set_models(records, active_id=1)
    assert panel.card_model_id() == 1  # nothing selected: the active model's
    _card_is(qtbot, panel, read_model_card(scored))
    text = panel.card.toPlainText()
    assert "World size    2" in text and "Device        cpu" in text and "temperature 1.5" in text
    assert panel.card.isReadOnly()

    panel.select_id(2)
    _card_is(qtbot, panel, read_model_card(plain))
    panel.select_id(3)
    qtbot.waitUntil(lambda: "cannot be read" in panel.card.toPlainText(), timeout=TIMEOUT_MS)
    assert str(broken) in panel.card.toPlainText()
    panel.select_id(1)  # read once: shown at once from then on
    assert panel.card.toPlainText() == format_card(read_model_card(scored),
                                                 panel.card_width_chars())

    panel.set_models([], active_id=None)
    assert panel.card.toPlainText() == "" and panel.card.placeholderText() == NO_MODEL_TEXT


def test_the_models_table_fits_a_narrow_dock(qtbot, panel):
    """In the Model dock beside a 1366x768 window (380 px) the table scrolled sideways, its
    Accuracy cut to "Acc": the classes' names took their whole width."""
    # Named as the app names them: with a File column, the name pushed Accuracy out.
    digits = ModelRecord(1, "models/model-20261206-082601.pt",
                         tuple(f"digit_{i}" for i in range(10)), {}, {}, None, 0.0)
    panel.set_models([digits], active_id=1)
    panel.resize(360, 400)
    panel.show()
    qtbot.waitExposed(panel)
    assert panel.table.horizontalScrollBar().maximum() == 0
    assert panel.table.item(0, CLASSES).toolTip().startswith("digit_0, digit_1")  # all on hover
    assert panel.table.item(0, 1).toolTip().endswith("model-20261206-082601.pt")


def test_the_card_is_written_at_the_tabs_width_and_again_when_it_changes(qtbot, panel, files):
    """Written at a terminal's 78 columns, the card was cut at a 380 px dock's edge (its
    features, settings and unknown rule): now its sections wrap at the card's width; only the
    sha256 and the scores' table may run past it."""
    panel.set_models([_record(1, "scored.pt")], active_id=1)
    panel.resize(360, 600)
    panel.show()
    qtbot.waitUntil(lambda: "Features" in panel.card.toPlainText(), timeout=TIMEOUT_MS)
    narrow = panel.card_width_chars()
    assert 40 <= narrow < 78
    lines = panel.card.toPlainText().splitlines()
    wide = [line for line in lines if len(line) > narrow]
    assert all("sha256" in line or line.startswith("  ") for line in wide), wide
    panel.resize(900, 600)
    qtbot.waitUntil(lambda: panel.card_width_chars() > 78, timeout=TIMEOUT_MS)
    qtbot.waitUntil(lambda: len(panel.card.toPlainText().splitlines()) < len(lines),
                    timeout=TIMEOUT_MS)


def test_a_hidden_models_tab_reads_no_card_until_shown(qtbot, panel, files):
    panel.set_models([_record(1, "scored.pt")], active_id=1)
    assert panel.card.toPlainText() == "" and not panel._card_task.is_running()
    panel.show()
    _card_is(qtbot, panel, read_model_card(files[0]))


@pytest.mark.slow
def test_a_loaded_model_shows_its_card_in_the_window(qtbot, window, clip_folder, files):
    open_and_wait(qtbot, window, clip_folder)
    dock = window.model_dock
    with qtbot.waitSignal(dock.controller.model_loaded, timeout=TIMEOUT_MS):
        dock.controller.load_model_file(files[0])
    dock.controller.stop_classifying()
    dock.show()
    dock.tabs.setCurrentWidget(dock.models)
    # The card of the file the project keeps: the loaded file saved into its models folder.
    from core import workflow as pm

    kept = pm.model_checkpoint_path(window.project, dock.controller.active_model())
    assert kept.parent == pm.models_dir(window.project) and kept.stem == files[0].stem
    _card_is(qtbot, dock.models, read_model_card(kept))
