"""A non-modal banner above the canvas offering to recover masks that a crash left unsaved."""

from __future__ import annotations

import datetime

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from u2studio.core.editing.autosave import Session


class RecoveryBanner(QFrame):
    """One row per recoverable session: what it is, Recover and Discard; hides when none is left."""

    recover_requested = Signal(object)  # Session
    discard_requested = Signal(object)  # Session

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("recoveryBanner")
        self.setStyleSheet(
            "#recoveryBanner { background: #3a3220; border-bottom: 1px solid #a8843a; }"
            "#recoveryBanner QLabel { color: #f3dfae; }"
        )
        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(12, 6, 12, 6)
        self.rows: dict[str, QWidget] = {}
        self.sessions: dict[str, Session] = {}
        self.recover_all_button = QPushButton("Recover all")
        self.recover_all_button.clicked.connect(self.recover_all)
        top = QHBoxLayout()
        top.addStretch(1)
        top.addWidget(self.recover_all_button)
        self._layout.addLayout(top)
        self.setVisible(False)

    def show_sessions(self, sessions: list[Session]) -> None:
        """List ``sessions`` (an empty list hides the banner)."""
        for row in self.rows.values():
            row.deleteLater()
        self.rows.clear()
        self.sessions.clear()
        for session in sessions:
            self._add(session)
        self._refresh()

    def _refresh(self) -> None:
        self.recover_all_button.setVisible(len(self.rows) > 1)
        self.setVisible(bool(self.rows))

    def recover_all(self) -> None:
        """Recover every listed session."""
        for session in list(self.sessions.values()):
            self._chosen(session, self.recover_requested)

    def _add(self, session: Session) -> None:
        row = QWidget()
        line = QHBoxLayout(row)
        line.setContentsMargins(0, 0, 0, 0)
        when = datetime.datetime.fromtimestamp(session.saved_at).strftime("%Y-%m-%d %H:%M:%S")
        text = QLabel(f"Unsaved corrections of <b>{session.image_path.name}</b> were autosaved at {when}. Recover them?")
        text.setToolTip(str(session.image_path))
        recover = QPushButton("Recover")
        discard = QPushButton("Discard")
        recover.clicked.connect(lambda: self._chosen(session, self.recover_requested))
        discard.clicked.connect(lambda: self._chosen(session, self.discard_requested))
        line.addWidget(text, 1)
        line.addWidget(recover)
        line.addWidget(discard)
        self._layout.addWidget(row)
        self.rows[str(session.folder)] = row
        self.sessions[str(session.folder)] = session

    def _chosen(self, session: Session, signal: Signal) -> None:
        row = self.rows.pop(str(session.folder), None)
        self.sessions.pop(str(session.folder), None)
        if row is not None:
            row.deleteLater()
        self._refresh()
        signal.emit(session)  # type: ignore[attr-defined]

    def button(self, session: Session, text: str) -> QPushButton:
        """The Recover or Discard button of a session (for tests)."""
        row = self.rows[str(session.folder)]
        return next(b for b in row.findChildren(QPushButton) if b.text() == text)
