"""``--device`` of the commands that run a model: the option, and the one-line error for a device
this machine does not have, given before any file is read (core.ml.runtime has the rules)."""

from __future__ import annotations

import argparse

from core.ml import runtime

DEVICE_HELP = ("where to run: auto (default: a CUDA GPU when there is one, then mps, else the "
               "CPU), cpu, cuda, cuda:N or mps")


def _device_arg(text: str) -> str:
    device = text.strip().lower()
    if not runtime.is_device_name(device):
        raise argparse.ArgumentTypeError(f"unknown device {text!r}: use auto, cpu, cuda, cuda:N "
                                         "or mps")
    return device


def add_device_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--device", type=_device_arg, default=runtime.AUTO_DEVICE,
                        metavar="DEVICE", help=DEVICE_HELP)


def checked_device(requested: str) -> str:
    """``requested`` as asked (recorded so), once this machine is known to have it. Raises
    TrainingError naming the device and what the machine has otherwise."""
    runtime.resolve_device(requested)
    return requested
