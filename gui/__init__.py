"""Earmark desktop GUI: PySide6 panels, views and workers over core."""
