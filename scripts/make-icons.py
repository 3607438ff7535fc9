#!/usr/bin/env python3
"""Draws Pare's app icon and writes the RGBA PNGs that tauri.conf.json names.

Needs Pillow (run it from a virtualenv outside the repository), e.g.:
    python3 -m venv /tmp/pare-icons && /tmp/pare-icons/bin/pip install pillow
    /tmp/pare-icons/bin/python scripts/make-icons.py
The logo is drawn from shapes (no fonts), so the output is the same everywhere.
"""

from pathlib import Path

from PIL import Image, ImageDraw

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "icons"
FAVICON = ROOT / "ui" / "public" / "favicon.png"

BASE = 1024  # drawing resolution; every size is downsampled from it
TEAL = (31, 111, 92, 255)
WHITE = (255, 255, 255, 255)
AMBER = (242, 169, 59, 255)

SIZES = {
    "32x32.png": 32,
    "128x128.png": 128,
    "128x128@2x.png": 256,
    "icon.png": 512,
}


def draw_logo() -> Image.Image:
    img = Image.new("RGBA", (BASE, BASE), (0, 0, 0, 0))
    d = ImageDraw.Draw(img)
    margin = 48
    d.rounded_rectangle((margin, margin, BASE - margin, BASE - margin), radius=200, fill=TEAL)

    # A geometric "P": a stem and a bowl (ring).
    stem_left, stem_right = 300, 420
    top, bottom = 230, 800
    d.rectangle((stem_left, top, stem_right, bottom), fill=WHITE)
    bowl = (300, top, 740, 590)
    d.rounded_rectangle(bowl, radius=180, fill=WHITE)
    d.rectangle((stem_left, top, 520, 590), fill=WHITE)  # square the bowl's left side
    d.rounded_rectangle((420, top + 115, 620, 590 - 115), radius=70, fill=TEAL)

    # The "pare" cut: an amber slice trimming the stem's foot.
    d.polygon([(250, 760), (470, 690), (470, 740), (250, 810)], fill=AMBER)
    return img


def main() -> None:
    logo = draw_logo()
    OUT.mkdir(parents=True, exist_ok=True)
    for name, size in SIZES.items():
        logo.resize((size, size), Image.Resampling.LANCZOS).save(OUT / name, format="PNG")
        print(f"wrote {OUT / name} ({size}x{size} RGBA)")
    FAVICON.parent.mkdir(parents=True, exist_ok=True)
    logo.resize((64, 64), Image.Resampling.LANCZOS).save(FAVICON, format="PNG")
    print(f"wrote {FAVICON}")


if __name__ == "__main__":
    main()
