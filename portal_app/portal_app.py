"""Builds the Reflex app, registers pages and HTTP routes, keeps the state folder private; nothing else."""

from __future__ import annotations

import asyncio
import logging
import os
import sys
import threading
from pathlib import Path

import reflex as rx

from portal_app import design, routes
from portal_app.api.http import api_app, back_office_hosts_only, old_reset_links, security_headers, upload_size_cap
from portal_app.components.boot import boot_scripts
from portal_app.components.layout import PAGES
from portal_app.components.pwa import calm_backend_error, head_components, status_overlay
from portal_app.integrations import disk_states, socket_guard

# Importing the page modules registers their pages (see components.layout.page).
from portal_app.pages.accounts import account, budget, home, saved, statement  # noqa: F401
from portal_app.pages.identity import (  # noqa: F401
    accessibility,
    forgot_password,
    not_found,
    record_change,
    register,
    register_code,
    reset_password,
    security,
    sign_in,
    sign_in_history,
    signed_out,
    start,
    two_step,
    your_details,
    your_details_email,
)
from portal_app.pages.mail import mailbox  # noqa: F401
from portal_app.pages.payments import direct_debit as direct_debit_page  # noqa: F401
from portal_app.pages.payments import new_plan, pay, result  # noqa: F401
from portal_app.pages.payments import plans as payment_plans  # noqa: F401
from portal_app.pages.repairs import detail as repair_detail  # noqa: F401
from portal_app.pages.repairs import mine as my_repairs  # noqa: F401
from portal_app.pages.repairs import new as new_repair  # noqa: F401
from portal_app.pages.requests import detail, mine, new  # noqa: F401
from portal_app.pages.rights import cookie_policy, data_request, my_data, privacy  # noqa: F401
from portal_app.pages.staff import audit as staff_audit  # noqa: F401
from portal_app.pages.staff import home as staff_home  # noqa: F401
from portal_app.pages.staff import imports as staff_imports  # noqa: F401
from portal_app.pages.staff import queue as staff_queue  # noqa: F401
from portal_app.pages.staff import registration as staff_registration  # noqa: F401
from portal_app.pages.staff import repair as staff_repair  # noqa: F401
from portal_app.pages.staff import repairs as staff_repairs  # noqa: F401
from portal_app.pages.staff import request as staff_request  # noqa: F401
from portal_app.pages.staff import resident as staff_resident  # noqa: F401
from portal_app.pages.staff import residents as staff_residents  # noqa: F401
from portal_app.pages.staff import set_up as staff_set_up  # noqa: F401
from portal_app.pages.staff import sign_in as staff_sign_in  # noqa: F401
from portal_app.pages.staff import team as staff_team  # noqa: F401
from portal_app.pages.tenancy import complaints as tenancy_complaints  # noqa: F401
from portal_app.pages.tenancy import details as tenancy_details  # noqa: F401
from portal_app.pages.tenancy import end as tenancy_end  # noqa: F401
from portal_app.pages.tenancy import exchange as tenancy_exchange  # noqa: F401
from portal_app.pages.tenancy import household as tenancy_household  # noqa: F401
from portal_app.pages.tenancy import letters as tenancy_letters  # noqa: F401
from portal_app.pages.tenancy import permissions as tenancy_permissions  # noqa: F401
from portal_app.settings import get_settings
from portal_app.state import cookie_jar
from portal_app.state.session import EndedSessionGuard

log = logging.getLogger("doorstep")


