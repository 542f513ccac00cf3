"""Every QSettings key Earmark uses, with its type and default, and typed read/write helpers."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QByteArray, QSettings

ORGANISATION = "Earmark"
APPLICATION = "Earmark"
MAX_RECENT = 10
# Last selected clip per folder; bounded so the file does not grow without end.
MAX_REMEMBERED_SELECTIONS = 50


@dataclass(frozen=True)
class Key:
    """A settings key: its name, its Python type and the value used when it is not stored."""

    name: str
    type: type
    default: Any


GEOMETRY = Key("window/geometry", QByteArray, QByteArray())
WINDOW_STATE = Key("window/state", QByteArray, QByteArray())
MAIN_SPLITTER = Key("window/main_splitter", QByteArray, QByteArray())
TABLE_HEADER = Key("window/table_header", QByteArray, QByteArray())
# The clip list's columns a person sized by dragging an edge: their widths in TABLE_HEADER are
# theirs; the others are fitted to the room (gui.clips.clip_columns).
SIZED_COLUMNS = Key("window/sized_columns", list, [])
#: Whether a person dragged the clip list's edge (then a scan leaves its width be).
LIST_WIDTH_CHOSEN = Key("window/list_width_chosen", bool, False)
# The clip list's columns a person hid (its header's menu), as "1,7": kept apart from
# TABLE_HEADER, which also hides columns that show only when they hold news. Absent (settings
# from before): those TABLE_HEADER hides.
HIDDEN_COLUMNS = Key("window/hidden_columns", str, None)
RECENT_FOLDERS = Key("files/recent_folders", list, [])
LAST_SELECTION = Key("files/last_selection", dict, {})
# Started without a folder, the app opens the most recent one (File > Reopen Last Folder at Start).
REOPEN_LAST_FOLDER = Key("files/reopen_last_folder", bool, True)
AUTO_ADVANCE = Key("labelling/auto_advance", bool, True)
SHOW_FEATURES = Key("view/show_features", bool, False)
PLAYBACK_SPEED = Key("playback/speed", float, 1.0)  # times real time (gui.clips.playback.SPEEDS)
PLAYBACK_BAND_ONLY = Key("playback/band_only", bool, False)  # a region plays in its band only
SHOW_SCORE_TRACK = Key("view/show_score_track", bool, True)
EXPLAIN_PREDICTION = Key("view/explain_prediction", bool, False)
# The time axis in the time of day where a file's name says when it began (else seconds).
TIME_OF_DAY = Key("view/time_of_day", bool, True)
BOXES_FIRST = Key("regions/boxes_first", bool, False)  # a plain drag on the spectrogram: a box
# The Training Settings dialog's choice, as plain values; rebuilt with core's
# TrainConfig.for_model. No model stored: no choice (one click of Train uses the defaults); a
# value missing or unreadable: that model's default.
# Find Loud Events' last settings: the energy detector's fields (seconds, Hz, dB; a band edge of
# 0 is none) and "every_recording".
ENERGY_DETECTOR = Key("energy/settings", dict, {})
# Find Similar Calls' last settings: the template detector's fields and "every_recording".
SIMILAR_CALLS = Key("similar/settings", dict, {})
# Record Clips' last take: {"label": class name, "length_s": seconds}.
RECORD_TAKE = Key("record/last_take", dict, {})
# Export Regions as clips: the least clip length last asked for, in seconds (0: the region alone).
CLIP_MIN_LENGTH_S = Key("export/clip_min_length_s", float, 0.0)
TRAIN_MODEL = Key("training/model", str, None)
TRAIN_EPOCHS = Key("training/epochs", int, None)
TRAIN_FINE_TUNE_EPOCHS = Key("training/fine_tune_epochs", int, None)
TRAIN_CLIP_SECONDS_REQUESTED = Key("training/clip_seconds_requested", str, None)  # "auto" or seconds
TRAIN_AUGMENT = Key("training/augment", bool, None)
TRAIN_VAL_SPLIT = Key("training/val_split", float, None)
TRAIN_BACKGROUND = Key("training/background", bool, None)
TRAIN_MULTI_LABEL = Key("training/multi_label", bool, None)
TRAIN_SPEECH_PARTNER = Key("training/speech_partner", bool, None)
TRAIN_DEVICE = Key("training/device", str, None)  # "auto", "cpu", "cuda:0"...
TRAIN_MIXED_PRECISION = Key("training/mixed_precision", bool, None)
TRAIN_CHANNEL = Key("training/channel", str, None)  # "mix", or the channel heard, from 0
_TRAIN_KEYS = {"epochs": TRAIN_EPOCHS, "fine_tune_epochs": TRAIN_FINE_TUNE_EPOCHS,
               "clip_seconds_requested": TRAIN_CLIP_SECONDS_REQUESTED,
               "augment": TRAIN_AUGMENT, "val_split": TRAIN_VAL_SPLIT,
               "background": TRAIN_BACKGROUND, "multi_label": TRAIN_MULTI_LABEL,
               "speech_partner": TRAIN_SPEECH_PARTNER,
               "device": TRAIN_DEVICE, "mixed_precision": TRAIN_MIXED_PRECISION}


def open_settings() -> QSettings:
    """The user's settings (an ini file in the platform's per-user config folder)."""
    return QSettings(QSettings.Format.IniFormat, QSettings.Scope.UserScope,
                     ORGANISATION, APPLICATION)


def read(settings: QSettings, key: Key) -> Any:
    """Value of ``key`` converted to its type; the default when absent or unreadable."""
    value = settings.value(key.name)
    if value is None:
        return key.default
    try:
        if key.type is bool:
            # Ini files hand booleans back as the strings "true"/"false".
            return value if isinstance(value, bool) else str(value).lower() in ("true", "1")
        if key.type is list:
            if isinstance(value, str):
                return [value]  # a one-item list comes back as a bare string
            return [str(v) for v in value]
        if key.type is dict:
            return dict(value) if isinstance(value, dict) else key.default
        if key.type is QByteArray:
            return value if isinstance(value, QByteArray) else key.default
        return key.type(value)
    except (TypeError, ValueError):
        return key.default


def write(settings: QSettings, key: Key, value: Any) -> None:
    """Store ``value`` under ``key``."""
    settings.setValue(key.name, value)


def add_recent(settings: QSettings, folder: str) -> list[str]:
    """Put ``folder`` first in the recent list (no duplicates, at most MAX_RECENT); return it."""
    recent = [f for f in read(settings, RECENT_FOLDERS) if f != folder]
    recent.insert(0, folder)
    del recent[MAX_RECENT:]
    write(settings, RECENT_FOLDERS, recent)
    return recent


def remember_selection(settings: QSettings, folder: str, clip_path: str) -> None:
    """Remember the clip (relative path) last selected in ``folder``."""
    selections = read(settings, LAST_SELECTION)
    selections.pop(folder, None)
    selections[folder] = clip_path
    while len(selections) > MAX_REMEMBERED_SELECTIONS:
        selections.pop(next(iter(selections)))
    write(settings, LAST_SELECTION, selections)


def last_selection(settings: QSettings, folder: str) -> str | None:
    """The clip (relative path) last selected in ``folder``, if any."""
    return read(settings, LAST_SELECTION).get(folder)


def read_train_choice(settings: QSettings) -> tuple[str, dict] | None:
    """The stored training choice: ``(model name, {field: value})`` with the values that could be
    read (TrainConfig field names; the clip length as text), or None when none is stored."""
    model = read(settings, TRAIN_MODEL)
    if not model:
        return None
    values = {name: read(settings, key) for name, key in _TRAIN_KEYS.items()}
    channel = read(settings, TRAIN_CHANNEL)  # "mix" or absent: the default, the mix
    values["channel"] = int(channel) if channel and channel.isdigit() else None
    return model, {name: value for name, value in values.items() if value is not None}


def write_train_choice(settings: QSettings, model: str, values: dict) -> None:
    """Store a training choice as ``read_train_choice`` gives it back: the model's name and
    ``values`` (TrainConfig field names; ``TrainConfig.to_dict()`` will do: only the fields
    listed here are kept, each as its key's type)."""
    write(settings, TRAIN_MODEL, model)
    for name, key in _TRAIN_KEYS.items():
        if values.get(name) is not None:
            write(settings, key, key.type(values[name]))
    # None is a choice here (the mix), written so that it replaces a channel stored before.
    channel = values.get("channel")
    write(settings, TRAIN_CHANNEL, "mix" if channel is None else str(int(channel)))


def restore_window(settings: QSettings, window, workspace, header, toggles: dict,
                   columns=None) -> bool:
    """Put back ``window``'s geometry and dock layout, its ``workspace``'s splitter and whether
    a person chose the list's width there, the table ``header`` (each only when stored), the
    checked state of ``toggles`` ({Key: checkable QAction}) and which of the header's
    ``columns`` (a ColumnFitter) a person sized or hid, as the last session left them.
    Returns whether the header was restored."""
    workspace.list_width_chosen = read(settings, LIST_WIDTH_CHOSEN)
    for key, action in toggles.items():
        action.setChecked(read(settings, key))
    for key, restore in ((GEOMETRY, window.restoreGeometry), (WINDOW_STATE, window.restoreState),
                         (MAIN_SPLITTER, workspace.splitter.restoreState),
                         (TABLE_HEADER, header.restoreState)):
        state = read(settings, key)
        if not state.isEmpty():
            restore(state)
    if columns is not None:
        columns.person_sized = {int(c) for c in read(settings, SIZED_COLUMNS) if c.isdigit()}
        hidden = read(settings, HIDDEN_COLUMNS)
        if hidden is not None:
            columns.person_hidden = {int(c) for c in hidden.split(",") if c.isdigit()}
        elif not read(settings, TABLE_HEADER).isEmpty():
            columns.person_hidden = {c for c in range(header.count()) if header.isSectionHidden(c)}
    return not read(settings, TABLE_HEADER).isEmpty()


def save_window(settings: QSettings, window, workspace, header, toggles: dict,
                columns=None) -> None:
    """Store what ``restore_window`` puts back (the window is closing)."""
    for key, action in toggles.items():
        write(settings, key, action.isChecked())
    if columns is not None:
        write(settings, SIZED_COLUMNS, [str(c) for c in sorted(columns.person_sized)])
        write(settings, HIDDEN_COLUMNS, ",".join(str(c) for c in sorted(columns.person_hidden)))
    write(settings, GEOMETRY, window.saveGeometry())
    write(settings, WINDOW_STATE, window.saveState())
    write(settings, MAIN_SPLITTER, workspace.splitter.saveState())
    write(settings, LIST_WIDTH_CHOSEN, workspace.list_width_chosen)
    write(settings, TABLE_HEADER, header.saveState())
