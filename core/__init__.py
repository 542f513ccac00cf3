"""Earmark's engine: audio, labels, features, models, training, inference and the project store.

Never imports Qt; the GUI and the command line both call it.
"""
