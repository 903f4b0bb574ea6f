"""Giving notice to end your tenancy (seed 000: "information on giving notice"): what notice
means, the earliest end date worked out and explained, the end date chosen from the allowed
days (or typed), the forwarding address, a joint tenant's confirmation that the others know,
then a check page with the dates explained, then the confirmation with its reference
(``services/tenancy/notice.py``)."""

from __future__ import annotations

import reflex as rx

from portal_app import routes
from portal_app.clock import utcnow
from portal_app.components import forms
from portal_app.components.layout import page
from portal_app.components.pwa import loading_or_offline
from portal_app.pages.tenancy import OFFLINE
from portal_app.services.tenancy import notice
from portal_app.services.validation import form_fields
from portal_app.settings import get_settings
from portal_app.state.access import current_principal, resident_only
from portal_app.state.database import in_transaction
from portal_app.state.session import SessionState

FORM, CHECK, DONE = "form", "check", "done"
TITLES = [(FORM, "Choose the day your tenancy ends"), (CHECK, "Check your notice"), (DONE, "Notice given")]
ERROR_ORDER = [
    ("notice", "end-date"),
    ("end_date", "end-date"),
    ("forwarding_address", "forwarding-address"),
    ("reason", "reason"),
    ("joint_confirmed", "joint-confirmed"),
]
REASON_VALUES = tuple(v for v, _ in notice.REASONS)
TYPED = ("end_date_day", "end_date_month", "end_date_year", "forwarding_address")
FOCUS_HEADING = "window.scrollTo(0, 0); setTimeout(() => document.getElementById('notice-heading')?.focus(), 50)"


