"""Which importance map to draw for View > Explain Prediction, on held-out FSDD speakers:
core.ml.explain's two (gradient x input above silence, blurred; occlusion), with variants, against
Grad-CAM (the last conv block's activations weighted by their gradients; it needs to know the
network) and a random ranking.

Faithfulness, the predicted class's probability scored again with cells hidden (filled with the
features' silence): "top hidden", the mean over 2.5, 5, 10 and 20% of the cells the map ranks
highest hidden (lower: the map found what the model used; scattered holes anywhere also hurt, so
read it beside the random ranking); "only top kept", the mean over keeping just the top 10, 20
and 40% (higher: those cells alone carry the decision). And the time per 1 s clip.

``uv run python bench/bench_explain.py [--checkpoint MODEL.pt] [--clips 40]``; without a model
file, one is trained on two speakers' first ten takes of each digit (`--epochs`).
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
import time
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import fsdd_clips  # noqa: E402
from core.audio import reading as audio  # noqa: E402
from core.ml.explain import ExplainConfig, explain_clip, gradient_map  # noqa: E402
from core.ml.features import prepare_clip, silence_fill  # noqa: E402
from core.ml.inference import Classifier, mean_scores  # noqa: E402
from core.ml.runtime import set_thread_count  # noqa: E402
from core.ml.training import TrainConfig, train  # noqa: E402

DELETE_FRACTIONS = (0.025, 0.05, 0.1, 0.2)
KEEP_FRACTIONS = (0.1, 0.2, 0.4)
TRAIN_SPEAKERS = ("jackson", "theo")


def _scores(classifier, x, views=False):
    forward = lambda b: classifier.model(b.contiguous(memory_format=torch.channels_last))  # noqa: E731
    return mean_scores(forward, x, classifier.features, views, classifier.multi_label,
                       classifier.temperature)


def grad_cam(classifier, x: torch.Tensor, class_index: int) -> np.ndarray:
    """Grad-CAM on the last conv block (CompactCNN ``features``, SeedCNN ``conv_layer``)."""
    model = classifier.model
    block = getattr(model, "features", None) or model.conv_layer
    kept = {}
    handle = block.register_forward_hook(lambda _m, _i, out: kept.update(out=out))
    try:
        with torch.enable_grad():
            x = x.clone().requires_grad_(False)
            logits = model(x)
            activations = kept["out"]
            grads = torch.autograd.grad(logits[0, class_index], activations)[0]
    finally:
        handle.remove()
    weights = grads.mean(dim=(2, 3), keepdim=True)
    cam = torch.relu((weights * activations).sum(dim=1, keepdim=True)).detach()
    cam = torch.nn.functional.interpolate(cam, size=x.shape[-2:], mode="bilinear",
                                          align_corners=False)
    return cam[0, 0].numpy()


def silence_of(classifier, x: torch.Tensor) -> float:
    return float(torch.as_tensor(silence_fill(x, classifier.features)).reshape(-1)[0])


@torch.inference_mode()
def hidden(classifier, x: torch.Tensor, ranking: np.ndarray, class_index: int,
           fractions, keep: bool) -> float:
    """The class's mean probability with the top ``fractions`` of cells hidden (``keep``: all
    but them hidden)."""
    fill = silence_of(classifier, x)
    order = np.argsort(-ranking.ravel(), kind="stable")
    batch = []
    for fraction in fractions:
        count = int(round(fraction * order.size))
        cells = torch.from_numpy(order[count:] if keep else order[:count])
        copy = x.clone().reshape(-1)
        copy[cells] = fill
        batch.append(copy.reshape(x.shape))
    return float(_scores(classifier, torch.cat(batch))[:, class_index].mean())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--checkpoint", type=Path)
    parser.add_argument("--clips", type=int, default=40)
    parser.add_argument("--epochs", type=int, default=15)
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    set_thread_count(args.threads)
    clips = fsdd_clips()
    if args.checkpoint:
        classifier = Classifier.from_checkpoint(args.checkpoint, decode_workers=1)
    else:
        subset = [(p, lbl) for p, lbl, s in clips
                  if s in TRAIN_SPEAKERS and int(p.stem.split("_")[2]) < 10]
        config = dataclasses.replace(TrainConfig(), epochs=args.epochs)
        classifier = Classifier(train(subset, config).checkpoint, decode_workers=1)
    held_out = [p for p, _, s in clips if s not in TRAIN_SPEAKERS][::7][:args.clips]
    def core_map(**settings):
        config = ExplainConfig(**settings)
        return lambda x, c, s: explain_clip(classifier, s, c, config).importance

    methods = {
        "gradient (the default)": core_map(),
        "gradient, no views": core_map(views=False),
        "gradient, not blurred": core_map(blur_bands_fraction=0, blur_frames_fraction=0),
        "occlusion": core_map(method="occlusion"),
        "occlusion 1/16 x 1/20": core_map(method="occlusion", bands_fraction=1 / 16,
                                          frames_fraction=1 / 20),
        "gradient of the logit": lambda x, c, s: gradient_map(
            lambda b: classifier.model(b)[:, c], x, silence_of(classifier, x)),
        "grad-cam": lambda x, c, s: grad_cam(classifier, x, c),
        "random": lambda x, c, s: np.random.default_rng(0).random(x.shape[-2:]),
    }
    results = {name: ([], [], []) for name in methods}
    base = []
    for path in held_out:
        samples = audio.read(path, classifier.features.sample_rate_hz, 0.0, classifier.window_s)
        x = classifier.extractor(torch.from_numpy(prepare_clip(samples,
                                                               classifier.features.n_samples))[None])
        with torch.inference_mode():
            class_index = int(_scores(classifier, x)[0].argmax())
            base.append(float(_scores(classifier, x)[0, class_index]))
        for name, method in methods.items():
            start = time.perf_counter()
            ranking = method(x, class_index, samples)
            results[name][1].append(time.perf_counter() - start)
            results[name][0].append(hidden(classifier, x, ranking, class_index,
                                           DELETE_FRACTIONS, keep=False))
            results[name][2].append(hidden(classifier, x, ranking, class_index,
                                           KEEP_FRACTIONS, keep=True))
    print(f"{len(held_out)} held-out clips ({classifier.checkpoint.model_name}, "
          f"{args.threads} thread(s)); predicted class's probability unhidden {np.mean(base):.3f}")
    print(f"{'map':<24} {'top hidden':>11} {'only top kept':>14} {'ms per clip':>12}")
    for name, (deleted, seconds, kept) in results.items():
        print(f"{name:<24} {np.mean(deleted):11.3f} {np.mean(kept):14.3f} "
              f"{1000 * np.median(seconds):12.0f}")


if __name__ == "__main__":
    main()
