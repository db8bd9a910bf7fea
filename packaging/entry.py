"""PyInstaller's entry script for u2studio (windowed and console executables)."""

import multiprocessing
import sys

if __name__ == "__main__":
    # First thing: a spawned worker (DataLoader, multiprocessing) must not start the app again.
    multiprocessing.freeze_support()
    from u2studio.cli.frozen import run

    sys.exit(run())
