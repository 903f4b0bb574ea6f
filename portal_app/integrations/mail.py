"""Sending mail: over SMTP when configured, or kept in the local outbox; texts (and email,
if chosen) through GOV.UK Notify (``integrations/notify.py``); which of them the settings
choose is ``integrations/transports.py``."""

from __future__ import annotations

import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Protocol
from urllib.parse import unquote, urlparse


@dataclass(frozen=True)
class Mail:
    to_address: str
    subject: str
    body_text: str
    mail_from: str
    message_id: str = ""  # the Message-ID header: the same on every attempt at one outbox message
    channel: str = "email"  # email | sms (then ``to_address`` is an E.164 mobile number)
    kind: str = ""  # the kind of message (its Notify template)
    reference: str = ""  # our reference for it at the provider ("outbox-<id>")


class MailServerUnavailable(Exception):
    """The mail server could not be reached, or would not take any mail from us: no one
    message is to blame, so the outbox holds every waiting message back to one next try
    (``outbox.deliver_due``) instead of knocking once per message, and they go in order
    when the server is back. The cause is the exception it was raised from."""


class Undeliverable(Exception):
    """The provider will never take this message as it is (a number that is not a mobile, a
    template it does not have): the outbox records it failed instead of trying again."""


class MailTransport(Protocol):
    name: str

    def send(self, mail: Mail) -> str | None: ...  # the provider's id for it, if it gives one


class LocalTransport:
    """The embedded default: nothing leaves the machine; the outbox table is the mailbox."""

    name = "local"

    def send(self, mail: Mail) -> None:  # noqa: D401 - nothing to do
        return None


class SmtpTransport:
    """smtp://user:pass@host:port, smtps://... (implicit TLS) or smtp+starttls://..."""

    name = "smtp"

    def __init__(self, url: str, timeout: float = 10.0) -> None:
        parsed = urlparse(url)
        self.scheme = parsed.scheme
        self.host = parsed.hostname or "localhost"
        self.port = parsed.port or (465 if parsed.scheme == "smtps" else 25)
        self.username = unquote(parsed.username) if parsed.username else None
        self.password = unquote(parsed.password) if parsed.password else None
        self.timeout = timeout

    def send(self, mail: Mail) -> None:
        message = EmailMessage()
        message["From"] = mail.mail_from
        message["To"] = mail.to_address
        message["Subject"] = mail.subject
        if mail.message_id:
            message["Message-ID"] = mail.message_id
        message.set_content(mail.body_text)
        with self._connect() as client:
            client.send_message(message)  # what goes wrong from here is this message's own

    def _connect(self) -> smtplib.SMTP:
        """A client connected, secured and signed in; ``MailServerUnavailable`` when that
        fails (refused, timed out, TLS, sign-in), which no one message can be to blame for.
        A failure once the server has begun taking a message stays that message's: a
        message that makes the server drop the line must not hold back all the others."""
        try:
            if self.scheme == "smtps":
                client: smtplib.SMTP = smtplib.SMTP_SSL(
                    self.host, self.port, timeout=self.timeout, context=ssl.create_default_context()
                )
            else:
                client = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
            try:
                if self.scheme == "smtp+starttls":
                    client.starttls(context=ssl.create_default_context())
                if self.username:
                    client.login(self.username, self.password or "")
            except BaseException:
                client.close()
                raise
        except OSError as exc:  # smtplib's errors are OSErrors
            raise MailServerUnavailable(str(exc)) from exc
        return client


def transport_for(smtp_url: str) -> MailTransport:
    return SmtpTransport(smtp_url) if smtp_url else LocalTransport()


class Channels:
    """Email through one transport and texts through another (``route``)."""

    def __init__(self, email: MailTransport, sms: MailTransport) -> None:
        self.email = email
        self.sms = sms
        self.name = email.name if email is sms else f"{email.name}, texts by {sms.name}"

    def for_channel(self, channel: str) -> MailTransport:
        return self.sms if channel == "sms" else self.email

    def send(self, mail: Mail) -> str | None:
        return self.for_channel(mail.channel).send(mail)


def route(transport: MailTransport, channel: str) -> MailTransport:
    """The transport that sends ``channel``: a text given to a transport that cannot send
    texts (SMTP) stays in the local outbox, never mailed to a phone number."""
    if isinstance(transport, Channels):
        transport = transport.for_channel(channel)
    if channel == "sms" and not getattr(transport, "sends_texts", False):
        return LocalTransport()
    return transport
