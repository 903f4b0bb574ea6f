"""Ask us to change your name or date of birth (issue 18 item 2): these are the landlord's
records, so a change is a request to the housing officer (``contact.ask_record_change``,
a ``RECORD_CHANGE`` request under My requests), with what should change and why."""

from __future__ import annotations

import reflex as rx

from portal_app import routes
from portal_app.clock import utcnow
from portal_app.components import forms
from portal_app.components.layout import page
from portal_app.services.identity import contact
from portal_app.services.requests.common import NotYours
from portal_app.services.validation import form_fields
from portal_app.state.access import current_principal, resident_only
from portal_app.state.database import in_transaction
from portal_app.state.session import SessionState

FIELDS = [("what", "what"), ("new_details", "new-details"), ("why", "why")]


class RecordChangeState(SessionState):
    what: str = ""
    errors: dict[str, str] = {}
    refused: bool = False
    done: bool = False
    ack: dict[str, str] = {}
    ack_steps: list[str] = []

    @resident_only
    @rx.event
    def load(self):
        self.what, self.errors, self.refused, self.done, self.ack, self.ack_steps = "", {}, False, False, {}, []

    @resident_only
    @rx.event
    def choose_what(self, value: str):
        if isinstance(value, str) and value in contact.RECORD_WHAT:
            self.what = value

    @resident_only
    @rx.event
    async def submit(self, form_data: dict):
        if self.done:
            return
        principal = current_principal()
        fields = form_fields(form_data)
        fields["what"] = self.what
        try:
            result = await in_transaction(
                contact.ask_record_change,
                user_id=principal.user_id,
                person_id=principal.person_id,
                tenancy_id=principal.tenancy_id,
                form=fields,
                now=utcnow(),
            )
        except NotYours:
            self.refused = True
            return
        if not result.ok:
            self.errors = dict(result.errors)
            return forms.focus_error_summary()
        ack = result.acknowledgement
        self.errors, self.done = {}, True
        self.ack = {"reference": ack.reference, "asked": ack.what_you_asked, "email": ack.email}
        self.ack_steps = list(ack.next_steps)
        return rx.call_script(
            "window.scrollTo(0, 0); setTimeout(() => document.getElementById('ack-heading')?.focus(), 50)"
        )


S = RecordChangeState


def _form() -> rx.Component:
    e = S.errors
    return rx.fragment(
        rx.el.h1("Ask us to change your name or date of birth"),
        forms.error_summary(e, FIELDS),
        rx.el.p(
            "Your name and date of birth are part of our records about your tenancy, so your housing officer checks a "
            "change before making it. They may ask to see a document, such as a marriage certificate, deed poll, "
            "passport or birth certificate."
        ),
        rx.el.form(
            forms.radios(
                e,
                "what",
                "What do you want us to change?",
                list(contact.RECORD_WHAT.items()),
                selected=S.what,
                on_select=S.choose_what,
            ),
            forms.textarea_field(
                e,
                "new_details",
                "What should it be?",
                hint="Your name or date of birth as it should be in our records.",
                max_length=contact.RECORD_NEW_MAX,
            ),
            forms.textarea_field(
                e,
                "why",
                "Why does it need to change?",
                hint="For example, you got married, or we spelled it wrongly.",
                max_length=contact.RECORD_WHY_MAX,
            ),
            forms.submit_button("Send request"),
            on_submit=S.submit,
            aria_label="Change your name or date of birth",
            no_validate=True,
        ),
        rx.el.p(rx.el.a("Back to your details", href=routes.YOUR_DETAILS)),
    )


def _acknowledgement() -> rx.Component:
    a = S.ack
    return rx.fragment(
        rx.el.div(
            rx.el.h1("Request sent", id="ack-heading", tab_index=-1),
            rx.el.p("Your reference is ", rx.el.br(), rx.el.strong(a["reference"], class_name="balance")),
            class_name="panel panel--success",
        ),
        rx.el.p(a["asked"]),
        rx.el.p("We have sent a confirmation to ", rx.el.strong(a["email"]), "."),
        rx.el.h2("What happens next"),
        rx.el.ul(rx.foreach(S.ack_steps, lambda step: rx.el.li(step))),
        rx.el.p(rx.el.a("See all your requests", href=routes.REQUESTS)),
        rx.el.p(rx.el.a("Back to your details", href=routes.YOUR_DETAILS)),
    )


@page(
    routes.RECORD_CHANGE,
    "Ask us to change your name or date of birth",
    on_load=RecordChangeState.load,
    by=RecordChangeState.done.to(str),
    states=[("true", "Request sent")],
    errors=RecordChangeState.errors,
)
def record_change_page() -> rx.Component:
    return rx.cond(
        S.refused,
        rx.fragment(
            rx.el.h1("We could not send your request"),
            rx.el.p("Your tenancy has ended, so you cannot ask for this online. Phone us instead."),
        ),
        rx.cond(S.done, _acknowledgement(), _form()),
    )
