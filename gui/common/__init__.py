"""Shared by every feature: background tasks, settings, dialogs, notices."""
