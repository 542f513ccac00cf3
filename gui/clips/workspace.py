"""Workspace: the window's centre. The clip list beside the clip pane (a banner, the clip view or
the welcome page over the region list, the player bar), and the label bar under both."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QSplitter, QStackedWidget, QVBoxLayout, QWidget

# The clip view keeps at least this share of the room when the clip list widens. At 1,400 px
# beside the Model dock, 0.40 leaves it about 385 px and the list every column (0.45 cut Status).
MIN_VIEW_SHARE = 0.40


class Workspace(QWidget):
    """Lays out widgets made elsewhere; ``splitter`` (list | clip pane) and ``centre_split``
    (clip view | region list) are kept by the window's settings."""

    def __init__(self, clip_list: QWidget, banner: QWidget, welcome: QWidget, clip_view: QWidget,
                 region_list: QWidget, playback_bar: QWidget, label_bar: QWidget,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.clip_list, self.welcome, self.clip_view = clip_list, welcome, clip_view
        self.centre_stack = QStackedWidget()
        self.centre_stack.addWidget(welcome)
        self.centre_stack.addWidget(clip_view)
        # The region list sits under the clip view; drag the handle down to fold it away.
        self.centre_split = QSplitter(Qt.Orientation.Vertical)
        self.centre_split.setObjectName("CentreSplitter")
        self.centre_split.addWidget(self.centre_stack)
        self.centre_split.addWidget(region_list)
        self.centre_split.setStretchFactor(0, 1)
        self.centre_split.setSizes([520, 160])
        right = QWidget()
        right.setObjectName("CentrePane")
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(4, 8, 8, 4)
        right_layout.setSpacing(6)
        for widget, stretch in ((banner, 0), (self.centre_split, 1), (playback_bar, 0)):
            right_layout.addWidget(widget, stretch)
        self.splitter = _Splitter(self._keep_view_share)
        self.splitter.setObjectName("MainSplitter")
        # Name and label stay readable beside the Model dock, even at 1280 px.
        clip_list.setMinimumWidth(320)
        self.splitter.addWidget(clip_list)
        self.splitter.addWidget(right)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setSizes([380, 560])  # the list at its columns' width: the rest to the view
        # Whether the list's width is a person's (dragged now, or in a session before: kept by
        # gui.common.settings' LIST_WIDTH_CHOSEN): then a scan leaves it be.
        self.list_width_chosen = False
        self.splitter.splitterMoved.connect(self._on_splitter_moved)
        # The label bar spans the list and the clip view: the more room, the more classes a row.
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.splitter, 1)
        layout.addWidget(label_bar, 0)

    def _on_splitter_moved(self, *_) -> None:
        self.list_width_chosen = True

    def _keep_view_share(self, lost_px: int | None) -> None:
        """The splitter was made ``lost_px`` narrower (None: first sized, a window restored on
        a smaller screen than it was left on): the list gives back up to that much, until the
        clip view has MIN_VIEW_SHARE again; the splitter alone took it all from the view
        (1920 px's 620 px list left the view 260 px at 1366). A wider window leaves a width a
        person chose as it is."""
        list_px, right_px = self.splitter.sizes()
        room_px = list_px + right_px
        give_px = min(int(MIN_VIEW_SHARE * room_px) - right_px,
                      list_px - self.clip_list.minimumWidth(),
                      room_px if lost_px is None else lost_px)
        if room_px > 0 and give_px > 0:
            self.splitter.setSizes([list_px - give_px, right_px + give_px])

    def show_clips(self, shown: bool = True) -> None:
        """The clip view (a project is open), or the welcome page."""
        self.centre_stack.setCurrentWidget(self.clip_view if shown else self.welcome)

    def fit_list(self, wanted_px: int) -> None:
        """A scan is over: the list, at its columns' usual width, widens to ``wanted_px`` for
        longer labels, unless the person chose its width (``list_width_chosen``)."""
        if not self.list_width_chosen:
            self.widen_list(wanted_px)

    def widen_list(self, wanted_px: int) -> None:
        """Give the clip list ``wanted_px`` (its columns appeared), taking the room from the clip
        pane down to its minimum or MIN_VIEW_SHARE of the room, whichever is more."""
        list_px, right_px = self.splitter.sizes()
        if list_px >= wanted_px:
            return
        keep_px = max(self.splitter.widget(1).minimumSizeHint().width(),
                      int(MIN_VIEW_SHARE * (list_px + right_px)))
        grow_px = min(wanted_px - list_px, max(right_px - keep_px, 0))
        self.splitter.setSizes([list_px + grow_px, right_px - grow_px])


class _Splitter(QSplitter):
    """The list | clip pane splitter, which tells ``narrowed(lost_px)`` once it has been laid
    out narrower (None: laid out the first time)."""

    def __init__(self, narrowed) -> None:
        super().__init__(Qt.Orientation.Horizontal)
        self._narrowed = narrowed

    def resizeEvent(self, event) -> None:  # noqa: N802 - Qt's name
        super().resizeEvent(event)  # the panes' sizes for the new width first
        old_px, new_px = event.oldSize().width(), event.size().width()
        if old_px < 0 or new_px < old_px:
            self._narrowed(None if old_px < 0 else old_px - new_px)
