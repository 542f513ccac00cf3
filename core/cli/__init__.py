"""The command line: train, predict, evaluate, labels."""
