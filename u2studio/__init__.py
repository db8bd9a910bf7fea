"""u2studio: a desktop studio for salient-object and background-removal masks."""

__version__ = "0.1.0"