class EndTenancyState(SessionState):
    loaded: bool = False
    can_give: bool = False
    refusal: str = ""
    info: dict[str, str] = {}
    joint: bool = False
    end_options: list[dict[str, str]] = []
    step: str = FORM
    errors: dict[str, str] = {}
    choices: dict[str, str] = {}
    kept: dict[str, str] = {}
    joint_ticked: bool = False
    checked: dict[str, str] = {}
    ack: dict[str, str] = {}
    ack_steps: list[str] = []
    _draft: dict[str, str] = {}

    def _show(self, context) -> None:
        self.can_give, self.refusal = context.can_give, context.refusal
        self.info = {
            "address": context.address,
            "tenure": context.tenure_words,
            "rule": context.rule_words,
            "received": context.received_words,
            "received_why": context.received_why,
            "earliest": context.earliest_words,
            "joint_words": context.joint_words,
            "others": ", ".join(context.other_tenants),
            "others_know": notice.others_know(context.other_tenants),
            "rent_state": context.rent_state,
            "rent_words": context.rent_words,
            "keys": context.keys_words,
            "rent_due": context.rent_due_words,
        }
        self.joint = context.joint
        options = []
        if context.earliest is not None:
            days = (context.earliest, *context.later)
            for index, day in enumerate(days):
                label = notice.day_words(day) + (" (the earliest)" if index == 0 else "")
                options.append({"value": day.isoformat(), "label": label, "id": f"end-date-{index + 1}"})
            options[0]["id"] = "end-date"
        self.end_options = options

    @resident_only
    @rx.event
    async def load(self):
        principal = current_principal()
        context = await in_transaction(notice.notice_context, principal, now=utcnow(), settings=get_settings())
        self._show(context)
        self.step, self.errors, self.choices, self.kept, self.checked = FORM, {}, {}, {}, {}
        self.ack, self.ack_steps, self._draft, self.joint_ticked = {}, [], {}, False
        self.loaded = True

    @resident_only
    @rx.event
    def choose(self, field: str, value: str):
        """A radio was chosen: keep it (only the end date and reason, and known values)."""
        if not isinstance(field, str) or not isinstance(value, str):
            return
        allowed = {"end_choice": (*(o["value"] for o in self.end_options), "other"), "reason": REASON_VALUES}
        if value in allowed.get(field, ()):
            self.choices = {**self.choices, field: value}

    @resident_only
    @rx.event
    async def check(self, form_data: dict):
        """Check what was chosen and typed, and show the check page (nothing is sent yet)."""
        if self.step != FORM:
            return
        principal = current_principal()
        sent = form_fields(form_data)
        form = {name: sent.get(name, "") for name in TYPED}
        form.update({k: v for k, v in self.choices.items() if k in ("end_choice", "reason")})
        ticked = isinstance(form_data, dict) and form_data.get("joint_confirmed") in (True, "yes")
        form["joint_confirmed"] = "yes" if ticked else ""
        self.kept = {k: form[k] for k in TYPED}
        self.joint_ticked = ticked
        found = await in_transaction(notice.check_notice, principal, form, now=utcnow(), settings=get_settings())
        if found.context is not None and not found.context.can_give:
            self._show(found.context)
            self.errors = {}
            return
        if found.errors:
            self.errors = dict(found.errors)
            return forms.focus_error_summary()
        self.errors, self._draft = {}, form
        self.checked = {
            "end": found.end_words,
            "days": found.days_words,
            "address": found.forwarding_address,
            "reason": found.reason_words or "Not given",
            "keys": found.keys_words,
            "rent_due": found.rent_due_words,
        }
        self.step = CHECK
        return rx.call_script(FOCUS_HEADING)

    @resident_only
    @rx.event
    def change(self):
        """Back from the check page to the form, with everything kept."""
        if self.step == CHECK:
            self.step = FORM
            return rx.call_script(FOCUS_HEADING)

    @resident_only
    @rx.event
    async def send(self):
        """Give the notice checked on the check page. Events from one tab run one at a time,
        so a second press finds it done (and the service refuses a second open notice)."""
        if self.step != CHECK or not self._draft:
            return
        principal = current_principal()
        found, result = await in_transaction(
            notice.give_notice, principal, dict(self._draft), now=utcnow(), settings=get_settings()
        )
        if result is None or not result.ok:
            self.step = FORM
            if found.context is not None and not found.context.can_give:
                self._show(found.context)
                self.errors = {}
                return rx.call_script(FOCUS_HEADING)
            self.errors = dict(found.errors) or (dict(result.errors) if result is not None else {})
            return forms.focus_error_summary()
        ack = result.acknowledgement
        self.ack = {"reference": ack.reference, "asked": ack.what_you_asked, "email": ack.email}
        self.ack_steps = list(ack.next_steps)
        self.step, self._draft = DONE, {}
        return rx.call_script(FOCUS_HEADING)


def _row(label: str, value) -> rx.Component:
    return rx.el.div(rx.el.dt(label), rx.el.dd(value))


def _end_choice() -> rx.Component:
    S = EndTenancyState
    e = S.errors
    has_error = e.contains("end_date")
    return rx.el.div(
        rx.el.fieldset(
            rx.el.legend("When do you want your tenancy to end?"),
            rx.el.p(
                "The earliest is ",
                rx.el.strong(S.info["earliest"]),
                ". Your notice must end on ",
                S.info["rule"],
                ".",
                class_name="hint",
                id="end-date-hint",
            ),
            forms.error_line(e, "end_date", "end-date"),
            rx.el.div(
                rx.foreach(
                    S.end_options,
                    lambda o: rx.el.div(
                        rx.el.input(
                            type="radio",
                            name="end_choice",
                            value=o["value"],
                            id=o["id"],
                            default_checked=S.choices.get("end_choice", "") == o["value"],
                            on_change=S.choose("end_choice", o["value"]),
                            aria_invalid=rx.cond(has_error, "true", "false"),
                        ),
                        rx.el.label(o["label"], html_for=o["id"]),
                        class_name="radio",
                    ),
                ),
                rx.el.div(
                    rx.el.input(
                        type="radio",
                        name="end_choice",
                        value="other",
                        id="end-date-other",
                        default_checked=S.choices.get("end_choice", "") == "other",
                        on_change=S.choose("end_choice", "other"),
                        aria_invalid=rx.cond(has_error, "true", "false"),
                    ),
                    rx.el.label("A later date", html_for="end-date-other"),
                    class_name="radio",
                ),
                class_name="radios",
            ),
            aria_describedby=rx.cond(has_error, "end-date-hint end-date-error", "end-date-hint"),
        ),
        class_name=rx.cond(has_error, "field field--error", "field"),
    )


