"""`python -m digest` runs the same command as the `digest` script: this `main`.

It imports the command line itself, so that a Ctrl-C while the imports run (the first
tenth of a second) ends in one line, as it does later, not in a traceback."""

import sys


def main() -> int:
    try:
        from digest.cli import main as run
    except KeyboardInterrupt:
        sys.stderr.write("digest: interrupted\n")
        return 130
    return run()


if __name__ == "__main__":
    sys.exit(main())
