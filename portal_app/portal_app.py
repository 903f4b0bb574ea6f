"""Builds the Reflex app, registers pages and HTTP routes, nothing else."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import sys

import reflex as rx

from portal_app import routes
from portal_app.api.http import api_app, security_headers
from portal_app.components.layout import PAGES
from portal_app.settings import get_settings

# Importing the page modules registers their pages (see components.layout.page).
from portal_app.pages import home, mailbox, password_reset, register, security, sign_in, start  # noqa: F401

log = logging.getLogger("doorstep")


async def check_schema_then_send_mail():
    """Lifespan task: refuse to run on an old schema; then deliver the outbox every 2 seconds."""
    from portal_app.clock import utcnow
    from portal_app.db import SchemaNotCurrent, get_engine, require_current_schema
    from portal_app.integrations.mail import transport_for
    from portal_app.services.outbox import deliver_due

    try:
        await asyncio.to_thread(require_current_schema)
    except SchemaNotCurrent as exc:
        print(f"\nDoorstep will not start: {exc}\n", file=sys.stderr, flush=True)
        os._exit(3)
    engine = get_engine()
    transport = transport_for(get_settings().smtp_url)
    while True:
        with contextlib.suppress(Exception):
            await asyncio.to_thread(deliver_due, engine, transport, utcnow())
        await asyncio.sleep(2.0)


app = rx.App(
    stylesheets=["/styles.css"],
    api_transformer=[api_app(), security_headers],
    head_components=[
        rx.el.meta(name="theme-color", content="#1d4f91"),
        rx.el.meta(name="description", content=f"{get_settings().landlord_name} tenants' and leaseholders' self-service portal"),
    ],
    html_lang="en-GB",
)

for render, route, title, loaders in PAGES:
    if route == routes.DEV_MAILBOX and not get_settings().is_dev:
        continue
    app.add_page(render, route=route, title=title, on_load=loaders)

app.register_lifespan_task(check_schema_then_send_mail)
