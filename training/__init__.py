"""Training and fine-tuning (torch, no Qt). The studio runs it as a subprocess."""
