"""Charts: the Plotly figures and the accessible wrapper they are shown in.

A chart is never the only way to read its figures: ``chart()`` puts the Plotly drawing
in a ``<figure>``, hides the drawing from screen readers (``aria-hidden``: its SVG is
noise read aloud) and gives it a ``<figcaption>`` that says what it shows in words or
points to the table with the same figures. The colours and fonts come from the design
tokens, so the charts match the stylesheet.

Plotly's JavaScript is only in the pages that call ``chart()`` (the account page and the
budget planner): import this module from those pages only. Even there it is fetched only
once there is something to draw where the resident can see it: the budget planner waits
for an amount paid out, and the account page for its chart to scroll onto the screen
(``when_seen``): at 3.6 s, Plotly's 288 KiB made the account page's largest paint twice
the empty app's on a phone (``make lighthouse``, docs/measurements.md). The figures are built two
ways: ``balance_chart`` in Python (the account's balance over time, plain figure JSON
sent as state),
``bars_js`` as a JavaScript expression evaluated in the browser (the budget planner,
which works offline with no server).
"""

from __future__ import annotations

import json
from datetime import date

import reflex as rx
from reflex_base.utils.imports import ImportVar
from reflex_base.vars.base import Var, VarData

from portal_app import design

CONFIG = {"displayModeBar": False, "responsive": True}


def _base_layout(*, font_size: int | None = None) -> dict:
    font: dict = {"family": design.CHART_FONT_FAMILY}
    if font_size:
        font["size"] = font_size
    return {"paper_bgcolor": design.colour("white"), "plot_bgcolor": design.colour("white"), "font": font}


def balance_chart(series: list[tuple[date, int]] | tuple[tuple[date, int], ...]) -> dict:
    """A step line of the balance (pence) after each posting (``ledger.chart_points``); above 0 is owed.

    The plain figure JSON the page's state keeps (its data and layout), written out
    directly: building a ``go.Figure`` and serialising it cost a few milliseconds on every
    account page event. Plotly's template (some 7 KB) is left out: ``rx.plotly`` merges it
    in the browser, so the drawing is the same and the state holds only the points."""
    return {
        "data": [
            {
                "x": [d.isoformat() for d, _ in series],
                "y": [round(p / 100, 2) for _, p in series],
                "mode": "lines",
                "line": {"color": design.colour("brand"), "width": 2, "shape": "hv"},
                "hovertemplate": "%{x|%d %b %Y}: £%{y:,.2f}<extra></extra>",
                "name": "Balance",
                "type": "scatter",
            }
        ],
        "layout": {
            "margin": {"l": 56, "r": 12, "t": 12, "b": 40},
            "height": 260,
            "showlegend": False,
            "yaxis": {
                "title": {"text": "Owed (£); below 0 is credit"},
                "zeroline": True,
                "zerolinecolor": design.colour("text"),
                "tickprefix": "£",
            },
            "xaxis": {"type": "date"},
            **_base_layout(),
        },
    }


def bars_js(rows_js: str, *, axis_title: str, hover_suffix: str) -> str:
    """A JavaScript expression for a horizontal bar figure, built in the browser.

    ``rows_js`` is a JavaScript expression for ``[[label, pence], ...]``; bars of £0 are
    left out and the rest are drawn largest first, one bar's height apart."""
    layout = {
        "margin": {"l": 170, "r": 16, "t": 8, "b": 40},
        "showlegend": False,
        "xaxis": {"title": {"text": axis_title}, "tickprefix": "£", "rangemode": "tozero"},
        "yaxis": {"automargin": True},
        **_base_layout(font_size=design.CHART_FONT_SIZE),
    }
    hover = json.dumps("%{y}: \u00a3%{x:,.2f}" + hover_suffix + "<extra></extra>")
    return (
        f'((rows) => ({{data: [{{type: "bar", orientation: "h", marker: {{color: {json.dumps(design.colour("brand"))}}},'
        f" y: rows.map((r) => r[0]), x: rows.map((r) => r[1] / 100),"
        f" hovertemplate: {hover}}}],"
        f" layout: {{...{json.dumps(layout)}, height: Math.max(160, 60 + 34 * rows.length)}}}}))"
        f"(({rows_js}).filter((r) => r[1] > 0).sort((a, b) => b[1] - a[1]))"
    )


def chart(
    data: rx.Var,
    caption,
    *,
    static: bool = False,
    class_name: str = "",
    caption_class: str = "caption",
    drawn_when: Var | None = None,
) -> rx.Component:
    """The figure: the drawing (hidden from screen readers) and its caption in words.
    With ``drawn_when`` (``when_seen``), the drawing, and Plotly with it, waits until it is
    true; the caption is there from the start, and the drawing's space (``.chart``'s
    minimum height) keeps the page from moving when it arrives."""
    config = {**CONFIG, "staticPlot": True} if static else CONFIG
    drawing = rx.plotly.basic(data=data, config=config, use_resize_handler=True, style={"width": "100%"})
    return rx.el.figure(
        rx.el.div(
            drawing if drawn_when is None else rx.cond(drawn_when, drawing, rx.fragment()),
            aria_hidden="true",
            class_name=" ".join(filter(None, ["chart", class_name])),
        ),
        rx.el.figcaption(caption, class_name=caption_class),
    )


def when_seen(element_id: str, key: str) -> Var:
    """True once any of the element ``element_id`` is on the screen (or the page is
    printed); false until then, so a chart's drawing, and Plotly with it, can wait
    (``chart(..., drawn_when=when_seen(...))``). Without IntersectionObserver (a very
    old browser) it is true at once. ``key`` names the
    browser-only flag (one per chart on a page)."""
    flag = rx._x.client_state(f"doorstepseen{key}", default=False)
    setter = str(flag.set)
    effect = (
        "useEffect(() => {"
        f" const show = () => {setter}?.(true);"
        f" const el = document.getElementById({json.dumps(element_id)});"
        ' if (!el || !("IntersectionObserver" in window)) { show(); return; }'
        " const seen = new IntersectionObserver((entries) => {"
        " if (entries.some((e) => e.isIntersecting)) { show(); seen.disconnect(); } });"
        " seen.observe(el);"
        ' window.addEventListener("beforeprint", show);'
        ' return () => { seen.disconnect(); window.removeEventListener("beforeprint", show); };'
        " }, [])"
    )
    return Var(
        _js_expr=str(flag.value),
        _var_type=bool,
        _var_data=VarData.merge(
            flag.value._get_all_var_data(),
            flag.set._get_all_var_data(),
            VarData(hooks={effect: None}, imports={"react": [ImportVar(tag="useEffect")]}),
        ),
    )
