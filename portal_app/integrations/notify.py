"""GOV.UK Notify (https://docs.notifications.service.gov.uk/): texts, and email when
``MAIL_TRANSPORT=notify``, through the ``notifications-python-client`` package.

Each message goes with the template for its kind (``NOTIFY_EMAIL_TEMPLATE_IDS`` /
``NOTIFY_SMS_TEMPLATE_IDS``, "kind=template id,...", "default" for the kinds not listed)
and the personalisation every template is given: ``subject`` and ``body`` (texts:
``body``), with our reference ``outbox-<id>`` so a callback can be matched to its message.
``send`` answers Notify's id for the notification; ``delivery_status`` reads its status
back (``GET /v2/notifications/{id}``).

What goes wrong, as the outbox needs it (``services/mail/outbox.py``):

* Notify cannot be reached, answers 5xx or 429 (rate limit), or refuses our key (401/403
  AuthError): no one message is to blame, so ``MailServerUnavailable`` (the outbox holds
  every waiting message of the channel back to one next try);
* 400 (BadRequestError, ValidationError: a number that is not a mobile, a template it does
  not have, a personalisation field the template needs left out): ``Undeliverable``, recorded and not tried again.

The API key is never logged, and neither is the JWT made from it: errors carry Notify's
status code, error name and message only.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable

import requests
from notifications_python_client.errors import APIError
from notifications_python_client.notifications import NotificationsAPIClient

from portal_app.integrations.mail import Mail, MailServerUnavailable, Undeliverable

log = logging.getLogger(__name__)

DEFAULT_KIND = "default"
# Statuses after which Notify says no more about a message (texts to other countries end at "sent").
FINAL_STATUSES = frozenset({"delivered", "permanent-failure", "temporary-failure", "technical-failure", "sent"})
RETRYABLE_STATUSES = frozenset({"temporary-failure", "technical-failure"})
PENDING_STATUSES = frozenset({"created", "sending", "pending"})


class NotifyError(Exception):
    """What Notify answered, without the key: ``status_code``, ``errors`` [(error, message)]."""

    def __init__(self, status_code: int, errors: list[tuple[str, str]]) -> None:
        self.status_code = status_code
        self.errors = errors
        words = "; ".join(f"{name}: {message}" for name, message in errors) or "no answer"
        super().__init__(f"GOV.UK Notify {status_code}: {words}")


def _notify_error(exc: APIError) -> NotifyError:
    errors: list[tuple[str, str]] = []
    try:
        body = exc.response.json() if exc.response is not None else {}
        for item in body.get("errors") or []:
            errors.append((str(item.get("error", "")), str(item.get("message", ""))))
    except (ValueError, AttributeError, TypeError):
        pass
    if not errors and exc.response is None:
        cause = exc.__cause__
        errors.append((type(cause).__name__ if cause else "RequestException", "could not reach GOV.UK Notify"))
    return NotifyError(exc.status_code, errors)


def _templates(pairs: Iterable[tuple[str, str]]) -> dict[str, str]:
    return {kind: template for kind, template in pairs}


class NotifyTransport:
    name = "notify"
    sends_texts = True

    def __init__(
        self,
        api_key: str,
        *,
        base_url: str = "https://api.notifications.service.gov.uk",
        email_templates: Iterable[tuple[str, str]] = (),
        sms_templates: Iterable[tuple[str, str]] = (),
        timeout: float = 10.0,
    ) -> None:
        self._api_key = api_key
        self._timeout = timeout
        self._local = threading.local()  # the client is not thread-safe: one for each worker thread
        self.base_url = base_url
        self.email_templates = _templates(email_templates)
        self.sms_templates = _templates(sms_templates)

    @property
    def _client(self) -> NotificationsAPIClient:
        client = getattr(self._local, "client", None)
        if client is None:
            client = NotificationsAPIClient(self._api_key, base_url=self.base_url, timeout=self._timeout)
            self._local.client = client
        return client

    def __repr__(self) -> str:  # never the key
        return f"NotifyTransport(base_url={self.base_url!r})"

    @classmethod
    def from_settings(cls, settings) -> NotifyTransport:
        return cls(
            settings.notify_api_key,
            base_url=settings.notify_base_url,
            email_templates=settings.notify_email_template_ids,
            sms_templates=settings.notify_sms_template_ids,
        )

    def template_for(self, channel: str, kind: str) -> str:
        templates = self.sms_templates if channel == "sms" else self.email_templates
        template = templates.get(kind) or templates.get(DEFAULT_KIND)
        if not template:
            setting = "NOTIFY_SMS_TEMPLATE_IDS" if channel == "sms" else "NOTIFY_EMAIL_TEMPLATE_IDS"
            raise Undeliverable(f"no GOV.UK Notify template for {kind!r} messages: set {setting} (default=...)")
        return template

    def send(self, mail: Mail) -> str:
        template = self.template_for(mail.channel, mail.kind)
        try:
            if mail.channel == "sms":
                answer = self._client.send_sms_notification(
                    phone_number=mail.to_address,
                    template_id=template,
                    personalisation={"body": mail.body_text},
                    reference=mail.reference or None,
                )
            else:
                answer = self._client.send_email_notification(
                    email_address=mail.to_address,
                    template_id=template,
                    personalisation={"subject": mail.subject, "body": mail.body_text},
                    reference=mail.reference or None,
                )
        except APIError as exc:
            failure = self._failure(exc)
            raise failure from failure.__cause__
        except requests.RequestException as exc:
            raise MailServerUnavailable("could not reach GOV.UK Notify") from exc
        return str(answer["id"])

    def delivery_status(self, notification_id: str) -> str:
        """Notify's status for the notification now (``NotifyError`` 404 when it has none)."""
        try:
            answer = self._client.get_notification_by_id(notification_id)
        except APIError as exc:
            failure = self._failure(exc)
            if isinstance(failure, MailServerUnavailable):
                raise failure from failure.__cause__
            raise _notify_error(exc) from None
        except requests.RequestException as exc:
            raise MailServerUnavailable("could not reach GOV.UK Notify") from exc
        return str(answer.get("status", ""))

    @staticmethod
    def _failure(exc: APIError) -> Exception:
        error = _notify_error(exc)
        if error.status_code in (401, 403, 429) or error.status_code >= 500:
            if error.status_code in (401, 403):
                log.error("GOV.UK Notify refused our API key: %s", error)
            return _with_cause(MailServerUnavailable(str(error)), error)
        return _with_cause(Undeliverable(str(error)), error)


def _with_cause(exc: Exception, cause: Exception) -> Exception:
    exc.__cause__ = cause
    return exc


__all__ = ["FINAL_STATUSES", "PENDING_STATUSES", "RETRYABLE_STATUSES", "NotifyError", "NotifyTransport"]
