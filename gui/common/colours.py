"""Class colours as the window shows them: the project's colour of a class, or a palette hue for a
class the project lacks; small colour squares for lists and menus; the light palette under the
stylesheet."""

from __future__ import annotations

from PySide6.QtGui import QColor, QIcon, QPalette, QPixmap
from PySide6.QtWidgets import QStyleFactory

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


#: The stylesheet's colours (resources/earmark.qss) for what it leaves to the palette: menus,
#: lists and tables, the dock's pages, tick boxes, native and popup parts.
_LIGHT_ROLES = {
    QPalette.ColorRole.Window: "#f4f5f7", QPalette.ColorRole.WindowText: "#1f2328",
    QPalette.ColorRole.Base: "#ffffff", QPalette.ColorRole.AlternateBase: "#f8f9fb",
    QPalette.ColorRole.Text: "#1f2328", QPalette.ColorRole.Button: "#f4f5f7",
    QPalette.ColorRole.ButtonText: "#1f2328", QPalette.ColorRole.BrightText: "#ffffff",
    QPalette.ColorRole.ToolTipBase: "#ffffdc", QPalette.ColorRole.ToolTipText: "#1f2328",
    QPalette.ColorRole.Highlight: "#2f6fde", QPalette.ColorRole.HighlightedText: "#ffffff",
    QPalette.ColorRole.PlaceholderText: "#6b7280", QPalette.ColorRole.Link: "#2f6fde",
    QPalette.ColorRole.Light: "#ffffff", QPalette.ColorRole.Midlight: "#eef1f5",
    QPalette.ColorRole.Mid: "#cfd4da", QPalette.ColorRole.Dark: "#a0a6ae",
    QPalette.ColorRole.Shadow: "#6b7280", QPalette.ColorRole.Accent: "#2f6fde",
}
_DISABLED_INK = "#a0a6ae"


def light_palette() -> QPalette:
    """The palette under Earmark's light stylesheet, whatever the desktop's: a dark theme's
    palette reached the parts the sheet leaves to it (menus, lists, the Model dock, tick
    boxes), dark on dark under the sheet's dark ink, while the rest stayed light."""
    palette = QStyleFactory.create("Fusion").standardPalette()  # light, not the desktop's
    for role, colour in _LIGHT_ROLES.items():
        palette.setColor(role, QColor(colour))
    for role in (QPalette.ColorRole.WindowText, QPalette.ColorRole.Text,
                 QPalette.ColorRole.ButtonText):
        palette.setColor(QPalette.ColorGroup.Disabled, role, QColor(_DISABLED_INK))
    return palette
