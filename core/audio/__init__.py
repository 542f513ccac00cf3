"""Audio files: reading and discovering them, display spectrograms, the demo project."""
