"""Mutual exchange (seed 000: "information on mutual exchanges"): what a swap is, how to
find one, the reasons a landlord may refuse, and applying with the other tenant's and
landlord's details; the confirmation shows the 42-day decision deadline
(``services/tenancy/exchange.py``)."""

from __future__ import annotations

from urllib.parse import urlparse

import reflex as rx

from portal_app import routes
from portal_app.clock import utcnow
from portal_app.components import forms
from portal_app.components.layout import page
from portal_app.components.pwa import loading_or_offline
from portal_app.pages.tenancy import OFFLINE
from portal_app.services.tenancy import exchange
from portal_app.services.validation import form_fields
from portal_app.settings import get_settings
from portal_app.state.access import current_principal, resident_only
from portal_app.state.database import in_transaction
from portal_app.state.session import SessionState

ERROR_ORDER = [
    ("exchange", "other-name"),
    ("other_name", "other-name"),
    ("other_landlord", "other-landlord"),
    ("other_address", "other-address"),
    ("other_tenure", "other-tenure"),
    ("other_bedrooms", "other-bedrooms"),
]
TYPED = ("other_name", "other_landlord", "other_address", "other_bedrooms")
TENURE_VALUES = tuple(v for v, _ in exchange.OTHER_TENURES)


class ExchangeState(SessionState):
    loaded: bool = False
    can_apply: bool = False
    refusal: str = ""
    info: dict[str, str] = {}
    errors: dict[str, str] = {}
    choices: dict[str, str] = {}
    kept: dict[str, str] = {}
    done: bool = False
    step: str = "form"  # "done" once sent: the page title follows it
    ack: dict[str, str] = {}
    ack_steps: list[str] = []

    @resident_only
    @rx.event
    async def load(self):
        principal = current_principal()
        context = await in_transaction(exchange.exchange_context, principal, now=utcnow(), settings=get_settings())
        self._show(context)
        self.errors, self.choices, self.kept, self.done, self.ack, self.ack_steps = {}, {}, {}, False, {}, []
        self.step = "form"
        self.loaded = True

    def _show(self, context) -> None:
        self.can_apply, self.refusal = context.can_apply, context.refusal
        bedrooms = context.bedrooms
        self.info = {
            "address": context.address,
            "tenure": context.tenure_words,
            "bedrooms": "" if bedrooms is None else f"{bedrooms} bedroom{'s' if bedrooms != 1 else ''}",
            "decision": context.decision_words,
        }

    @resident_only
    @rx.event
    def choose(self, field: str, value: str):
        if isinstance(field, str) and isinstance(value, str) and field == "other_tenure" and value in TENURE_VALUES:
            self.choices = {**self.choices, field: value}

    @resident_only
    @rx.event
    async def submit(self, form_data: dict):
        """Apply. Events from one tab run one at a time, so a second press finds it done."""
        if self.done:
            return
        principal = current_principal()
        sent = form_fields(form_data)
        form = {name: sent.get(name, "") for name in TYPED}
        form["other_tenure"] = self.choices.get("other_tenure", "")
        self.kept = {k: form[k] for k in TYPED}
        found = await in_transaction(
            exchange.apply_for_exchange, principal, form, now=utcnow(), settings=get_settings()
        )
        if "exchange" in found.errors and found.result is None:
            context = await in_transaction(exchange.exchange_context, principal, now=utcnow(), settings=get_settings())
            self._show(context)
            self.errors = {}
            return
        if not found.ok:
            self.errors = dict(found.errors)
            return forms.focus_error_summary()
        ack = found.result.acknowledgement
        self.errors, self.done, self.step = {}, True, "done"
        self.ack = {"reference": ack.reference, "asked": ack.what_you_asked, "email": ack.email, "due": found.due_words}
        self.ack_steps = list(ack.next_steps)
        return rx.call_script(
            "window.scrollTo(0, 0); setTimeout(() => document.getElementById('exchange-heading')?.focus(), 50)"
        )


def _site_name(url: str) -> str:
    """ "www.homeswapper.co.uk" for the swap website's address."""
    return urlparse(url).netloc or url


