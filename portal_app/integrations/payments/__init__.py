"""Card payment providers behind one interface (``base.PaymentProvider``).

``PAYMENT_PROVIDER`` names the one in use: ``sandbox`` (the embedded default: a card
page the portal serves itself, answering to GOV.UK Pay's test cards) or ``govuk_pay``.
A payment remembers the provider it was made with, so changing the setting never
strands a payment under way: ``provider_named`` finds the one it needs.

To add a provider (a housing association's hosted payment page): write one module here
with a class that has ``base.PaymentProvider``'s methods, and add a line to ``_FACTORIES``
building it from the settings. Nothing else changes (README, "Payments").
"""

from __future__ import annotations

from collections.abc import Callable

from portal_app.integrations.payments import base
from portal_app.settings import Settings


def _sandbox(settings: Settings) -> base.PaymentProvider:
    from portal_app.integrations.payments.sandbox import SandboxProvider  # noqa: PLC0415

    return SandboxProvider(settings.base_url)


def _govuk_pay(settings: Settings) -> base.PaymentProvider:
    from portal_app.integrations.payments.govuk_pay import GovukPay  # noqa: PLC0415

    return GovukPay(settings.govuk_pay_base_url, settings.govuk_pay_api_key, settings.govuk_pay_webhook_secret)


_FACTORIES: dict[str, Callable[[Settings], base.PaymentProvider]] = {"sandbox": _sandbox, "govuk_pay": _govuk_pay}
NAMES = tuple(_FACTORIES)
_override: dict[str, base.PaymentProvider] = {}


def provider_named(name: str, settings: Settings) -> base.PaymentProvider:
    """The provider a payment was made with (``PortalPayment.provider``)."""
    if name in _override:
        return _override[name]
    if name not in _FACTORIES:
        raise base.ProviderRefused(f"no payment provider called {name!r}")
    return _FACTORIES[name](settings)


def current(settings: Settings) -> base.PaymentProvider:
    """The provider new payments are made with (``PAYMENT_PROVIDER``)."""
    return provider_named(settings.payment_provider, settings)


def use_for_tests(name: str, provider: base.PaymentProvider | None) -> None:
    """Tests: make ``name`` answer with ``provider`` (a real provider pointed at a local
    server), or put the settings' own back with None."""
    if provider is None:
        _override.pop(name, None)
    else:
        _override[name] = provider
