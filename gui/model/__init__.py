"""The model loop: dock and controller, training/models/classify panels, workers."""
