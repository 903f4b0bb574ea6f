"""Where the back office answers: on ``STAFF_HOSTS`` only when that is set (internal host
names), and never on a kiosk host (a shared screen in a housing office is for residents).
Elsewhere its pages, routes and handlers answer as if they did not exist. No reflex import."""

from __future__ import annotations

from portal_app.services.identity.kiosk import is_kiosk_host, normalise_host
from portal_app.settings import Settings


def back_office_allowed(host_header: str | None, settings: Settings) -> bool:
    """Whether a request or a page opened on this host may reach the back office."""
    if is_kiosk_host(host_header, settings):
        return False
    if not settings.staff_hosts:
        return True
    return normalise_host(host_header) in {normalise_host(h) for h in settings.staff_hosts}


__all__ = ["back_office_allowed"]
