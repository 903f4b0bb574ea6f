"""One table for every list of figures: a caption, header cells with ``scope``, numbers
right-aligned, and a layout that keeps the money on a phone's screen.

``table(caption, columns, rows=..., label=...)`` draws a ``<table class="table">`` inside
a labelled, focusable region (``.table-wrap``: ``role="region"``, ``aria-label``,
``tabindex=0``, a visible focus ring), so a table wider than the screen scrolls sideways
by keyboard as well as by touch. With ``stack=True`` (tables of more than three columns)
each row becomes a small block below 40rem: the row's header cell on a line of its own,
then every other cell on its own line with its column's heading beside it (the cell's
``data-label``, drawn by the stylesheet), so no amount is ever off the edge at 320px.
Stacked tables also carry their table roles in ARIA, because browsers forget a table's
semantics once its rows are no longer displayed as a table.

Rows come from a list Var (``rows=``, drawn with ``rx.foreach``: a dict per row, each
column's cell is ``row[column.key]`` unless the column has its own ``render``) and/or as
components already built with ``row()`` (``body=``, drawn first: a statement's opening
balance, or the budget planner's lines, whose cells are JavaScript expressions).
``foot=`` takes rows built with ``row()`` too.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import reflex as rx


@dataclass(frozen=True)
class Column:
    heading: str
    key: str = ""
    numeric: bool = False  # right-aligned, never wrapped (money)
    row_header: bool = False  # this column's cells are <th scope="row">: they name the row
    hide_heading: bool = False  # the heading is for screen readers only (a column of links)
    render: Callable[[rx.Var], Any] | None = None  # the cell's content from the row, if not row[key]


def _content(parts: Any) -> tuple:
    if isinstance(parts, (list, tuple)):
        return tuple(parts)
    return (parts,)


def _roles(stack: bool, role: str) -> dict:
    return {"role": role} if stack else {}


def cell(column: Column, content: Any, *, stack: bool = False) -> rx.Component:
    """One body or footer cell, as the column says: a row header or a data cell."""
    numeric = {"class_name": "num"} if column.numeric else {}
    if column.row_header:
        return rx.el.th(*_content(content), scope="row", **numeric, **_roles(stack, "rowheader"))
    if stack and not column.hide_heading:
        # The value in a span of its own, so that on a phone the heading (data-label) and the
        # value sit side by side in two grid columns, however many lines either takes.
        return rx.el.td(
            rx.el.span(*_content(content), class_name="table__value"),
            data_label=column.heading,
            **numeric,
            **_roles(stack, "cell"),
        )
    return rx.el.td(*_content(content), **numeric, **_roles(stack, "cell"))


def row(columns: Sequence[Column], contents: Sequence[Any], *, stack: bool = False, **props) -> rx.Component:
    """A row of cells for ``body=`` or ``foot=``: one content per column ("" for an empty cell)."""
    if len(columns) != len(contents):
        raise ValueError(f"{len(contents)} cells for {len(columns)} columns")
    return rx.el.tr(*[cell(c, x, stack=stack) for c, x in zip(columns, contents)], **_roles(stack, "row"), **props)


def _heading(column: Column, stack: bool) -> rx.Component:
    text = rx.el.span(column.heading, class_name="visually-hidden") if column.hide_heading else column.heading
    return rx.el.th(
        text, scope="col", **({"class_name": "num"} if column.numeric else {}), **_roles(stack, "columnheader")
    )


def table(
    caption: Any,
    columns: Sequence[Column],
    rows: rx.Var | None = None,
    *,
    label: str,
    body: Sequence[rx.Component] = (),
    foot: Sequence[rx.Component] = (),
    caption_hidden: bool = False,
    stack: bool = False,
    class_name: str = "",
) -> rx.Component:
    """The table in its labelled region. ``caption`` is text or a tuple of texts and Vars;
    ``label`` names the region (what a screen reader's landmarks list shows)."""
    if rows is None and not body:
        raise ValueError("a table needs rows= (a list Var) or body= (rows built with row())")
    body_rows = list(body)  # rows built with row() come first (a statement's opening balance)
    if rows is not None:

        def draw(item: rx.Var) -> rx.Component:
            return row(columns, [c.render(item) if c.render else item[c.key] for c in columns], stack=stack)

        body_rows.append(rx.foreach(rows, draw))
    parts = [
        rx.el.caption(*_content(caption), class_name="visually-hidden" if caption_hidden else None),
        rx.el.thead(
            rx.el.tr(*[_heading(c, stack) for c in columns], **_roles(stack, "row")), **_roles(stack, "rowgroup")
        ),
        rx.el.tbody(*body_rows, **_roles(stack, "rowgroup")),
    ]
    if foot:
        parts.append(rx.el.tfoot(*foot, **_roles(stack, "rowgroup")))
    classes = " ".join(filter(None, ["table", "table--stack" if stack else "", class_name]))
    return rx.el.div(
        rx.el.table(*parts, class_name=classes, **_roles(stack, "table")),
        class_name="table-wrap",
        tab_index=0,
        role="region",
        aria_label=label,
    )
