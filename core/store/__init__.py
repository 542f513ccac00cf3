"""The project store: schema, scan, clip records, classes, model records, label rules and files."""
