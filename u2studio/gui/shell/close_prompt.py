"""Closing with unsaved corrections: ask Save / Discard / Cancel, then save masks or drop their autosaves."""

from __future__ import annotations

from PySide6.QtWidgets import QMessageBox, QWidget

from u2studio.gui.editing.controller import EditController

Button = QMessageBox.StandardButton


def confirm_close(parent: QWidget, edits: EditController) -> bool:
    """Whether the window may close; saves (beside each image, NAME_mask.png) or discards as the person chooses."""
    unsaved = edits.unsaved()
    if not unsaved:
        edits.shutdown(discard_unsaved=False)
        return True
    names = ", ".join(d.name for d in unsaved[:5]) + (" …" if len(unsaved) > 5 else "")
    answer = QMessageBox.question(
        parent,
        "Unsaved corrections",
        f"{len(unsaved)} image(s) have corrections that are not saved: {names}.\n\n"
        "Save saves each mask beside its image (NAME_mask.png).",
        Button.Save | Button.Discard | Button.Cancel,
        Button.Save,
    )
    if answer == Button.Cancel:
        return False
    if answer == Button.Save:
        studio = edits.studio
        for doc in unsaved:
            target = studio.default_output("mask", doc)
            if target is None or studio.save_mask(target, doc) is None:
                return False  # the error is on screen as a toast; keep the window open
        edits.shutdown(discard_unsaved=False)
        return True
    edits.shutdown(discard_unsaved=True)
    return True
