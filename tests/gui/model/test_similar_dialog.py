"""Find Similar Calls' dialog: what it offers and gives back, and how many templates it takes."""

from __future__ import annotations

from core.audio.template_detector import TemplateDetectorConfig
from gui.model.similar_dialog import MAX_TEMPLATES, SimilarCallsDialog, evenly_spaced

DEFAULT = TemplateDetectorConfig()


def test_the_choice_is_what_the_fields_say(qtbot):
    dialog = SimilarCallsDialog("night.wav, 5.00–5.30 s, 1,500–3,500 Hz", "up", 3,
                                ["up", "down"], "night.wav", 12, DEFAULT)
    qtbot.addWidget(dialog)
    assert dialog.template.text() == "night.wav, 5.00–5.30 s, 1,500–3,500 Hz"
    assert [dialog.templates.itemText(i) for i in range(dialog.templates.count())] == [
        "This region", "Every region labelled up (3)"]
    assert dialog.label.currentData() == "up"
    assert (dialog.stretch.text(), dialog.pitch.text()) == ("20 %", "0 %")
    choice = dialog.choice()
    assert (choice.config, choice.label, choice.every_region_of_class,
            choice.every_recording) == (DEFAULT, "up", False, False)
    dialog.templates.setCurrentIndex(1)
    dialog.threshold.setValue(0.65)
    dialog.stretch.setValue(0.0)
    dialog.pitch.setValue(15.0)
    dialog.label.setCurrentIndex(dialog.label.findData(None))
    dialog.scope.setCurrentIndex(1)
    assert dialog.channel.currentText() == "Mix of all channels"
    assert dialog.channel.isVisibleTo(dialog)
    dialog.channel.setCurrentIndex(dialog.channel.findData(1))
    choice = dialog.choice()
    assert (choice.config, choice.label, choice.every_region_of_class,
            choice.every_recording) == (TemplateDetectorConfig(0.65, 0.0, 0.15, 1), None, True,
                                        True)
    # The pitch shift's range is the detector's.
    dialog.pitch.setValue(80.0)
    assert dialog.choice().config.pitch_shift == 0.3


def test_an_unlabelled_or_lone_region_is_the_only_template(qtbot):
    for label, n in ((None, 1), ("up", 1)):
        dialog = SimilarCallsDialog("night.wav, 1.00–1.30 s", label, n, ["up"], None, 2, DEFAULT,
                                    every_recording=True)
        qtbot.addWidget(dialog)
        assert dialog.templates.count() == 1 and not dialog.choice().every_region_of_class
        assert dialog.scope.count() == 1 and dialog.choice().every_recording


def test_a_large_class_is_searched_by_an_even_spread_of_its_regions(qtbot):
    dialog = SimilarCallsDialog("a.wav, 1.00–1.30 s", "owl", 150, ["owl"], "a.wav", 1, DEFAULT)
    qtbot.addWidget(dialog)
    assert dialog.templates.itemText(1) == f"{MAX_TEMPLATES} of the 150 regions labelled owl"
    spread = evenly_spaced(list(range(150)), MAX_TEMPLATES)
    assert len(spread) == MAX_TEMPLATES and spread[0] == 0 and spread[-1] == 149
    assert spread == sorted(set(spread))
    assert evenly_spaced([7, 8], MAX_TEMPLATES) == [7, 8]


def test_a_folder_of_mono_recordings_is_offered_no_channel(qtbot):
    dialog = SimilarCallsDialog("night.wav, 5.00–5.30 s", None, 1, [], "night.wav", 2, DEFAULT,
                                most_channels=1)
    qtbot.addWidget(dialog)
    assert not dialog.channel.isVisibleTo(dialog) and dialog.choice().config.channel is None


def test_a_folder_of_stereo_recordings_is_offered_two_channels_not_eight(qtbot):
    dialog = SimilarCallsDialog("night.wav, 5.00–5.30 s", None, 1, [], "night.wav", 2, DEFAULT,
                                most_channels=2)
    qtbot.addWidget(dialog)
    assert [dialog.channel.itemData(i) for i in range(dialog.channel.count())] == [None, 0, 1]
