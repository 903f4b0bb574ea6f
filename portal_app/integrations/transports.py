"""Which transports the settings choose for email and for texts: SMTP, the local outbox or
GOV.UK Notify. Its own module so that ``mail`` (the shared pieces) and ``notify`` (which
builds on them) do not import each other."""

from __future__ import annotations

from portal_app.integrations.mail import Channels, LocalTransport, MailTransport, transport_for
from portal_app.integrations.notify import NotifyTransport


def transport_from(settings) -> MailTransport:
    """What ``settings`` choose: email by ``MAIL_TRANSPORT`` (empty: SMTP with ``SMTP_URL``,
    else Notify with ``NOTIFY_API_KEY``, else the local outbox), texts through Notify
    whenever ``NOTIFY_API_KEY`` is set, else the local outbox."""
    if not settings.notify_api_key:
        if settings.mail_transport == "notify":
            raise ValueError("MAIL_TRANSPORT=notify needs NOTIFY_API_KEY")
        return LocalTransport() if settings.mail_transport == "local" else transport_for(settings.smtp_url)
    notify = NotifyTransport.from_settings(settings)
    choice = settings.mail_transport or ("smtp" if settings.smtp_url else "notify")
    needed = [("NOTIFY_SMS_TEMPLATE_IDS", notify.sms_templates)]
    if choice == "notify":
        needed.append(("NOTIFY_EMAIL_TEMPLATE_IDS", notify.email_templates))
    for name, templates in needed:  # a kind with no template of its own goes with the default
        if "default" not in templates:
            raise ValueError(f"{name} needs a default=<template id> for the kinds without one of their own")
    if choice == "notify":
        return notify
    email = LocalTransport() if choice == "local" else transport_for(settings.smtp_url)
    return Channels(email, notify)
