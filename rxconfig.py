"""Reflex configuration. Every value comes from the portal's settings (the environment)."""

import reflex as rx
from reflex_base.plugins.sitemap import SitemapPlugin

from portal_app.integrations.dev_proxy import DevApiProxyPlugin
from portal_app.integrations.pwa import PwaPlugin
from portal_app.services.identity.kiosk import kiosk_origins
from portal_app.settings import get_settings

_settings = get_settings()

config = rx.Config(
    app_name="portal_app",
    db_url=_settings.database_url,
    redis_url=_settings.redis_url or None,
    cors_allowed_origins=[_settings.base_url, *kiosk_origins(_settings)],
    telemetry_enabled=False,
    show_built_with_reflex=False,
    disable_plugins=[SitemapPlugin],
    plugins=[PwaPlugin(), DevApiProxyPlugin()],
    # Brotli first (about 15% smaller than gzip on the JavaScript), gzip for older browsers.
    frontend_compression_formats=["brotli", "gzip"],
    state_auto_setters=False,
    # A tab's state (on disk, or in Redis) is deleted once untouched for as long as a
    # session may sit idle: a tab left open outlives its session's data by no more than
    # that, and one that comes back sooner is emptied before it is sent anything
    # (state/session.py EndedSessionGuard).
    redis_token_expiration=max(600, _settings.session_idle_minutes * 60),
)