async def check_schema_then_run_worker():
    """Lifespan task: refuse to run on an old schema or a broken repairs triage file; then, when ``WORKER_IN_WEB`` says the
    web process runs the background work (the embedded default, no ``REDIS_URL``), run
    huey's consumer in a thread (``portal_app/worker.py``: mail every 2 seconds,
    housekeeping every 10 minutes). In the production profile the web workers run none:
    ``python -m portal_app worker`` does, as its own process."""
    from portal_app import worker
    from portal_app.db import SchemaNotCurrent, get_engine, require_current_schema

    try:
        await asyncio.to_thread(require_current_schema)
    except SchemaNotCurrent as exc:
        print(f"\nDoorstep will not start: {exc}\n", file=sys.stderr, flush=True)
        os._exit(3)
    from portal_app.services.repairs import triage

    try:  # the landlord's repairs triage tree (REPAIRS_TRIAGE_FILE): a broken one stops the start
        await asyncio.to_thread(triage.load, get_settings().repairs_triage_file or None)
    except (triage.TriageError, OSError) as exc:
        print(f"\nDoorstep will not start: the repairs triage file: {exc}\n", file=sys.stderr, flush=True)
        os._exit(3)
    from portal_app.services.tenancy import permissions as permissions_policy

    try:  # the landlord's permissions policy (docs/permissions.md): a broken one stops the start too
        await asyncio.to_thread(permissions_policy.load)
    except permissions_policy.PolicyError as exc:
        print(f"\nDoorstep will not start: the permissions policy file: {exc}\n", file=sys.stderr, flush=True)
        os._exit(3)
    if not get_settings().worker_in_web:
        log.info("background work: not in this web process (WORKER_IN_WEB is off); run `python -m portal_app worker`")
        return
    stop = threading.Event()
    try:
        # The worker logs a failed job and carries on; nothing queued is lost.
        await asyncio.to_thread(worker.run_forever, get_engine(), stop)
    finally:
        stop.set()


def keep_state_files_private(directory: Path | None = None) -> Path:
    """Make the folder Reflex pickles every state into (``.states/``, or
    REFLEX_STATES_WORKDIR) readable by the portal's own user only: mode 0700, corrected
    when it already exists wider. The files inside are written with the process's umask
    (0644 usually); with the folder closed, nobody else can reach them. Only this folder:
    a process-wide umask would also close the built pages another user may serve.
    Idempotent, so every worker running it at import is harmless."""
    from reflex.utils import prerequisites

    folder = directory or prerequisites.get_states_dir()
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    folder.chmod(0o700)  # mkdir's mode is cut by the umask, and skipped for a folder that exists
    return folder


# Before rx.App: the state (backend vars included) is pickled here, and it is personal.
keep_state_files_private()
# Expired states deleted once a minute, not after every write (integrations/disk_states.py).
disk_states.install()

app = rx.App(
    stylesheets=["/styles.css"],
    api_transformer=[api_app(), old_reset_links, back_office_hosts_only, upload_size_cap, security_headers],
    head_components=[
        *boot_scripts(),  # first: sets window.doorstep and html[data-kiosk] before anything else runs
        rx.el.meta(name="theme-color", content=design.colour("brand")),
        rx.el.meta(
            name="description", content=f"{get_settings().landlord_name} tenants' and leaseholders' self-service portal"
        ),
        *head_components(),
    ],
    toaster=None,  # the portal does not use toasts: no toast library in the bundle
    backend_exception_handler=calm_backend_error,
    html_lang="en-GB",
)
# Hostile websocket clients: malformed frames, unknown handlers, wrong arguments are
# refused before any handler, with one short escaped log line, and a client that keeps
# sending them is disconnected; messages are capped at 64 KiB (integrations/socket_guard.py).
socket_guard.install(app)
# Our offline and update banners in place of Reflex's "Cannot connect to server" toast
# (the error boundary and the other wraps stay as Reflex sets them).
app.app_wraps[(5, "Overlay")] = lambda stateful: status_overlay() if stateful else None

for render, route, title, loaders in PAGES:
    if route == routes.DEV_MAILBOX and not get_settings().is_dev:
        continue
    app.add_page(render, route=route, title=title.var(), on_load=loaders)

# The session cookie comes out of the websocket's headers before Reflex keeps them in
# state, and a tab whose session has ended is emptied before it is hydrated.
cookie_jar.install()
app.add_middleware(EndedSessionGuard())

app.register_lifespan_task(check_schema_then_run_worker)
