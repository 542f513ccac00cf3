"""--device of train: the run uses the device asked for, and a device this machine lacks is one
line naming what it has, exit 2, before any file is read."""

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
                 "--out", str(model)])
    err = capsys.readouterr().err
    assert code == 0, err
    assert load_checkpoint(model).train_config["device"] == "cpu"  # as asked


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
