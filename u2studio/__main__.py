"""``python -m u2studio`` runs the same entry point as the ``u2studio`` command."""

import sys

from u2studio.cli.main import main

if __name__ == "__main__":
    sys.exit(main())
