"""The design tokens: every colour, and the spacing and type sizes, in one place.

Plain Python with no imports from the app, so every layer may read it: the pages and
components (reflex), the Plotly figures, the statement PDF and HTML in services, the app
icons and the manifest in integrations. It sits at the top of the package rather than in
``components/`` (which is reflex UI that services must not import) or ``services/``
(where ``tokens.py`` already means random secrets).

The stylesheet carries the same values as CSS custom properties: the ``:root`` block at
the top of ``assets/styles.css`` is written from here (``python -m portal_app.design``)
and a unit test fails when the two disagree. The rest of the stylesheet says
``var(--colour-brand)``, never a colour literal.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

# --- Colours (GOV.UK Frontend's palette, with the landlord's blue as the brand) --------

COLOURS: dict[str, str] = {
    "text": "#0b0c0c",
    "secondary": "#484949",  # secondary text: hints, captions, the footer
    "brand": "#1d4f91",  # the header, card tops, the chart lines, the icons, theme-color
    "brand-dark": "#123562",
    "brand-tint": "#eef3fa",  # the "saved copy" panel of a statement kept on the device
    "link": "#1a4f9c",
    "link-visited": "#4c2c92",
    "focus": "#ffdd00",
    "error": "#b3261e",  # error text, borders and the arrears balance
    "success": "#00703c",  # the ordinary (green) button
    "success-hover": "#005a30",
    "success-shadow": "#002d18",
    "secondary-button-hover": "#dbdad9",
    "secondary-button-shadow": "#858686",
    "warning": "#d4351c",  # the warning (red) button
    "warning-hover": "#aa2a16",
    "warning-shadow": "#55150b",
    "border": "#b1b4b6",
    "panel": "#f3f2f1",
    "white": "#ffffff",
    "offline": "#fff7bf",  # the offline banner
    "scrim": "rgba(11, 12, 12, 0.8)",  # behind the kiosk's "are you still there?" dialog
    "tag": "#d2e2f1",
    "tag-text": "#0c2d4a",
    "tag-done": "#cce2d8",
    "tag-done-text": "#005a30",
    "tag-declined": "#f4cdc6",
    "tag-declined-text": "#2a0b06",
    # The printed statement (PDF): hairlines, the header row's shading, the footer text.
    "print-rule": "#c8c8c8",
    "print-shade": "#ebebeb",
    "print-footer": "#505050",
}

# --- Spacing and type -------------------------------------------------------------------

SPACE: dict[str, str] = {"1": "0.25rem", "2": "0.5rem", "3": "0.75rem", "4": "1rem", "5": "1.5rem", "6": "2rem"}

FONT_SIZES: dict[str, str] = {
    "xl": "2rem",  # h1, the balance
    "l": "1.5rem",  # h2, a page's legend, what is left in the budget
    "m": "1.2rem",  # h3, a statement's closing words
    "body": "1.125rem",
    "s": "1rem",  # captions, hints, tables, the footer
}

FONT_FAMILY = 'system-ui, -apple-system, "Segoe UI", Roboto, Arial, sans-serif'
CHART_FONT_FAMILY = "Arial, sans-serif"  # Plotly measures text in SVG: a font every device has
CHART_FONT_SIZE = 14


def colour(name: str) -> str:
    return COLOURS[name]


def rgb(name: str) -> tuple[int, int, int]:
    """A hex colour as (r, g, b), for fpdf2 and Pillow: rgb("brand") == (29, 79, 145)."""
    value = COLOURS[name]
    if not re.fullmatch(r"#[0-9a-f]{6}", value):
        raise ValueError(f"{name} is {value}, not a #rrggbb colour")
    return int(value[1:3], 16), int(value[3:5], 16), int(value[5:7], 16)


def rgba(name: str, alpha: int = 255) -> tuple[int, int, int, int]:
    return (*rgb(name), alpha)


# --- The stylesheet's custom properties -------------------------------------------------

CSS_START = "/* Design tokens: written from portal_app/design.py (python -m portal_app.design); do not edit here. */"
CSS_END = "/* End of design tokens. */"


def css_custom_properties() -> str:
    """The ``:root`` block of assets/styles.css, between its two marker comments."""
    lines = [CSS_START, ":root {"]
    lines += [f"  --colour-{name}: {value};" for name, value in COLOURS.items()]
    lines += [f"  --space-{name}: {value};" for name, value in SPACE.items()]
    lines += [f"  --font-size-{name}: {value};" for name, value in FONT_SIZES.items()]
    lines += [f"  --font-family: {FONT_FAMILY};", "}", CSS_END]
    return "\n".join(lines)


def with_custom_properties(css: str) -> str:
    """``css`` with its token block replaced by the current one."""
    start, end = css.index(CSS_START), css.index(CSS_END) + len(CSS_END)
    return css[:start] + css_custom_properties() + css[end:]


STYLESHEET = Path(__file__).resolve().parent.parent / "assets" / "styles.css"


def main(argv: list[str]) -> int:
    """``python -m portal_app.design``: rewrite the token block of assets/styles.css."""
    path = Path(argv[0]) if argv else STYLESHEET
    path.write_text(with_custom_properties(path.read_text()))
    print(f"Wrote the design tokens into {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
