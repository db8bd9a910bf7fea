"""The ``u2studio`` command line: the studio, and subcommands for batch work."""
