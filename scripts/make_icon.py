#!/usr/bin/env python3
"""Draw assets/manul-icon.png: a 64x64 stylised Pallas's cat face.

Usage:
    python scripts/make_icon.py [OUT] [--size N]

Needs only Pillow (``pip install pillow``; used: Pillow 13.0). Pillow is not
a project dependency; it is only needed to regenerate the icon.
No fonts, no network: everything is drawn from simple shapes on a large
canvas and downsampled (LANCZOS) for smooth anti-aliased edges.
"""

from __future__ import annotations

import argparse

from PIL import Image, ImageDraw

SS = 256  # supersampled canvas; every coordinate below is on this 256 grid

FUR = (184, 165, 138, 255)  # warm sandy grey
FUR_LIGHT = (232, 222, 204, 255)  # pale muzzle / brows
OUTLINE = (92, 74, 58, 255)  # dark warm brown
EAR_IN = (150, 120, 100, 255)
EYE = (226, 176, 64, 255)  # amber
PUPIL = (40, 32, 28, 255)
NOSE = (120, 84, 76, 255)


def draw(size: int = 64) -> Image.Image:
    img = Image.new("RGBA", (SS, SS), (0, 0, 0, 0))
    d = ImageDraw.Draw(img)
    ow = 9  # outline width on the 256 grid (~2 px at 64)

    # Ears: small, wide-set, low and rounded-ish (manul ears are short).
    for sx in (-1, 1):
        cx = 128 + sx * 74
        ear = [(cx - sx * 40, 84), (cx + sx * 26, 28), (cx + sx * 34, 110)]
        d.polygon(ear, fill=FUR, outline=OUTLINE, width=ow)
        inner = [(cx - sx * 18, 84), (cx + sx * 18, 50), (cx + sx * 22, 96)]
        d.polygon(inner, fill=EAR_IN)

    # Head: a broad, slightly flattened circle.
    head = (22, 54, 234, 246)
    d.ellipse(head, fill=FUR, outline=OUTLINE, width=ow)

    # Pale muzzle / cheeks.
    d.ellipse((70, 146, 128, 206), fill=FUR_LIGHT)
    d.ellipse((128, 146, 186, 206), fill=FUR_LIGHT)
    d.ellipse((92, 168, 164, 222), fill=FUR_LIGHT)

    # Forehead spots (manul have dark dots on the crown).
    for x, y in ((104, 84), (128, 78), (152, 84), (116, 100), (140, 100)):
        d.ellipse((x - 6, y - 6, x + 6, y + 6), fill=OUTLINE)

    # Dark cheek stripes running back from the eyes.
    for sx in (-1, 1):
        x0 = 128 + sx * 72
        d.line([(x0, 156), (x0 + sx * 30, 166)], fill=OUTLINE, width=8)
        d.line([(x0 - sx * 4, 174), (x0 + sx * 26, 188)], fill=OUTLINE, width=8)

    # Eyes: amber with round pupils, pale brows above.
    for sx in (-1, 1):
        ex = 128 + sx * 46
        d.ellipse((ex - 26, 104, ex + 26, 118), fill=FUR_LIGHT)
        d.ellipse((ex - 22, 116, ex + 22, 158), fill=EYE, outline=OUTLINE, width=6)
        d.ellipse((ex - 10, 126, ex + 10, 148), fill=PUPIL)
        d.ellipse((ex - 6, 126, ex + 2, 134), fill=(255, 255, 255, 255))

    # Nose and mouth.
    d.polygon([(112, 166), (144, 166), (128, 184)], fill=NOSE)
    d.line([(128, 184), (128, 196)], fill=OUTLINE, width=5)
    d.arc((104, 184, 128, 208), start=20, end=160, fill=OUTLINE, width=5)
    d.arc((128, 184, 152, 208), start=20, end=160, fill=OUTLINE, width=5)

    return img.resize((size, size), Image.LANCZOS)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("out", nargs="?", default="assets/manul-icon.png")
    ap.add_argument("--size", type=int, default=64)
    args = ap.parse_args(argv)
    draw(args.size).save(args.out, optimize=True)
    print(f"wrote {args.out} ({args.size}x{args.size})")


if __name__ == "__main__":
    main()