def _about() -> rx.Component:
    settings = get_settings()
    return rx.fragment(
        *[rx.el.p(words) for words in exchange.WHAT_IT_IS],
        rx.el.h2("Finding someone to swap with"),
        rx.el.p(
            "Look for a swap on a swap website, such as ",
            rx.el.a(_site_name(settings.mutual_exchange_url), href=settings.mutual_exchange_url, rel="noopener"),
            ". You can also use other swap websites, or find someone yourself: a friend, a neighbour or someone "
            "at work who rents from a council or housing association.",
        ),
        rx.el.h2("Why we might say no"),
        rx.el.p("The law lets us refuse a swap only for certain reasons. In short, we may say no if:"),
        rx.el.ul(*[rx.el.li(words) for words in exchange.REFUSAL_GROUNDS], class_name="list"),
        rx.el.p(exchange.CONDITION_WORDS),
    )


def _form() -> rx.Component:
    S = ExchangeState
    e, k = S.errors, S.kept
    return rx.fragment(
        rx.el.h2("Apply to swap"),
        rx.el.dl(
            rx.el.div(rx.el.dt("Your home"), rx.el.dd(S.info["address"])),
            rx.cond(S.info["bedrooms"] != "", rx.el.div(rx.el.dt("Bedrooms"), rx.el.dd(S.info["bedrooms"]))),
            rx.el.div(rx.el.dt("Your tenancy"), rx.el.dd(S.info["tenure"])),
            class_name="summary-list",
        ),
        rx.el.p(S.info["decision"], class_name="inset"),
        rx.el.form(
            forms.error_summary(e, ERROR_ORDER),
            forms.text_field(
                e,
                "other_name",
                "The other tenant's full name",
                autocomplete="off",
                default_value=k.get("other_name", ""),
            ),
            forms.text_field(
                e,
                "other_landlord",
                "Their landlord",
                hint="Their council or housing association",
                autocomplete="off",
                default_value=k.get("other_landlord", ""),
            ),
            forms.textarea_field(
                e,
                "other_address",
                "Their home's address",
                hint="The full address, with the postcode",
                max_length=exchange.ADDRESS_MAX_LENGTH,
                default_value=k.get("other_address", ""),
            ),
            forms.radios(
                e,
                "other_tenure",
                "What kind of tenancy do they have?",
                list(exchange.OTHER_TENURES),
                selected=S.choices.get("other_tenure", ""),
                on_select=lambda value: S.choose("other_tenure", value),
            ),
            forms.text_field(
                e,
                "other_bedrooms",
                "How many bedrooms does their home have?",
                hint="Enter 0 for a studio or bedsit",
                input_mode="numeric",
                extra_class="input--short",
                autocomplete="off",
                default_value=k.get("other_bedrooms", ""),
            ),
            forms.submit_button("Apply to swap"),
            on_submit=S.submit,
            no_validate=True,
        ),
    )


def _done() -> rx.Component:
    S = ExchangeState
    a = S.ack
    return rx.fragment(
        rx.el.div(
            rx.el.h1("Application sent", id="exchange-heading", tab_index=-1),
            rx.el.p("Your reference is ", rx.el.br(), rx.el.strong(a["reference"], class_name="balance")),
            class_name="panel panel--success",
        ),
        rx.el.p(a["asked"]),
        rx.el.p("We will decide by ", rx.el.strong(a["due"]), ".", class_name="inset"),
        rx.el.p("We have sent a confirmation to ", rx.el.strong(a["email"]), "."),
        rx.el.h2("What happens next"),
        rx.el.ul(rx.foreach(S.ack_steps, lambda step: rx.el.li(step)), class_name="list"),
        rx.el.p(rx.el.a("See all your requests", href=routes.REQUESTS)),
    )


@page(
    routes.MUTUAL_EXCHANGE,
    "Swap your home (mutual exchange)",
    on_load=ExchangeState.load,
    by=ExchangeState.step,
    states=[("done", "Application sent")],
    errors=ExchangeState.errors,
)
def exchange_page() -> rx.Component:
    S = ExchangeState
    return rx.cond(
        S.loaded,
        rx.cond(
            S.done,
            _done(),
            rx.fragment(
                rx.el.h1("Swap your home (mutual exchange)"),
                _about(),
                rx.cond(
                    S.can_apply,
                    _form(),
                    rx.fragment(rx.el.h2("Apply to swap"), rx.el.p(S.refusal, class_name="notice")),
                ),
            ),
        ),
        rx.fragment(rx.el.h1("Swap your home (mutual exchange)"), loading_or_offline("Loading…", OFFLINE)),
    )
