"""What a request (or a websocket's handshake) says about its client, believing a reverse
proxy exactly as far as Reflex does (REFLEX_TRUSTED_PROXY_HOPS): whether it came over
https, and from which address. The HTTP routes, the security headers and the cookie
jar all ask here, so they agree with each other and with Reflex's websocket."""

from __future__ import annotations


def _trusted_proxy_hops() -> int:
    from reflex.config import get_config

    return get_config().trusted_proxy_hops


def arrived_over_https(scope) -> bool:
    """The request came over https: to this server, or to a reverse proxy we trust.

    OWASP's HTTP Strict Transport Security cheat sheet: send the header over HTTPS only
    (browsers ignore it over plain HTTP, and a developer's localhost must not be pinned).
    Reflex has no setting for trusting the proxy's scheme, only REFLEX_TRUSTED_PROXY_HOPS
    for X-Forwarded-For, so X-Forwarded-Proto is believed only when that is above 0
    (deploy/Caddyfile: Caddy sets it and overwrites whatever the browser sent).
    """
    if scope.get("scheme") in ("https", "wss"):
        return True
    hops = _trusted_proxy_hops()
    if hops <= 0:
        return False
    # As Reflex reads X-Forwarded-For: each proxy appends, so the value the outermost
    # trusted proxy wrote is the hops-th from the end; anything before it is the client's.
    values = [
        v.strip().lower()
        for k, header in scope.get("headers", [])
        if k.lower() == b"x-forwarded-proto"
        for v in header.split(b",")
        if v.strip()
    ]
    return len(values) >= hops and values[-hops] == b"https"


def client_ip_of(scope) -> str:
    """The client's address as Reflex's websocket reads it: the connection's peer, or
    with REFLEX_TRUSTED_PROXY_HOPS the X-Forwarded-For entry the outermost trusted proxy
    wrote. The handoff route compares it with the address the websocket saw."""
    client = scope.get("client") or ("", 0)
    address = client[0] if client else ""
    hops = _trusted_proxy_hops()
    if hops:
        forwarded = [
            ip.strip()
            for k, header in scope.get("headers", [])
            if k.lower() == b"x-forwarded-for"
            for ip in header.decode("latin-1").split(",")
            if ip.strip()
        ]
        if len(forwarded) >= hops:
            address = forwarded[-hops]
    return address
