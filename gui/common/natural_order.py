"""Names in the order a person counts them, as file managers list them: ``clip_2`` before
``clip_10``, ``ARU2`` before ``ARU10``; letters compared without case."""

from __future__ import annotations

import re

_DIGITS_RE = re.compile(r"(\d+)")


def natural_key(text: str) -> tuple:
    """A sort key for ``text``: its runs of digits compared as numbers, the rest as lower-case
    text. Text and numbers alternate from a text part (perhaps empty), so any two keys compare
    part by part without mixing types. Names equal but for leading zeros (``clip01``,
    ``clip1``) tie, and a stable sort keeps their previous order."""
    parts: list = _DIGITS_RE.split(text.lower())
    parts[1::2] = map(int, parts[1::2])
    return tuple(parts)


def path_keys(path: str) -> tuple[tuple, tuple, tuple]:
    """``natural_key`` of a ``/``-separated ``path``, of its folder and of its file name, from
    one key: the path's is split at its last ``/`` (never inside a number), because building
    keys is most of the time a 20,000-clip list takes to fill."""
    key = natural_key(path)
    for cut in range(len(key) - 1, -1, -2):  # the text parts, from the last
        if "/" in key[cut]:
            before, _, after = key[cut].rpartition("/")
            return key, key[:cut] + (before,), (after,) + key[cut + 1:]
    return key, ("",), key
