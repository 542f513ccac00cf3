"""Machine learning: features, networks, checkpoints, training, inference, metrics."""
