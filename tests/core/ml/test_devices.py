"""Devices: what this machine has, which one "auto" and "cuda" resolve to (GPUs faked by
monkeypatching torch.cuda, as the suite runs on the CPU), the error for one it lacks, the mixed
precision rule, the device setting's validation, and the classifier on the device it is given."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest
import torch

from core.errors import ConfigError, TrainingError
from core.ml import runtime
from core.ml.checkpoint import Checkpoint
from core.ml.features import FeatureConfig
from core.ml.inference import Classifier
from core.ml.networks import DEFAULT_MODEL, build_model
from core.ml.train_config import TrainConfig
from tests.processes import REPO_ROOT


def _gpus(monkeypatch, count: int, bf16: bool = True) -> None:
    monkeypatch.setattr(torch.cuda, "is_available", lambda: count > 0)
    monkeypatch.setattr(torch.cuda, "device_count", lambda: count)
    monkeypatch.setattr(torch.cuda, "current_device", lambda: 0)
    monkeypatch.setattr(torch.cuda, "is_bf16_supported", lambda *a, **k: bf16)
    monkeypatch.setattr(runtime, "_mps_available", lambda: False)


def test_a_machine_without_gpu_trains_on_the_cpu(monkeypatch):
    _gpus(monkeypatch, 0)
    assert runtime.available_devices() == ["cpu"]
    assert runtime.resolve_device("auto") == "cpu"
    assert runtime.resolve_device("cpu") == "cpu"


def test_auto_and_cuda_pick_a_gpu_and_name_its_index(monkeypatch):
    _gpus(monkeypatch, 2)
    assert runtime.available_devices() == ["cpu", "cuda", "cuda:0", "cuda:1"]
    assert runtime.resolve_device("auto") == "cuda:0"
    assert runtime.resolve_device("cuda") == "cuda:0"
    assert runtime.resolve_device("cuda:1") == "cuda:1"
    # Under torchrun each process takes the GPU of its local rank.
    assert runtime.resolve_device("auto", local_rank=1) == "cuda:1"
    assert runtime.resolve_device("cpu", local_rank=1) == "cpu"


def test_mps_when_there_is_no_cuda(monkeypatch):
    _gpus(monkeypatch, 0)
    monkeypatch.setattr(runtime, "_mps_available", lambda: True)
    assert runtime.available_devices() == ["cpu", "mps"]
    assert runtime.resolve_device("auto") == "mps"


@pytest.mark.parametrize("requested", ["cuda", "cuda:0", "mps"])
def test_a_device_the_machine_lacks_names_what_it_has(monkeypatch, requested):
    _gpus(monkeypatch, 0)
    with pytest.raises(TrainingError, match=rf"device {requested}\b.*not available.*available: cpu"):
        runtime.resolve_device(requested)


def test_a_gpu_index_past_the_last_is_refused(monkeypatch):
    _gpus(monkeypatch, 2)
    with pytest.raises(TrainingError, match=r"cuda:2 is not available.*cuda:0, cuda:1"):
        runtime.resolve_device("cuda:2")


def test_mixed_precision_on_gpus_only(monkeypatch):
    _gpus(monkeypatch, 1, bf16=True)
    assert runtime.precision_for("cuda:0").name == "bf16"
    assert runtime.precision_for("cuda:0", mixed_precision=False).name == "fp32"
    assert runtime.precision_for("cpu").name == "fp32"  # mixed_precision is for GPUs
    assert runtime.precision_for("cpu", bf16=True).name == "bf16"
    assert runtime.precision_for("mps").name == "fp32"
    _gpus(monkeypatch, 1, bf16=False)  # an older GPU: fp16, which needs a gradient scaler
    fp16 = runtime.precision_for("cuda:0")
    assert (fp16.name, fp16.dtype) == ("fp16", torch.float16)
    assert runtime.Precision("cpu").scaler() is None


def test_cpu_bf16_autocast_computes_in_bf16():
    layer = torch.nn.Linear(4, 2)
    with runtime.precision_for("cpu", bf16=True).autocast():
        assert layer(torch.ones(1, 4)).dtype == torch.bfloat16
    with runtime.precision_for("cpu").autocast():
        assert layer(torch.ones(1, 4)).dtype == torch.float32


def test_the_device_setting_is_validated_and_kept():
    assert TrainConfig().device == "auto" and TrainConfig().mixed_precision
    assert TrainConfig.for_model(device="cuda:3").device == "cuda:3"  # present or not: a name
    assert TrainConfig.from_dict(TrainConfig(device="cpu").to_dict()).device == "cpu"
    assert TrainConfig.from_dict({"epochs": 3}).device == "auto"  # models before devices
    for bad in ("gpu", "cuda:", "CPU", "tpu"):
        with pytest.raises(ConfigError, match="unknown device"):
            TrainConfig(device=bad)


def _untrained_checkpoint():
    torch.manual_seed(0)
    features = FeatureConfig(clip_seconds=0.5)
    model = build_model(DEFAULT_MODEL, 2, (features.n_freqs, features.n_frames))
    return Checkpoint(DEFAULT_MODEL, ["a", "b"], features, model.state_dict())


def test_the_classifier_runs_where_it_is_told_and_answers_numpy(monkeypatch):
    _gpus(monkeypatch, 0)
    checkpoint = _untrained_checkpoint()
    clips = np.random.default_rng(0).standard_normal((3, 8000)).astype(np.float32) * 0.1
    on_cpu = Classifier(checkpoint)
    auto = Classifier.from_checkpoint(checkpoint, device="auto")
    assert on_cpu.device == auto.device == "cpu"
    assert next(auto.model.parameters()).device.type == "cpu"
    scores = auto.probabilities(clips)
    assert isinstance(scores, np.ndarray) and scores.shape == (3, 2)
    np.testing.assert_array_equal(scores, on_cpu.probabilities(clips))
    with pytest.raises(TrainingError, match=r"device cuda is not available.*available: cpu"):
        Classifier(checkpoint, device="cuda")


_HEAP = """
import sys
import numpy as np
sys.path.insert(0, sys.argv[2])
from core.ml import runtime
def rss():
    return int(open("/proc/self/statm").read().split()[1]) * 4096
big = np.ones(8 << 20, np.uint8)
del big  # glibc raises its mmap threshold past 8 MB as this is freed: what follows is heap
blocks = [np.ones(4 << 20, np.uint8) for _ in range(50)]
before = rss()
del blocks[:-1]  # the last keeps the heap's top where it was
if sys.argv[1] == "trimmed":
    assert runtime.trim_heap()
print((before - rss()) >> 20)
"""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's allocator")
def test_memory_freed_between_phases_goes_back_to_the_system():
    def freed_mib(mode: str) -> int:
        done = subprocess.run([sys.executable, "-c", _HEAP, mode, str(REPO_ROOT)],
                              capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr
        return int(done.stdout)

    assert freed_mib("trimmed") >= 150  # 49 blocks of 4 MB
    assert freed_mib("untrimmed") < 50  # what trimming is for: glibc kept them
