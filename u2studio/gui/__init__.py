"""The studio window (PySide6). The only package that imports Qt; it never imports torch or the models."""