def _later_date() -> rx.Component:
    S = EndTenancyState
    return rx.el.div(
        rx.el.fieldset(
            rx.el.legend("A later date (only if you chose a later date)"),
            rx.el.p("For example, 5 4 2027", class_name="hint", id="end-date-later-hint"),
            rx.el.div(
                *[
                    rx.el.div(
                        rx.el.label(label, html_for=f"end-date-{part}", class_name="label"),
                        rx.el.input(
                            id=f"end-date-{part}",
                            name=f"end_date_{part}",
                            type="text",
                            input_mode="numeric",
                            class_name="input input--short",
                            style={"maxWidth": "7rem"} if part == "year" else {},
                            default_value=S.kept.get(f"end_date_{part}", ""),
                            key=S.kept.get(f"end_date_{part}", ""),
                        ),
                    )
                    for part, label in (("day", "Day"), ("month", "Month"), ("year", "Year"))
                ],
                class_name="date-input",
            ),
            role="group",
            aria_describedby="end-date-later-hint",
        ),
        class_name="field",
    )


def _joint_confirmation() -> rx.Component:
    S = EndTenancyState
    e = S.errors
    has_error = e.contains("joint_confirmed")
    return rx.el.div(
        rx.el.h2("Your joint tenancy"),
        rx.el.p(S.info["joint_words"], class_name="notice notice--warning"),
        forms.error_line(e, "joint_confirmed", "joint-confirmed"),
        rx.el.div(
            rx.el.input(
                type="checkbox",
                id="joint-confirmed",
                name="joint_confirmed",
                value="yes",
                default_checked=S.joint_ticked,
                aria_invalid=rx.cond(has_error, "true", "false"),
                aria_describedby=rx.cond(has_error, "joint-confirmed-error", None),
            ),
            rx.el.label(
                "I confirm ",
                S.info["others_know"],
                " I am giving notice, and that it ends the tenancy for them too",
                html_for="joint-confirmed",
            ),
            class_name="checkbox",
        ),
        class_name=rx.cond(has_error, "field field--error", "field"),
    )


def _explanation() -> rx.Component:
    S = EndTenancyState
    i = S.info
    return rx.fragment(
        rx.el.p(
            "You must give us at least four weeks' notice, counted from the day we receive it, and your tenancy "
            "must end on ",
            i["rule"],
            ", as your tenancy agreement says.",
        ),
        rx.el.dl(
            _row("Your home", i["address"]),
            _row("Tenancy", i["tenure"]),
            _row("We receive your notice on", i["received"]),
            _row("The earliest your tenancy can end", rx.el.strong(i["earliest"])),
            class_name="summary-list",
        ),
        rx.el.p(i["received_why"], class_name="inset"),
        rx.el.h2("What you need to know"),
        rx.el.ul(
            rx.el.li("Rent is due up to and including the day your tenancy ends."),
            rx.el.li(
                f"Bring all your keys to our office by 12 noon on the day it ends (we are open "
                f"{get_settings().landlord_hours})."
            ),
            rx.el.li("Leave the home empty and clean, and take meter readings on the day you leave."),
            rx.el.li("Tell us where to write to you afterwards: we need a forwarding address."),
            class_name="list",
        ),
        rx.cond(i["rent_words"] != "", rx.el.p(i["rent_words"], class_name="inset")),
    )


