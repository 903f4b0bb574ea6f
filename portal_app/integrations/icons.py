"""The app icons, drawn by the project (no copied artwork).

``python -m portal_app make-icons`` writes ``assets/icons/`` and ``assets/favicon.ico``: a house with an open
door on the portal's blue, at 192 and 512 pixels, and a maskable 512 whose drawing
sits inside the central safe zone (a circle of 40% of the size) so launchers can
crop it to any shape. Drawn at four times the size and scaled down, for smooth edges.
"""

from __future__ import annotations

from pathlib import Path

from PIL import Image, ImageDraw

from portal_app import design

BLUE = design.rgba("brand")  # the theme colour
WHITE = design.rgba("white")
YELLOW = design.rgba("focus")  # the door: the focus colour of the stylesheet

ICONS = {
    "icon-192.png": (192, False),
    "icon-512.png": (512, False),
    "icon-maskable-512.png": (512, True),
    "apple-touch-icon.png": (180, False),
}


def draw_icon(size: int, *, maskable: bool) -> Image.Image:
    scale = 4
    big = size * scale
    img = Image.new("RGBA", (big, big), (0, 0, 0, 0))
    d = ImageDraw.Draw(img)
    if maskable:
        d.rectangle([0, 0, big, big], fill=BLUE)  # full bleed: the launcher cuts the shape
        art = 0.56  # the house fits well inside the 80% safe circle
    else:
        d.rounded_rectangle([0, 0, big - 1, big - 1], radius=int(big * 0.18), fill=BLUE)
        art = 0.72
    side = big * art
    left = (big - side) / 2
    top = (big - side) / 2
    # Roof: a triangle over the top 42% of the drawing.
    roof_bottom = top + side * 0.42
    d.polygon([(left, roof_bottom), (big / 2, top), (left + side, roof_bottom)], fill=WHITE)
    # Walls.
    wall_left = left + side * 0.14
    wall_right = left + side * 0.86
    d.rectangle([wall_left, roof_bottom - 1, wall_right, top + side], fill=WHITE)
    # The door, open: a yellow doorway with a blue step.
    door_w = side * 0.26
    door_left = big / 2 - door_w / 2
    door_top = top + side * 0.56
    d.rectangle([door_left, door_top, door_left + door_w, top + side], fill=YELLOW)
    d.rectangle(
        [door_left - side * 0.05, top + side - side * 0.045, door_left + door_w + side * 0.05, top + side], fill=BLUE
    )
    return img.resize((size, size), Image.LANCZOS)


def write_icons(assets: Path) -> list[Path]:
    """Write assets/icons/* and assets/favicon.ico."""
    folder = assets / "icons"
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, (size, maskable) in ICONS.items():
        path = folder / name
        icon = draw_icon(size, maskable=maskable)
        if name == "apple-touch-icon.png":  # iOS shows transparency as black
            flat = Image.new("RGBA", icon.size, BLUE)
            flat.alpha_composite(icon)
            icon = flat
        icon.save(path, optimize=True)
        written.append(path)
    # Browsers still ask for /favicon.ico: answer it rather than log a 404.
    favicon = assets / "favicon.ico"
    draw_icon(48, maskable=False).save(favicon, sizes=[(16, 16), (32, 32), (48, 48)])
    written.append(favicon)
    return written
