"""Class colours as the window shows them: the project's colour of a class, or a palette hue for a
class the project lacks; small colour squares for lists and menus."""

from __future__ import annotations

from PySide6.QtGui import QColor, QIcon, QPixmap

# Distinct, colour-blind-friendly hues (Okabe-Ito), then black.
CLASS_COLOURS = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#F0E442",
                 "#000000")


#: The lists' muted grey: an answer naming no class, a list's words when it is empty.
MUTED_COLOUR = QColor("#7a7f87")


def class_colour(name: str, index: int, colours: dict[str, str]) -> str:
    """The project's colour for class ``name`` (as on its label buttons); a class the project
    does not have gets the ``index``-th hue of CLASS_COLOURS."""
    return colours.get(name) or CLASS_COLOURS[index % len(CLASS_COLOURS)]


def colour_icon(colour: str, size: int = 12) -> QIcon:
    """A small square of ``colour`` for lists and menus."""
    pixmap = QPixmap(size, size)
    pixmap.fill(QColor(colour))
    return QIcon(pixmap)
