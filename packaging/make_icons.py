"""Draw the u2studio app icon with Pillow and write resources/icons/u2studio.{png,ico,icns}.

The icon is a rounded square with a transparency checkerboard and a stylised
head-and-shoulders cutout over it, edged with a white cut line. Each size is
drawn at four times its size and scaled down, and the checkerboard is coarser
at small sizes so it stays legible at 16 px.

    python packaging/make_icons.py [--out resources/icons]
"""

from __future__ import annotations

import argparse
import io
import sys
from pathlib import Path

from PIL import Image, ImageDraw, ImageFilter

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from u2studio.core.atomic import atomic_write_bytes  # noqa: E402

SIZES = (16, 24, 32, 48, 64, 128, 256, 512, 1024)
ICO_SIZES = (16, 24, 32, 48, 64, 128, 256)
SUPERSAMPLE = 4
LIGHT = (236, 239, 244, 255)
DARK = (196, 203, 214, 255)
FRAME = (52, 62, 84, 255)
FIGURE = (38, 132, 255, 255)
FIGURE_SHADE = (22, 96, 214, 255)
CUT_LINE = (255, 255, 255, 255)


def rounded_mask(size: int, radius: float) -> Image.Image:
    """An L-mode mask of a rounded square filling ``size``."""
    mask = Image.new("L", (size, size), 0)
    ImageDraw.Draw(mask).rounded_rectangle((0, 0, size - 1, size - 1), radius=radius, fill=255)
    return mask


def checkerboard(size: int, cells: int) -> Image.Image:
    """A light/dark checkerboard of ``cells`` × ``cells`` squares."""
    board = Image.new("RGBA", (size, size), LIGHT)
    draw = ImageDraw.Draw(board)
    step = size / cells
    for row in range(cells):
        for col in range(cells):
            if (row + col) % 2:
                draw.rectangle((col * step, row * step, (col + 1) * step, (row + 1) * step), fill=DARK)
    return board


def silhouette(size: int) -> Image.Image:
    """An L-mode mask of a head and shoulders, centred low in a ``size`` square."""
    mask = Image.new("L", (size, size), 0)
    draw = ImageDraw.Draw(mask)
    s = size
    draw.ellipse((0.34 * s, 0.17 * s, 0.66 * s, 0.51 * s), fill=255)  # head
    draw.rounded_rectangle((0.18 * s, 0.56 * s, 0.82 * s, 1.10 * s), radius=0.22 * s, fill=255)  # shoulders
    return mask


def draw_icon(size: int) -> Image.Image:
    """The icon at ``size`` × ``size`` pixels (RGBA)."""
    big = size * SUPERSAMPLE
    cells = 4 if size <= 32 else 6
    tile = checkerboard(big, cells)
    figure = silhouette(big)
    outline = figure.filter(_dilate(big))
    tile.paste(Image.new("RGBA", (big, big), CUT_LINE), (0, 0), outline)
    body = Image.new("RGBA", (big, big), FIGURE)
    shade = Image.new("L", (big, big), 0)
    ImageDraw.Draw(shade).rectangle((big // 2, 0, big, big), fill=255)
    body.paste(Image.new("RGBA", (big, big), FIGURE_SHADE), (0, 0), shade)
    tile.paste(body, (0, 0), figure)
    frame_width = max(SUPERSAMPLE, round(big * 0.035))
    ImageDraw.Draw(tile).rounded_rectangle(
        (frame_width // 2, frame_width // 2, big - 1 - frame_width // 2, big - 1 - frame_width // 2),
        radius=big * 0.2, outline=FRAME, width=frame_width,
    )
    icon = Image.new("RGBA", (big, big), (0, 0, 0, 0))
    icon.paste(tile, (0, 0), rounded_mask(big, big * 0.2))
    return icon.resize((size, size), Image.Resampling.LANCZOS)


def _dilate(big: int) -> ImageFilter.MaxFilter:
    """A max filter that widens the silhouette into its white cut line."""
    width = max(3, round(big * 0.025)) | 1
    return ImageFilter.MaxFilter(width)


def encode(image: Image.Image, fmt: str, **params: object) -> bytes:
    """Encode an image in memory (written atomically afterwards)."""
    buf = io.BytesIO()
    image.save(buf, format=fmt, **params)
    return buf.getvalue()


def write_icons(out: Path) -> list[Path]:
    """Write u2studio.png (1024 px), u2studio.ico (16–256 px) and u2studio.icns (16–1024 px)."""
    icons = {size: draw_icon(size) for size in SIZES}
    written = [
        atomic_write_bytes(out / "u2studio.png", encode(icons[1024], "PNG", optimize=True)),
        atomic_write_bytes(
            out / "u2studio.ico",
            encode(icons[256], "ICO", sizes=[(s, s) for s in ICO_SIZES],
                   append_images=[icons[s] for s in ICO_SIZES if s != 256]),
        ),
        atomic_write_bytes(
            out / "u2studio.icns",
            encode(icons[1024], "ICNS", append_images=[icons[s] for s in (16, 32, 64, 128, 256, 512)]),
        ),
    ]
    return written


def main() -> int:
    """Command line: write the icons and list them with their sizes."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, default=ROOT / "resources" / "icons")
    args = parser.parse_args()
    for path in write_icons(args.out):
        print(f"{path}  {path.stat().st_size / 1024:.0f} KiB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
