"""The design tokens (portal_app/design.py) are the one source of the portal's colours:
the stylesheet, the app icons, the manifest, the offline page and the Python that draws
charts and statements all take them from there."""

from __future__ import annotations

import json
import re

from portal_app import design
from portal_app.integrations import icons, pwa
from portal_app.settings import PROJECT_ROOT

ASSETS = PROJECT_ROOT / "assets"
STYLESHEET = ASSETS / "styles.css"
HEX_COLOUR = re.compile(r"#[0-9a-fA-F]{6}\b|#[0-9a-fA-F]{3}\b")
COLOUR_LITERAL = re.compile(HEX_COLOUR.pattern + r"|(?<![\w.-])(?:rgba?|hsla?)\(")


def _outside_the_token_block(css: str) -> str:
    start, end = css.index(design.CSS_START), css.index(design.CSS_END) + len(design.CSS_END)
    return css[:start] + css[end:]


def test_the_css_colours_are_the_design_tokens():
    css = STYLESHEET.read_text()
    assert design.css_custom_properties() in css, (
        "assets/styles.css has an old copy of the tokens: run python -m portal_app.design"
    )


def test_the_stylesheet_spells_out_no_colour_of_its_own():
    rest = _outside_the_token_block(STYLESHEET.read_text())
    assert COLOUR_LITERAL.findall(rest) == []


def test_every_colour_the_stylesheet_uses_is_a_token():
    used = set(re.findall(r"var\(--colour-([a-z-]+)\)", STYLESHEET.read_text()))
    assert used and used <= set(design.COLOURS)


def test_rewriting_the_stylesheet_from_the_tokens_changes_nothing_else(tmp_path):
    copy = tmp_path / "styles.css"
    copy.write_text(STYLESHEET.read_text().replace("--colour-brand: #1d4f91;", "--colour-brand: #000000;"))
    design.main([str(copy)])
    assert copy.read_text() == STYLESHEET.read_text()


def test_the_warning_button_has_one_look():
    css = STYLESHEET.read_text()
    assert len(re.findall(r"^\.button--warning \{", css, re.MULTILINE)) == 1
    assert len(re.findall(r"^\.button--warning:hover \{", css, re.MULTILINE)) == 1
    # The red that residents see today (GOV.UK's warning button), not the error-text red.
    assert design.colour("warning") == "#d4351c"
    assert ".button--warning { background: var(--colour-warning);" in css


def test_no_python_module_but_the_tokens_spells_out_a_colour():
    found = []
    for path in sorted((PROJECT_ROOT / "portal_app").rglob("*.py")):
        if path.name == "design.py":
            continue
        for number, line in enumerate(path.read_text().splitlines(), 1):
            if HEX_COLOUR.search(line):
                found.append(f"{path.relative_to(PROJECT_ROOT)}:{number}: {line.strip()}")
    assert found == []


def test_the_icons_are_drawn_in_the_brand_blue_and_the_focus_yellow():
    assert icons.BLUE == (29, 79, 145, 255) == design.rgba("brand")
    assert icons.YELLOW == design.rgba("focus")
    assert icons.draw_icon(192, maskable=True).getpixel((0, 0)) == design.rgba("brand")


def test_the_phone_paints_its_bars_in_the_brand_blue_before_and_after_a_build(tmp_path):
    committed = json.loads((ASSETS / "manifest.webmanifest").read_text())
    assert committed["theme_color"] == design.colour("brand")
    assert f'<meta name="theme-color" content="{design.colour("brand")}">' in (ASSETS / "offline.html").read_text()
    (tmp_path / "manifest.webmanifest").write_text(
        json.dumps(committed | {"theme_color": "#000000", "background_color": "#000000"})
    )
    pwa.write_manifest(tmp_path, "Riverside Homes")
    built = json.loads((tmp_path / "manifest.webmanifest").read_text())
    assert (built["theme_color"], built["background_color"]) == (design.colour("brand"), design.colour("white"))


def test_a_colour_for_the_pdf_is_its_red_green_and_blue():
    assert design.rgb("brand") == (29, 79, 145)
    assert design.rgb("print-rule") == (200, 200, 200)
