"""The application shell: the main window that composes the features, actions, settings, status bar, help."""
