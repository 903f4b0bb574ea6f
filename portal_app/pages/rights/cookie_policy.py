"""The cookie page: every cookie and piece of browser storage the portal uses, each with
its purpose and lifetime (``services/rights/notices.storage_items``, built from
``identity.cookies.KINDS`` and the page scripts' own keys). All strictly necessary, so
there is no consent banner, and the page says so."""

from __future__ import annotations

import reflex as rx

from portal_app import routes
from portal_app.components import tables
from portal_app.components.layout import page
from portal_app.services.rights import notices
from portal_app.settings import get_settings

STORAGE_COLUMNS = (
    tables.Column("Name", row_header=True),
    tables.Column("Kind"),
    tables.Column("What it is for"),
    tables.Column("How long it lasts"),
    tables.Column("Who gets it"),
)
SECTIONS = (
    ("Cookies", (notices.COOKIE,)),
    ("Browser storage", (notices.SESSION_STORAGE, notices.LOCAL_STORAGE)),
    ("The offline app", (notices.CACHE_STORAGE, notices.SERVICE_WORKER)),
)


def _table(title: str, kinds: tuple[str, ...]) -> rx.Component:
    items = [item for item in notices.storage_items(get_settings()) if item.where in kinds]
    return tables.table(
        title,
        STORAGE_COLUMNS,
        label=title,
        body=[
            tables.row(
                STORAGE_COLUMNS, [rx.el.code(item.name), item.where, item.purpose, item.lifetime, item.who], stack=True
            )
            for item in items
        ],
        stack=True,
    )


@page(routes.COOKIES, "Cookies")
def cookies_page() -> rx.Component:
    return rx.fragment(
        rx.el.h1("Cookies"),
        rx.el.p(
            "Cookies are small files a website keeps in your browser. Browser storage is the same idea, kept in "
            "the browser for this site only. This page lists every one the portal uses."
        ),
        rx.el.div(
            rx.el.p(
                "All of them are strictly necessary: they make the portal work, keep your sign-in safe, or keep "
                "something you chose to keep (a statement, your budget planner figures). We do not use "
                "advertising, analytics or tracking cookies, and no other organisation sets cookies through the "
                "portal. So we do not ask you to accept cookies."
            ),
            class_name="inset",
        ),
        *[rx.fragment(rx.el.h2(title), _table(title, kinds)) for title, kinds in SECTIONS],
        rx.el.p(
            "Over a secure connection (https) every cookie whose name starts ",
            rx.el.code("__Host-"),
            " can be sent only to this site. On a developer's computer without https the same cookies are "
            "called without that start, for example ",
            rx.el.code("doorstep_session"),
            ".",
        ),
        rx.el.p(
            "On a shared screen in our offices the portal keeps nothing in the browser after you sign out: no "
            "saved statements, no budget planner figures and no offline app."
        ),
        rx.el.p(
            "You can delete cookies and browser storage in your browser's settings. If you do, you will be signed "
            "out, and statements saved on the device and budget planner figures will be gone."
        ),
        rx.el.p(rx.el.a("Read our privacy notice", href=routes.PRIVACY), "."),
    )
