"""The clips: list and table model, clip view and its loader, playback, label bar, label edits."""