def _form() -> rx.Component:
    S = EndTenancyState
    e = S.errors
    return rx.fragment(
        rx.el.h1("Give notice to end your tenancy", id="notice-heading", tab_index=-1),
        _explanation(),
        rx.el.form(
            forms.error_summary(e, ERROR_ORDER),
            _end_choice(),
            _later_date(),
            forms.textarea_field(
                e,
                "forwarding_address",
                "Your forwarding address",
                hint="Where we can write to you after you move out, with the postcode",
                max_length=notice.ADDRESS_MAX_LENGTH,
                default_value=S.kept.get("forwarding_address", ""),
            ),
            forms.radios(
                e,
                "reason",
                "Why are you moving? (optional)",
                list(notice.REASONS),
                selected=S.choices.get("reason", ""),
                on_select=lambda value: S.choose("reason", value),
            ),
            rx.cond(S.joint, _joint_confirmation()),
            forms.submit_button("Continue"),
            on_submit=S.check,
            no_validate=True,
        ),
    )


def _check() -> rx.Component:
    S = EndTenancyState
    c, i = S.checked, S.info
    return rx.fragment(
        rx.el.h1("Check your notice", id="notice-heading", tab_index=-1),
        rx.el.dl(
            _row("We receive your notice on", i["received"]),
            _row("Your tenancy ends on", rx.el.strong(c["end"])),
            _row("That is", c["days"]),
            _row("Forwarding address", c["address"]),
            _row("Reason for moving", c["reason"]),
            rx.cond(S.joint, _row("Other tenants", rx.fragment(i["others"], ": you confirmed they know"))),
            class_name="summary-list",
        ),
        rx.el.p(
            "Why these dates: notice must be at least four weeks, counted from the day we receive it, and end on ",
            i["rule"],
            ". ",
            i["received_why"],
            class_name="inset",
        ),
        rx.cond(
            S.joint,
            rx.el.p("Your notice ends the tenancy for ", i["others"], " too.", class_name="notice notice--warning"),
        ),
        rx.el.h2("Before you go"),
        rx.el.ul(
            rx.el.li(c["rent_due"]),
            rx.el.li(c["keys"]),
            rx.cond(i["rent_words"] != "", rx.el.li(i["rent_words"])),
            class_name="list",
        ),
        rx.el.p("Once you give notice you cannot take it back without our agreement.", class_name="notice"),
        rx.el.div(
            rx.el.button("Give notice", type="button", class_name="button", on_click=S.send),
            rx.el.button(
                "Change your answers", type="button", class_name="button button--secondary", on_click=S.change
            ),
            class_name="button-group",
        ),
    )


def _done() -> rx.Component:
    S = EndTenancyState
    a = S.ack
    return rx.fragment(
        rx.el.div(
            rx.el.h1("Notice given", id="notice-heading", tab_index=-1),
            rx.el.p("Your reference is ", rx.el.br(), rx.el.strong(a["reference"], class_name="balance")),
            class_name="panel panel--success",
        ),
        rx.el.p(a["asked"]),
        rx.el.p("We have sent a confirmation to ", rx.el.strong(a["email"]), "."),
        rx.el.h2("What happens next"),
        rx.el.ul(rx.foreach(S.ack_steps, lambda step: rx.el.li(step)), class_name="list"),
        rx.el.p(rx.el.a("See all your requests", href=routes.REQUESTS)),
    )


def _refused() -> rx.Component:
    return rx.fragment(
        rx.el.h1("Give notice to end your tenancy", id="notice-heading", tab_index=-1),
        rx.el.p(EndTenancyState.refusal, class_name="notice"),
        rx.el.p(rx.el.a("Back to your tenancy", href=routes.TENANCY)),
    )


@page(
    routes.END_TENANCY,
    "Give notice to end your tenancy",
    on_load=EndTenancyState.load,
    by=EndTenancyState.step,
    states=TITLES,
    errors=EndTenancyState.errors,
)
def end_tenancy_page() -> rx.Component:
    S = EndTenancyState
    return rx.cond(
        S.loaded,
        rx.cond(S.step == DONE, _done(), rx.cond(S.can_give, rx.cond(S.step == CHECK, _check(), _form()), _refused())),
        rx.fragment(rx.el.h1("Give notice to end your tenancy"), loading_or_offline("Loading…", OFFLINE)),
    )
