"""The app on the device: head links and scripts, the offline and update banners, the
install offer, and the calm "you're offline" text pages show instead of defaults.

The banners replace Reflex's default overlay (its red "Cannot connect to server"
toast): ``portal_app.py`` puts ``status_overlay`` in Reflex's "Overlay" app wrap. The script (assets/pwa.js) is
static, loaded with ``defer`` from the prerendered HTML (``rx.el.script``, not
``rx.script``, which is injected too late to register a service worker).
"""

from __future__ import annotations

import json

import reflex as rx
from reflex_base.vars.base import Var
from reflex_components_core.core.banner import has_connection_errors

from portal_app import routes

# Evaluated in the browser when the banner renders (guarded for the prerender).
_last_seen = Var(
    _js_expr="((typeof window !== 'undefined' && window.doorstep && window.doorstep.lastSeenText) ? window.doorstep.lastSeenText() : '')"
).to(str)


def on_device(helper: str, payload: dict) -> rx.event.EventSpec:
    """Call ``window.doorstep.<helper>(payload)`` from assets/pwa.js, if it has loaded
    (it is deferred, and a kiosk keeps nothing: the helpers do nothing there)."""
    return rx.call_script(
        f"window.doorstep && window.doorstep.{helper} && window.doorstep.{helper}({json.dumps(payload)})"
    )


def head_components() -> list[rx.Component]:
    return [
        rx.el.link(rel="manifest", href=routes.MANIFEST),
        rx.el.link(rel="icon", href=routes.ICON_192, type="image/png", sizes="192x192"),
        rx.el.link(rel="apple-touch-icon", href=routes.APPLE_TOUCH_ICON),
        rx.el.meta(name="apple-mobile-web-app-capable", content="yes"),
        rx.el.meta(name="mobile-web-app-capable", content="yes"),
        rx.el.script(src=routes.PWA_SCRIPT, defer=True),
    ]


def status_overlay() -> rx.Component:
    """Always in the page (so screen readers hear changes), empty while all is well."""
    return rx.fragment(
        rx.el.div(
            rx.cond(
                has_connection_errors,
                rx.el.div(
                    rx.el.p(
                        # pwa.js keeps data-offline on <html> in step with the browser's online/offline events.
                        rx.el.strong("You're offline.", class_name="when-offline"),
                        rx.el.strong("We can't reach the portal just now.", class_name="when-unreachable"),
                        " ",
                        rx.cond(_last_seen != "", _last_seen, "Connect to see your balance."),
                    ),
                    rx.el.p(
                        "The ",
                        rx.el.a("budget planner", href=routes.BUDGET),
                        " and ",
                        rx.el.a("statements saved on this device", href=routes.SAVED_STATEMENTS),
                        " still work.",
                        class_name="not-kiosk",
                    ),
                    class_name="offline-banner__inner",
                ),
            ),
            role="status",
            class_name="offline-banner",
            id="offline-banner",
        ),
        rx.el.div(
            rx.el.p("A new version of the portal is ready."),
            rx.el.button("Reload to use it", id="pwa-reload", type="button", class_name="button button--small"),
            id="pwa-update",
            class_name="update-banner",
            role="region",
            aria_label="New version",
            hidden=True,
        ),
        # Issue 13 item 16: a page opened inside the app (no page load for a screen reader
        # to notice) is announced here by its title (assets/pwa.js, "page changes").
        rx.el.p(id="page-announcer", role="status", class_name="visually-hidden"),
        # Issue 14 (faults survived): what a resident is told when their last action failed
        # on the server (the database restarting, say), shown by calm_backend_error.
        rx.el.div(
            rx.el.p(PROBLEM_MESSAGE),
            rx.el.button("Close", id="event-problem-close", type="button", class_name="button button--small"),
            id="event-problem",
            class_name="update-banner",
            role="alert",
            hidden=True,
        ),
    )


PROBLEM_MESSAGE = (
    "Something went wrong on our side just now, and what you last did was not saved. Please try again in a moment."
)
_SHOW_PROBLEM = """(() => {
  const box = document.getElementById('event-problem');
  if (!box) return;
  box.hidden = false;
  const close = document.getElementById('event-problem-close');
  if (close) { close.onclick = () => { box.hidden = true; }; close.focus(); }
})()"""


def calm_backend_error(exception: Exception) -> rx.event.EventSpec:
    """The app's backend exception handler (portal_app.py): an event that failed on the
    server (the database restarting, a bug) is logged with its traceback, and the page
    says calmly that it did not work and to try again; never Reflex's browser alert, and
    nothing of the error reaches the page. Whatever the event wrote was rolled back
    (``in_transaction``: one unit of work)."""
    import logging

    logging.getLogger("doorstep").error("An event failed on the server", exc_info=exception)
    return rx.call_script(_SHOW_PROBLEM)


# Reflex checks the handler's annotations as types, not the strings this module's
# ``from __future__ import annotations`` makes of them.
calm_backend_error.__annotations__ = {"exception": Exception, "return": rx.event.EventSpec}


def loading_or_offline(loading: str, offline: str) -> rx.Component:
    """'Loading…' while the page waits for the server; offline, say so instead of
    leaving the page showing defaults."""
    return rx.el.p(rx.cond(has_connection_errors, offline, loading), class_name="loading", role="status")


def install_offer() -> rx.Component:
    """Shown only where the browser offers to install (pwa.js sets data-can-install on
    <html>), or on an iPhone or iPad, which never does; never on a kiosk or in the app."""
    return rx.el.section(
        rx.el.h2("Install the app", class_name="heading-m"),
        rx.el.div(
            rx.el.p(
                "Add the portal to your home screen. It opens like an app, and the budget planner and your saved "
                "statements work without a connection."
            ),
            rx.el.button("Install the app", id="install-app", type="button", class_name="button button--secondary"),
            class_name="install__prompt",
        ),
        rx.el.div(
            rx.el.p("On an iPhone or iPad, in Safari:"),
            rx.el.ol(
                rx.el.li("tap the Share button (a square with an arrow pointing up)"),
                rx.el.li("choose ", rx.el.strong("Add to Home Screen")),
                rx.el.li("tap ", rx.el.strong("Add")),
            ),
            class_name="install__ios",
        ),
        rx.el.p(id="install-status", role="status", class_name="hint"),
        class_name="install",
        aria_label="Install the app",
    )
