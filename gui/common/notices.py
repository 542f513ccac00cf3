"""Non-modal notices: the message banner over the clip view and the page shown before a folder
is open. Neither blocks the window, so tests and people can carry on while a message shows."""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

# How long information stays up: long enough to read it (about 15 characters a second).
INFO_MIN_MS, INFO_MS_PER_CHAR, INFO_MAX_MS = 8000, 70, 30000


class MessageBanner(QWidget):
    """A one-line, non-blocking message above the clip view, closed with its × button."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("Banner")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)  # let the sheet paint it
        self.label = QLabel()
        self.label.setWordWrap(True)
        self.label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        close = QPushButton("×")
        close.setObjectName("BannerClose")
        close.setFlat(True)
        close.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        close.clicked.connect(self.hide)
        self._info_timer = QTimer(self, singleShot=True, timeout=self.hide)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(10, 6, 6, 6)
        layout.addWidget(self.label, 1)
        layout.addWidget(close)
        self.hide()

    def show_message(self, text: str, kind: str = "info") -> None:
        """Show ``text``; ``kind`` is 'info', 'warning' or 'error' (styled by the sheet). A
        warning or an error stays until closed; information goes by itself once read (a hint
        such as "select clips first" stayed up after the next try went through)."""
        self.setProperty("kind", kind)
        self.style().unpolish(self)
        self.style().polish(self)
        self.label.setText(text)
        self.show()
        if kind == "info":
            self._info_timer.start(min(INFO_MAX_MS, max(INFO_MIN_MS, INFO_MS_PER_CHAR * len(text))))
        else:
            self._info_timer.stop()

    def text(self) -> str:
        return "" if self.isHidden() else self.label.text()

    def withdraw(self, text: str) -> None:
        """Close the banner if it still shows ``text``, which holds no more."""
        if self.text() == text:
            self.hide()



class WelcomePage(QWidget):
    """What the centre shows before a folder is open: a line of help and two buttons."""

    open_folder_clicked = Signal()
    open_demo_clicked = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("Welcome")
        title = QLabel("Open a folder of audio clips to start labelling")
        title.setObjectName("WelcomeTitle")
        title.setWordWrap(True)  # the page never sets the window's width
        hint = QLabel("Drop a folder here, use File › Open Folder (Ctrl+O), or try the demo: "
                      "sixty short whistles, knocks and hisses, some of them labelled.")
        hint.setWordWrap(True)
        hint.setObjectName("WelcomeHint")
        open_button = QPushButton("Open Folder…")
        demo_button = QPushButton("Open Demo Project")
        self._open_button = open_button
        open_button.clicked.connect(self.open_folder_clicked)
        demo_button.clicked.connect(self.open_demo_clicked)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(open_button)
        buttons.addWidget(demo_button)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addStretch(2)
        for label in (title, hint):
            label.setAlignment(Qt.AlignmentFlag.AlignCenter)
            layout.addWidget(label)
        layout.addSpacing(12)
        layout.addLayout(buttons)
        layout.addStretch(3)

    def showEvent(self, event) -> None:  # noqa: N802 - Qt override
        """The keys start on Open Folder (Space opens it): they started in the empty clip
        list's filter box, Open Folder four Tabs away."""
        super().showEvent(event)
        self._open_button.setFocus(Qt.FocusReason.OtherFocusReason)
