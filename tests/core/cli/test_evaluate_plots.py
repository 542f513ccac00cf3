"""``evaluate --plots DIR``: the reliability diagram of the evaluated clips' calibrated
confidences as DIR/reliability.png, the ECE printed, and one line naming DIR when it cannot be
written."""

import json

import numpy as np
import pytest

from core.cli.commands import main
from core.ml.checkpoint import load_checkpoint
from core.ml.png_canvas import rgb
from core.ml.report_png import ACCURACY, reliability_axes
from tests import audio_factory
from tests.png_reader import read_png


def _run(capsys, *argv):
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.slow
def test_plots_writes_the_reliability_diagram_and_prints_the_ece(model_file, class_folder,
                                                                 tmp_path, capsys):
    plots = tmp_path / "out" / "plots"  # two levels that do not exist yet
    code, shown, err = _run(capsys, "evaluate", model_file, class_folder, "--plots", plots)
    assert code == 0, err
    assert "calibration error (ECE, 15 bins)" in shown
    temperature = load_checkpoint(model_file).temperature
    assert f"wrote {plots / 'reliability.png'}" in err
    image = read_png(plots / "reliability.png")
    assert image.shape == (620, 560, 3)

    code, out, _ = _run(capsys, "evaluate", model_file, class_folder, "--json")
    calibration = json.loads(out)["calibration"]
    assert calibration["temperature"] == temperature and 0 <= calibration["ece"] <= 1
    if temperature != 1.0:  # the ECE, then the temperature and the ECE without it, each named
        assert (f"calibration error (ECE, 15 bins) {calibration['ece']:.3f} with the temperature "
                f"(T {temperature:.3g}), {calibration['ece_uncalibrated']:.3f} without it\n") in shown
    diagram = calibration["reliability"]
    assert sum(diagram["count"]) == 60  # every clip of the folder, in one bin or another
    # the fullest bin's bar stands where its accuracy puts it (the clips it was trained on)
    fullest = int(np.argmax(diagram["count"]))
    accuracy = diagram["accuracy"][fullest]
    main_axes, _ = reliability_axes(560, 620)
    x = int(main_axes.x((fullest + 0.5) / 15))
    inside = image[int(main_axes.y(accuracy / 2)), x]
    assert np.abs(inside.astype(int) - rgb(ACCURACY)).max() <= 60


def test_plots_into_a_path_that_cannot_be_a_folder_is_one_line(untrained_model, tmp_path, capsys):
    audio_factory.make_class_folder(tmp_path / "data", n_per_class=1)
    blocker = tmp_path / "taken.txt"
    blocker.write_text("a file, not a folder")
    for plots in (blocker, blocker / "plots"):
        code, out, err = _run(capsys, "evaluate", untrained_model, tmp_path / "data",
                              "--plots", plots)
        assert code == 2 and out == ""
        assert err.startswith(f"earmark: error: {plots}: cannot write the plots there")
        assert len(err.strip().splitlines()) == 1


def test_plots_of_an_untrained_model_still_draw(untrained_model, tmp_path, capsys):
    data = audio_factory.make_class_folder(tmp_path / "data", n_per_class=2)
    code, out, err = _run(capsys, "evaluate", untrained_model, data, "--plots", tmp_path / "p")
    assert code == 0, err
    assert "calibration error (ECE, 15 bins)" in out and "temperature" not in out
    assert read_png(tmp_path / "p" / "reliability.png").shape == (620, 560, 3)
