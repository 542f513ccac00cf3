"""--device of train, predict, evaluate and detect: the model runs on the device asked for, and a
device this machine lacks is one line naming what it has, exit 2, before any file is read;
train's --no-mixed-precision."""

import json

import pytest

from core.cli.commands import build_parser, main
from core.errors import TrainingError
from tests import audio_factory


@pytest.fixture
def cpu_only(monkeypatch):
    """This machine as one without a GPU, whatever it has (the suite may run on a GPU machine)."""
    import core.ml.runtime as runtime

    monkeypatch.setattr(runtime, "available_devices", lambda: ["cpu"])


def test_train_on_the_cpu(tmp_path, capsys):
    from core.ml.checkpoint import load_checkpoint

    data = audio_factory.make_class_folder(tmp_path / "data", n_per_class=6,
                                           kinds=("tone", "noise"))
    model = tmp_path / "m.pt"
    code = main(["train", str(data), "--device", "cpu", "--epochs", "1", "--clip-seconds", "0.5",
                 "--no-mixed-precision", "--out", str(model), "--json"])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert "earmark: training on cpu\n" in err
    checkpoint = load_checkpoint(model)
    assert checkpoint.train_config["device"] == "cpu"  # as asked
    assert checkpoint.metrics["device"] == "cpu" and checkpoint.metrics["world_size"] == 1  # found
    assert checkpoint.train_config["mixed_precision"] is False
    assert json.loads(out)["device"] == "cpu"


def test_mixed_precision_is_on_unless_refused():
    assert build_parser().parse_args(["train", "x"]).mixed_precision is True
    assert build_parser().parse_args(["train", "x", "--no-mixed-precision"]).mixed_precision is False


@pytest.fixture
def devices_asked(monkeypatch):
    """The devices the commands build their Classifier on, in order."""
    from core.ml.inference import Classifier

    asked = []
    built = Classifier.from_checkpoint.__func__

    def spy(cls, source, *args, **kwargs):
        asked.append(kwargs.get("device", "cpu"))
        return built(cls, source, *args, **kwargs)

    monkeypatch.setattr(Classifier, "from_checkpoint", classmethod(spy))
    return asked


def test_predict_evaluate_and_detect_run_on_the_device_asked(untrained_model, tmp_path, capsys,
                                                             devices_asked):
    data = audio_factory.make_class_folder(tmp_path / "data", n_per_class=1)
    clip = next(data.rglob("*.wav"))
    for argv in (["predict", untrained_model, clip, "--device", "cpu"],
                 ["evaluate", untrained_model, data, "--device", "cpu"],
                 ["detect", untrained_model, clip, "--device", "cpu"],
                 ["predict", untrained_model, clip]):
        code = main([str(a) for a in argv])
        assert code == 0, capsys.readouterr().err
    assert devices_asked == ["cpu", "cpu", "cpu", "auto"]
    capsys.readouterr()


@pytest.mark.skipif(__import__("torch").cuda.is_available(), reason="this machine has CUDA")
@pytest.mark.parametrize("command", ["predict", "evaluate", "detect"])
def test_cuda_on_a_machine_without_it_is_one_line_before_any_file_is_read(tmp_path, capsys,
                                                                         command):
    missing = tmp_path / "no-model.pt"  # never read: the device is checked first
    code = main([command, str(missing), str(tmp_path / "no-audio"), "--device", "cuda"])
    out, err = capsys.readouterr()
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and err.startswith("earmark: error: device cuda is not available")
    assert "no-model" not in err


@pytest.mark.parametrize("device", ["cuda", "cuda:1", "mps"])
def test_a_device_this_machine_lacks_is_one_line_and_exit_2(cpu_only, tmp_path, capsys, device):
    missing = tmp_path / "not-there"  # never read: the device is checked first
    code = main(["train", str(missing), "--device", device])
    err = capsys.readouterr().err
    assert code == 2
    assert err.count("\n") == 1 and err.startswith("earmark: error: ")
    assert f"device {device} is not available" in err and "available: cpu" in err


def test_cuda_is_offered_when_the_machine_has_one(monkeypatch):
    import core.ml.runtime as runtime
    from core.cli.devices import checked_device

    monkeypatch.setattr(runtime, "available_devices",
                        lambda: ["cpu", "cuda", "cuda:0", "cuda:1"])
    assert checked_device("cuda:1") == "cuda:1"  # asked for, kept as asked
    with pytest.raises(TrainingError, match="cuda:2 is not available"):
        checked_device("cuda:2")


def test_an_unknown_device_is_a_usage_error(capsys):
    with pytest.raises(SystemExit) as stopped:
        build_parser().parse_args(["train", "x", "--device", "tpu"])
    assert stopped.value.code == 2 and "unknown device 'tpu'" in capsys.readouterr().err
    assert build_parser().parse_args(["train", "x"]).device == "auto"
    assert build_parser().parse_args(["train", "x", "--device", "CUDA:0"]).device == "cuda:0"
    for command in ("predict", "evaluate", "detect"):
        assert build_parser().parse_args([command, "m.pt", "x"]).device == "auto"
