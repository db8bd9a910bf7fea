"""Shared pieces every GUI feature may use: icons, numpy-QImage conversion, the look, notifications and toasts."""
