"""The dataset side of the studio: export, the Dataset dock, review, re-editing and statistics."""
