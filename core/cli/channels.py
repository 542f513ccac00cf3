"""``--channel N``: one channel of each multi-channel recording (counted from 1, as Raven and
Audacity count them) where the command would otherwise use the mix of its channels."""

from __future__ import annotations

import argparse

from core.errors import EarmarkError


def add_channel_option(parser: argparse.ArgumentParser, verb: str, note: str = "") -> None:
    """``--channel N`` on ``parser``: ``verb`` says what the command does with the channel
    ("listen to"), ``note`` adds a clause after it."""
    parser.add_argument("--channel", type=int, metavar="N",
                        help=f"{verb} channel N (from 1) of each file that has it, not the mix "
                             f"of its channels (a file without it: the mix){note}")


def chosen_channel(args: argparse.Namespace) -> int | None:
    """``--channel`` counted from 0, None for the mix; EarmarkError outside 1..MAX_CHANNELS."""
    from core.audio.reading import MAX_CHANNELS

    if args.channel is None:
        return None
    if not 1 <= args.channel <= MAX_CHANNELS:
        raise EarmarkError(f"--channel {args.channel}: a channel from 1 to {MAX_CHANNELS}")
    return args.channel - 1
