"""Running the model again on corrected images: ask whether the corrections stay or go (both are undoable)."""

from __future__ import annotations

from PySide6.QtWidgets import QMessageBox, QWidget

from u2studio.core.document import ImageDocument
from u2studio.gui.inference.controller import StudioController

KEEP, REPLACE = "keep", "replace"


def ask_rerun(parent: QWidget, edited: list[ImageDocument]) -> str | None:
    """KEEP, REPLACE or None (cancel) for running the model on images that have corrections."""
    names = ", ".join(d.name for d in edited[:3]) + (" …" if len(edited) > 3 else "")
    box = QMessageBox(parent)
    box.setIcon(QMessageBox.Icon.Question)
    box.setWindowTitle("Run the model again")
    box.setObjectName("rerun-prompt")
    box.setText(f"{names} {'has' if len(edited) == 1 else 'have'} corrections.")
    box.setInformativeText(
        "Keep my corrections: the new prediction shows only where you did not correct.\n"
        "Replace: the new prediction replaces your corrections.\nEither can be undone (Ctrl+Z)."
    )
    keep = box.addButton("Keep my corrections", QMessageBox.ButtonRole.AcceptRole)
    replace = box.addButton("Replace with the new prediction", QMessageBox.ButtonRole.DestructiveRole)
    box.addButton(QMessageBox.StandardButton.Cancel)
    box.setDefaultButton(keep)
    box.exec()
    clicked = box.clickedButton()
    return KEEP if clicked is keep else REPLACE if clicked is replace else None


def run_current(parent: QWidget, studio: StudioController) -> int | None:
    """Run the shown image, asking first when it has corrections."""
    doc = studio.doc
    choice = ask_rerun(parent, [doc]) if doc is not None and doc.has_edits else KEEP
    return None if choice is None else studio.run_current(replace_edits=choice == REPLACE)


def run_all(parent: QWidget, studio: StudioController) -> list[int]:
    """Run every image, asking once when any has corrections."""
    edited = [d for d in studio.documents if d.has_edits]
    choice = ask_rerun(parent, edited) if edited else KEEP
    return [] if choice is None else studio.run_all(replace_edits=choice == REPLACE)
