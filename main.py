"""Earmark's entry point: `uv run main.py [FOLDER] [--demo]` opens the app; a command runs headless."""

import sys


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    from core.cli import COMMANDS

    if argv and (argv[0] in COMMANDS or argv[0] in ("-h", "--help")):
        from core.cli.commands import main as cli_main

        return cli_main(argv)
    import argparse

    parser = argparse.ArgumentParser(prog="main.py", description="Open the Earmark app.")
    parser.add_argument("folder", nargs="?", help="a folder of audio to open as a project")
    parser.add_argument("--demo", action="store_true", help="open a generated demo project")
    from core.version import earmark_version

    parser.add_argument("--version", action="version", version=f"Earmark {earmark_version()}")
    args = parser.parse_args(argv)
    from gui.app import run_gui

    return run_gui(folder=args.folder, demo=args.demo)


if __name__ == "__main__":
    sys.exit(main())
