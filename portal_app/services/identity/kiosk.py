"""Kiosk mode: which requests come from a shared screen in one of the landlord's offices.

The deployment decides, never the resident: ``KIOSK_HOSTS`` lists the host names that
the kiosks open (for example ``kiosk.northbrook-homes.example``), so one server serves
both. On those hosts the portal keeps nothing on the device (the session token lives
in sessionStorage, no service worker, no downloads), signs out after a short time
without input, and the server ends the session sooner.

The server side decides from the ``Host`` header of the request or websocket (a
reverse proxy in front must pass it through unchanged); the browser decides from
``location.hostname`` against the same list, baked into the boot script
(``components/boot.py``).
"""

from __future__ import annotations

from urllib.parse import urlsplit

from portal_app.settings import Settings


def normalise_host(host: str | None) -> str:
    """A Host header or host name without port, brackets, trailing dot or capitals.

    ``"Kiosk.Example:3000"`` -> ``"kiosk.example"``; ``"[::1]:3000"`` -> ``"::1"``.
    """
    value = (host or "").strip().lower()
    if not value:
        return ""
    if value.startswith("["):  # IPv6 literal, maybe with a port after "]"
        end = value.find("]")
        value = value[1:end] if end != -1 else value[1:]
    elif value.count(":") == 1:  # name or IPv4 with a port
        value = value.split(":", 1)[0]
    return value.rstrip(".")


def kiosk_hostnames(settings: Settings) -> tuple[str, ...]:
    """The configured kiosk host names, normalised, without duplicates or blanks."""
    seen: list[str] = []
    for host in settings.kiosk_hosts:
        name = normalise_host(host)
        if name and name not in seen:
            seen.append(name)
    return tuple(seen)


def is_kiosk_host(host_header: str | None, settings: Settings) -> bool:
    """True when a request's Host names one of the configured kiosk hosts (port ignored)."""
    name = normalise_host(host_header)
    return bool(name) and name in kiosk_hostnames(settings)


def page_host(origin: str | None, host: str | None) -> str:
    """The host the page was opened on, as a websocket handshake tells it: the Origin
    header (what ``location.hostname`` saw, even if the socket went to another host),
    else the Host header (plain requests and navigations send no Origin)."""
    if origin and origin != "null":
        netloc = urlsplit(origin).netloc
        if netloc:
            return netloc
    return host or ""


def kiosk_origins(settings: Settings) -> tuple[str, ...]:
    """The browser origins of the kiosk hosts, on the scheme and port of PORTAL_BASE_URL:
    the backend must accept their websockets (CORS) as well as the base URL's."""
    base = urlsplit(settings.base_url)
    port = f":{base.port}" if base.port else ""
    origins = []
    for name in kiosk_hostnames(settings):
        shown = f"[{name}]" if ":" in name else name
        origin = f"{base.scheme}://{shown}{port}"
        if origin != settings.base_url and origin not in origins:
            origins.append(origin)
    return tuple(origins)
