"""Ask us to correct or delete information about you (UK GDPR Articles 16 and 17).

The request lands in the data protection officer's queue (``requests.resident.submit_data_request``:
a request about the resident, not one account) and is followed under "My requests" like
any other. The page says what happens: we answer within one month (Article 12(3)), and an
erasure may not be possible for records the law makes us keep."""

from __future__ import annotations

import reflex as rx

from portal_app import routes
from portal_app.clock import utcnow
from portal_app.components import forms
from portal_app.components.layout import page
from portal_app.components.pwa import loading_or_offline
from portal_app.components.session_timeout import DRAFT_SENT, draft_attrs
from portal_app.services.requests import resident as money_requests
from portal_app.services.validation import form_fields
from portal_app.settings import get_settings
from portal_app.state.access import current_principal, resident_only
from portal_app.state.database import in_transaction
from portal_app.state.session import SessionState

K = money_requests
KIND_OPTIONS = [
    (K.DATA_CORRECTION, "Correct information that is wrong or incomplete"),
    (K.DATA_ERASURE, "Delete information about me"),
]
ERROR_ORDER = [("kind", "kind"), ("about", "about"), ("correction", "correction"), ("why", "why")]
# Kept in this tab through a sign-in when the session ends before Send (components/session_timeout.py).
DRAFT_FIELDS = ["about", "correction", "why"]


class DataRequestState(SessionState):
    loaded: bool = False
    kind: str = ""
    errors: dict[str, str] = {}
    done: bool = False
    ack: dict[str, str] = {}
    ack_steps: list[str] = []

    @resident_only
    @rx.event
    def load(self):
        self.kind, self.errors, self.done, self.ack, self.ack_steps = "", {}, False, {}, []
        self.loaded = True

    @resident_only
    @rx.event
    def choose(self, value: str):
        """A radio was chosen: keep it (only the two kinds)."""
        value = str(value)
        if value in K.DATA_KINDS:
            self.kind = value

    @resident_only
    @rx.event
    async def submit(self, form_data: dict):
        """Send it. Events from one browser run one at a time, so a second press finds it done."""
        principal = current_principal()
        form = form_fields(form_data)
        if self.done:
            return
        try:
            # With errors the service writes nothing: no request, no update, no email.
            result = await in_transaction(
                K.submit_data_request,
                user_id=principal.user_id,
                person_id=principal.person_id,
                tenancy_id=principal.tenancy_id,
                kind=self.kind,
                about=form.get("about", ""),
                correction=form.get("correction", ""),
                why=form.get("why", ""),
                now=utcnow(),
                settings=get_settings(),
            )
        except K.NotYours:
            return
        if not result.ok:
            self.errors = dict(result.errors)
            return forms.focus_error_summary()
        ack = result.acknowledgement
        self.errors = {}
        self.done = True
        self.ack = {"reference": ack.reference, "kind": ack.kind_label, "asked": ack.what_you_asked, "email": ack.email}
        self.ack_steps = list(ack.next_steps)
        return rx.call_script(
            "window.scrollTo(0, 0); setTimeout(() => document.getElementById('ack-heading')?.focus(), 50)"
        )


def _form() -> rx.Component:
    e = DataRequestState.errors
    return rx.el.form(
        forms.error_summary(e, ERROR_ORDER),
        forms.radios(
            e,
            "kind",
            "What would you like us to do?",
            KIND_OPTIONS,
            selected=DataRequestState.kind,
            on_select=DataRequestState.choose,
        ),
        forms.textarea_field(
            e,
            "about",
            "Which information is it about?",
            hint="For example: my date of birth, my name, a payment on my rent account, my mobile number.",
            max_length=K.QUERY_MAX_LENGTH,
        ),
        rx.cond(
            DataRequestState.kind == K.DATA_ERASURE,
            forms.textarea_field(
                e,
                "why",
                "Why should we delete it? (optional)",
                hint="It helps us decide, for example if you think we no longer need it.",
                max_length=K.QUERY_MAX_LENGTH,
            ),
            forms.textarea_field(
                e,
                "correction",
                "What should it say instead?",
                hint="Only if you are asking us to correct something.",
                max_length=K.QUERY_MAX_LENGTH,
            ),
        ),
        forms.submit_button("Send"),
        on_submit=DataRequestState.submit,
        no_validate=True,
        aria_label="Ask us to correct or delete information",
        custom_attrs=draft_attrs(DRAFT_FIELDS),
    )


def _acknowledgement() -> rx.Component:
    a = DataRequestState.ack
    return rx.el.div(
        rx.el.div(
            rx.el.h1("Request sent", id="ack-heading", tab_index=-1),
            rx.el.p("Your reference is ", rx.el.br(), rx.el.strong(a["reference"], class_name="balance")),
            class_name="panel panel--success",
        ),
        rx.el.p(a["asked"]),
        rx.el.p("We have sent a confirmation to ", rx.el.strong(a["email"]), "."),
        rx.el.h2("What happens next"),
        rx.el.ul(rx.foreach(DataRequestState.ack_steps, lambda step: rx.el.li(step))),
        rx.el.p(rx.el.a("See all your requests", href=routes.REQUESTS)),
        custom_attrs={DRAFT_SENT: "1"},
    )


@page(
    routes.DATA_REQUEST,
    "Correct or delete your information",
    on_load=DataRequestState.load,
    errors=DataRequestState.errors,
)
def data_request_page() -> rx.Component:
    return rx.cond(
        DataRequestState.loaded,
        rx.cond(
            DataRequestState.done,
            _acknowledgement(),
            rx.fragment(
                rx.el.h1("Ask us to correct or delete information about you"),
                rx.el.p(
                    "You have the right to have information about you corrected if it is wrong or incomplete, and "
                    "to ask us to delete it when we no longer need it (UK GDPR Articles 16 and 17)."
                ),
                rx.el.h2("What happens next"),
                rx.el.ul(
                    rx.el.li("Our data protection officer looks at your request. You can follow it under My requests."),
                    rx.el.li(
                        "We answer within one month of receiving it. If it is complex we may need up to two months "
                        "more: if so, we tell you within the first month, and why (UK GDPR Article 12(3))."
                    ),
                    rx.el.li(
                        "We may have to keep some information, for example a record of the rent you have paid, "
                        "because the law or our records retention schedule requires it. If so, we tell you what "
                        "we are keeping and why."
                    ),
                    class_name="list",
                ),
                rx.el.p(
                    "To see what the portal holds about you first, ",
                    rx.el.a("download your data", href=routes.MY_DATA),
                    ".",
                ),
                _form(),
            ),
        ),
        rx.fragment(
            rx.el.h1("Ask us to correct or delete information about you"),
            loading_or_offline("Loading…", "You're offline. Connect to the internet to send a request."),
        ),
    )
