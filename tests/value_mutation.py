"""Structural fuzzing of parsed data (JSON, a checkpoint's payload): every value's path, and a
copy with the value at a path replaced, for tests that put wrong types where files hold numbers,
text and lists."""

from __future__ import annotations

#: Values of the wrong type, put where a file's values were.
WRONG_VALUES = ([], {}, [0], {"a": 1}, None, 1e300, -1, "x", True, 0, 0.5, float("nan"),
                float("inf"), [[0]], [[[0], 0.5]], "", 10**12)


def value_paths(value, prefix: tuple = (), whole: tuple = ()):
    """The path (keys and indexes) to every value of ``value``, itself included; the values at
    the paths in ``whole`` count as one (their insides are not walked)."""
    yield prefix
    if prefix in whole:
        return
    items = value.items() if isinstance(value, dict) else (
        enumerate(value) if isinstance(value, list) else ())
    for key, inner in items:
        yield from value_paths(inner, (*prefix, key), whole)


def replaced(value, path: tuple, new):
    """``value`` with the value at ``path`` set to ``new`` (changed in place, and returned)."""
    if not path:
        return new
    value[path[0]] = replaced(value[path[0]], path[1:], new)
    return value
