"""What the image canvas shows: layered pixmaps, the view options, overlay layers, and the panels that set them."""
