"""The core: images, masks, metrics and datasets with numpy, OpenCV and Pillow only (no Qt, no torch)."""
