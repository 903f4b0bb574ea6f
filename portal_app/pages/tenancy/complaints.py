"""Complaints, compliments and comments (seed 001; ``services/tenancy/complaints.py``):

* ``routes.COMPLAINTS``: what a complaint is, the two stages and their deadlines in words, the
  resident's complaints with their stage, status and each deadline, and the Housing
  Ombudsman's details;
* ``routes.NEW_COMPLAINT``: making a complaint (GOV.UK error summary, what was typed kept),
  then the confirmation with the reference and the deadlines;
* ``routes.ESCALATE_COMPLAINT?ref=RQ-...``: taking one of their stage 1 complaints to stage 2;
* ``routes.FEEDBACK``: a compliment or a comment about a team.

Every handler takes the resident from the session, and the service checks that a reference
in the address is theirs (another's gets the same "cannot find" as an unknown one)."""

from __future__ import annotations

import reflex as rx

from portal_app import routes
from portal_app.clock import utcnow
from portal_app.components import forms
from portal_app.components.layout import page
from portal_app.components.pwa import loading_or_offline
from portal_app.pages.tenancy import OFFLINE
from portal_app.services.requests.common import NotYours
from portal_app.services.tenancy import complaints
from portal_app.services.validation import form_fields
from portal_app.settings import get_settings
from portal_app.state.access import current_principal, resident_only
from portal_app.state.accounts import AccountChoiceState
from portal_app.state.database import in_transaction
from portal_app.state.session import SessionState

C = complaints
O = C.HOUSING_OMBUDSMAN  # noqa: E741

COMPLAINT_ERRORS = [
    ("what_went_wrong", "what-went-wrong"),
    ("put_right", "put-right"),
    ("about", "about"),
    ("contact_by", "contact-by"),
    ("phone", "phone"),
]
ESCALATE_ERRORS = [("complaint", "escalate-heading"), ("why", "why")]
FEEDBACK_ERRORS = [("kind", "kind"), ("team", "team"), ("who", "who"), ("what_happened", "what-happened")]
RADIOS = {"contact_by": tuple(v for v, _ in C.CONTACT_CHOICES), "kind": tuple(C.FEEDBACK_KINDS)}
NOT_FOUND = "We cannot find that complaint"


def _principal_args() -> dict:
    p = current_principal()
    return {"user_id": p.user_id, "person_id": p.person_id, "tenancy_id": p.tenancy_id}


def _complaint_item(v: complaints.ComplaintView) -> dict[str, str]:
    d = v.deadlines
    return {
        "reference": v.reference,
        "stage": v.stage_words,
        "summary": v.summary,
        "status": v.status,
        "status_label": v.status_label,
        "made_on": v.made_on,
        "first": d.words[0],
        "second": d.words[1] if len(d.words) > 1 else "",
        "extension": v.extension_reason,
        "overdue": "yes" if v.overdue else "",
        "href": routes.request_detail(v.reference),
        "escalate_href": routes.escalate_complaint(v.reference) if v.can_escalate else "",
        "escalated_to": v.escalated_to,
        "ombudsman": "yes" if v.ombudsman_now else "",
    }


def _ack(result) -> dict[str, str]:
    a = result.acknowledgement
    return {"reference": a.reference, "kind": a.kind_label, "email": a.email, "asked": a.what_you_asked}


def _scroll_to_ack():
    return rx.call_script(
        "window.scrollTo(0, 0); setTimeout(() => document.getElementById('ack-heading')?.focus(), 50)"
    )


class ComplaintsState(SessionState):
    loaded: bool = False
    items: list[dict[str, str]] = []

    @resident_only
    @rx.event
    async def load(self):
        try:
            found = await in_transaction(C.my_complaints, **_principal_args(), now=utcnow(), settings=get_settings())
        except NotYours:
            found = []
        self.items = [_complaint_item(v) for v in found]
        self.loaded = True


class ComplaintFormState(SessionState):
    errors: dict[str, str] = {}
    choices: dict[str, str] = {}
    done: bool = False
    ack: dict[str, str] = {}
    ack_steps: list[str] = []

    @resident_only
    @rx.event
    def load(self):
        self.errors, self.choices, self.done, self.ack, self.ack_steps = {}, {"contact_by": "email"}, False, {}, []

    @resident_only
    @rx.event
    def choose(self, field: str, value: str):
        """A radio was chosen: keep it (only known fields and values)."""
        if isinstance(field, str) and isinstance(value, str) and value in RADIOS.get(field, ()):
            self.choices = {**self.choices, field: value}

    @resident_only
    @rx.event
    async def submit(self, form_data: dict):
        if self.done:
            return None
        form = form_fields(form_data)
        try:
            result = await in_transaction(
                C.make_complaint,
                **_principal_args(),
                what_went_wrong=form.get("what_went_wrong", ""),
                put_right=form.get("put_right", ""),
                about=form.get("about", ""),
                contact_by=self.choices.get("contact_by", "email"),
                phone=form.get("phone", ""),
                now=utcnow(),
                settings=get_settings(),
            )
        except NotYours:
            self.errors = {"what_went_wrong": "We cannot take a complaint for this account. Phone us instead"}
            return forms.focus_error_summary()
        if not result.ok:
            self.errors = dict(result.errors)
            return forms.focus_error_summary()
        self.errors, self.done = {}, True
        self.ack = _ack(result)
        self.ack_steps = list(result.acknowledgement.next_steps)
        return _scroll_to_ack()


class EscalateState(AccountChoiceState):  # for its ``_query`` (the security walk sends hostile ones)
    loaded: bool = False
    found: bool = False
    view: dict[str, str] = {}
    errors: dict[str, str] = {}
    done: bool = False
    ack: dict[str, str] = {}
    ack_steps: list[str] = []
    _reference: str = ""

    @resident_only
    @rx.event
    async def load(self):
        self.errors, self.done, self.ack, self.ack_steps, self.loaded = {}, False, {}, [], False
        reference = self._query("ref")[:32]
        try:
            found = await in_transaction(
                C.complaint_for, **_principal_args(), reference=reference, now=utcnow(), settings=get_settings()
            )
        except NotYours:
            self.found, self.view, self._reference = False, {}, ""
        else:
            self.found, self._reference = True, found.reference
            self.view = {
                **_complaint_item(found),
                "can": "yes" if found.can_escalate else "",
                "blocker": found.escalate_blocker
                or ("This complaint is already at stage 2, our final stage." if found.stage == 2 else ""),
            }
        self.loaded = True

    @resident_only
    @rx.event
    async def submit(self, form_data: dict):
        if self.done or not self._reference:
            return None
        form = form_fields(form_data)
        try:
            result = await in_transaction(
                C.escalate_complaint,
                **_principal_args(),
                reference=self._reference,
                why=form.get("why", ""),
                now=utcnow(),
                settings=get_settings(),
            )
        except NotYours:
            self.found, self.view, self._reference = False, {}, ""
            return None
        if not result.ok:
            self.errors = dict(result.errors)
            return forms.focus_error_summary()
        self.errors, self.done = {}, True
        self.ack = _ack(result)
        self.ack_steps = list(result.acknowledgement.next_steps)
        return _scroll_to_ack()


class FeedbackState(SessionState):
    errors: dict[str, str] = {}
    choices: dict[str, str] = {}
    done: bool = False
    ack: dict[str, str] = {}
    ack_steps: list[str] = []

    @resident_only
    @rx.event
    def load(self):
        self.errors, self.choices, self.done, self.ack, self.ack_steps = {}, {}, False, {}, []

    @resident_only
    @rx.event
    def choose(self, field: str, value: str):
        """A radio was chosen: keep it (only known fields and values)."""
        if isinstance(field, str) and isinstance(value, str) and value in RADIOS.get(field, ()):
            self.choices = {**self.choices, field: value}

    @resident_only
    @rx.event
    async def submit(self, form_data: dict):
        if self.done:
            return None
        form = form_fields(form_data)
        try:
            result = await in_transaction(
                C.give_feedback,
                **_principal_args(),
                kind=self.choices.get("kind", ""),
                team=form.get("team", ""),
                who=form.get("who", ""),
                what_happened=form.get("what_happened", ""),
                now=utcnow(),
                settings=get_settings(),
            )
        except NotYours:
            self.errors = {"what_happened": "We cannot take this for this account. Phone us instead"}
            return forms.focus_error_summary()
        if not result.ok:
            self.errors = dict(result.errors)
            return forms.focus_error_summary()
        self.errors, self.done = {}, True
        self.ack = _ack(result)
        self.ack_steps = list(result.acknowledgement.next_steps)
        return _scroll_to_ack()


# ---------------------------------------------------------------------------
# Pieces
# ---------------------------------------------------------------------------


def ombudsman() -> rx.Component:
    """The Housing Ombudsman's details (the Complaint Handling Code: at the end of stage 2)."""
    return rx.el.section(
        rx.el.h2("The Housing Ombudsman"),
        rx.el.p(
            "If you are still unhappy after our stage 2 answer, or we refuse to take your complaint to stage 2, "
            "you can ask the Housing Ombudsman to look at it. The Ombudsman is free and independent. You can "
            "also contact them for advice at any time while we deal with your complaint."
        ),
        rx.el.dl(
            rx.el.div(rx.el.dt("Name"), rx.el.dd(O["name"])),
            rx.el.div(rx.el.dt("Post"), rx.el.dd(O["address"])),
            rx.el.div(rx.el.dt("Phone"), rx.el.dd(rx.el.a(O["phone"], href="tel:" + O["phone"].replace(" ", "")))),
            rx.el.div(rx.el.dt("Email"), rx.el.dd(rx.el.a(O["email"], href="mailto:" + O["email"]))),
            rx.el.div(rx.el.dt("Website"), rx.el.dd(rx.el.a(O["website_words"], href=O["website"]))),
            class_name="summary-list",
        ),
    )


def _complaint_card(c) -> rx.Component:
    return rx.el.li(
        rx.el.h3(rx.el.a(c["stage"], " complaint ", c["reference"], href=c["href"])),
        rx.el.p(
            rx.el.strong(
                c["status_label"],
                class_name=rx.match(c["status"], ("done", "tag tag--done"), ("declined", "tag tag--declined"), "tag"),
            ),
            rx.cond(
                c["overdue"] == "yes", rx.fragment(" ", rx.el.strong("Answer late", class_name="tag tag--overdue"))
            ),
        ),
        rx.el.p(c["summary"]),
        rx.el.p("Made on ", c["made_on"], "."),
        rx.el.ul(
            rx.el.li(c["first"]),
            rx.cond(c["second"] != "", rx.el.li(c["second"])),
            rx.cond(c["extension"] != "", rx.el.li("Why we need more time: ", c["extension"])),
            class_name="list",
        ),
        rx.cond(
            c["escalate_href"] != "",
            rx.el.p(rx.el.a("Not happy? Take complaint ", c["reference"], " to stage 2", href=c["escalate_href"])),
        ),
        rx.cond(c["escalated_to"] != "", rx.el.p("Taken to stage 2: ", c["escalated_to"], ".")),
        rx.cond(
            c["ombudsman"] == "yes",
            rx.el.p("This was our final answer. You can now go to the Housing Ombudsman (details below)."),
        ),
        class_name="card",
    )


def _acknowledgement(state, heading: str) -> rx.Component:
    a = state.ack
    return rx.el.div(
        rx.el.div(
            rx.el.h1(heading, id="ack-heading", tab_index=-1),
            rx.el.p("Your reference is ", rx.el.br(), rx.el.strong(a["reference"], class_name="balance")),
            class_name="panel panel--success",
        ),
        rx.el.p("We have sent a confirmation to ", rx.el.strong(a["email"]), "."),
        rx.el.h2("What happens next"),
        rx.el.ul(rx.foreach(state.ack_steps, lambda step: rx.el.li(step)), class_name="list"),
        rx.el.p(rx.el.a("See your complaints", href=routes.COMPLAINTS)),
        rx.el.p(rx.el.a("See all your requests", href=routes.REQUESTS)),
    )


# ---------------------------------------------------------------------------
# Pages
# ---------------------------------------------------------------------------


@page(routes.COMPLAINTS, "Complaints, compliments and comments", on_load=ComplaintsState.load)
def complaints_page() -> rx.Component:
    S = ComplaintsState
    one, two = C.stage_words(get_settings())
    return rx.fragment(
        rx.el.h1("Complaints, compliments and comments"),
        rx.el.p(
            "A complaint is when you tell us you are unhappy with something we did, did not do, or did badly: "
            "a service, how long something took, or how you were treated. You do not have to use the word "
            "complaint. We follow the Housing Ombudsman's Complaint Handling Code."
        ),
        rx.el.h2("How we deal with a complaint"),
        rx.el.ul(rx.el.li(one), rx.el.li(two), class_name="list list-spaced"),
        rx.el.p(
            "Working days are Monday to Friday, not bank holidays. If we need more time we will tell you why and "
            "the new date: at most 10 more working days."
        ),
        rx.el.p(
            rx.el.a("Make a complaint", href=routes.NEW_COMPLAINT, class_name="button"),
            " ",
            rx.el.a("Give a compliment or comment", href=routes.FEEDBACK, class_name="button button--secondary"),
        ),
        rx.el.h2("Your complaints"),
        rx.cond(
            S.loaded,
            rx.cond(
                S.items.length() > 0,
                rx.el.ul(rx.foreach(S.items, _complaint_card), class_name="cards list-plain"),
                rx.el.p("You have not made a complaint online."),
            ),
            loading_or_offline("Loading…", OFFLINE),
        ),
        ombudsman(),
    )


@page(routes.NEW_COMPLAINT, "Make a complaint", on_load=ComplaintFormState.load, errors=ComplaintFormState.errors)
def new_complaint_page() -> rx.Component:
    S = ComplaintFormState
    e = S.errors
    return rx.cond(
        S.done,
        _acknowledgement(S, "Complaint sent"),
        rx.fragment(
            rx.el.h1("Make a complaint"),
            rx.el.p(C.stage_words(get_settings())[0]),
            rx.el.p(f"For an emergency repair, phone us instead: {get_settings().landlord_phone}."),
            rx.el.form(
                forms.error_summary(e, COMPLAINT_ERRORS),
                forms.textarea_field(
                    e,
                    "what_went_wrong",
                    "What went wrong?",
                    hint="Tell us what happened, when, and who you dealt with if you know.",
                    max_length=C.TEXT_MAX_LENGTH,
                ),
                forms.textarea_field(
                    e, "put_right", "What would you like us to do to put it right?", max_length=C.TEXT_MAX_LENGTH
                ),
                forms.text_field(
                    e,
                    "about",
                    "Is it about a repair or request you reported? (optional)",
                    hint="Its reference, for example RP-7K2M9QXA or RQ-ABC234. You can find it under Repairs or My requests.",
                    autocomplete="off",
                    spellcheck=False,
                ),
                forms.radios(
                    e,
                    "contact_by",
                    "How should we contact you about it?",
                    list(C.CONTACT_CHOICES),
                    selected=S.choices.get("contact_by", "email"),
                    on_select=lambda value: ComplaintFormState.choose("contact_by", value),
                    hint="By email, we use the address you sign in with.",
                ),
                forms.text_field(e, "phone", "Phone number (if by phone)", input_type="tel", autocomplete="tel"),
                forms.submit_button("Send complaint"),
                on_submit=S.submit,
                no_validate=True,
            ),
            rx.el.p(rx.el.a("Back to complaints", href=routes.COMPLAINTS)),
        ),
    )


@page(routes.ESCALATE_COMPLAINT, "Take a complaint to stage 2", on_load=EscalateState.load, errors=EscalateState.errors)
def escalate_page() -> rx.Component:
    S = EscalateState
    v = S.view
    return rx.cond(
        S.loaded,
        rx.cond(
            S.found,
            rx.cond(
                S.done,
                _acknowledgement(S, "Stage 2 asked for"),
                rx.fragment(
                    forms.error_summary(S.errors, ESCALATE_ERRORS),
                    rx.el.h1("Take complaint ", v["reference"], " to stage 2", id="escalate-heading", tab_index=-1),
                    rx.el.p(v["summary"]),
                    rx.el.ul(rx.el.li(v["first"]), rx.el.li(v["second"]), class_name="list"),
                    rx.cond(
                        v["can"] == "yes",
                        rx.el.form(
                            rx.el.p(
                                "At stage 2 someone who did not deal with stage 1 looks at your complaint again. "
                                "We acknowledge it within 5 working days and answer within 20 working days of "
                                "acknowledging it. This is our final answer."
                            ),
                            forms.textarea_field(
                                S.errors,
                                "why",
                                "Why are you still unhappy? (optional)",
                                hint="You do not have to tell us, but it helps us put things right.",
                                max_length=C.TEXT_MAX_LENGTH,
                            ),
                            forms.submit_button("Take it to stage 2"),
                            on_submit=S.submit,
                            no_validate=True,
                        ),
                        rx.el.p(v["blocker"], class_name="inset"),
                    ),
                    rx.el.p(rx.el.a("Back to complaints", href=routes.COMPLAINTS)),
                ),
            ),
            rx.fragment(
                rx.el.h1(NOT_FOUND),
                rx.el.p("Check the reference, or see ", rx.el.a("your complaints", href=routes.COMPLAINTS), "."),
            ),
        ),
        rx.fragment(rx.el.h1("Take a complaint to stage 2"), loading_or_offline("Loading…", OFFLINE)),
    )


@page(routes.FEEDBACK, "Give a compliment or comment", on_load=FeedbackState.load, errors=FeedbackState.errors)
def feedback_page() -> rx.Component:
    S = FeedbackState
    e = S.errors
    return rx.cond(
        S.done,
        _acknowledgement(S, "Thank you"),
        rx.fragment(
            rx.el.h1("Give a compliment or comment"),
            rx.el.p(
                "Tell us when someone did a good job, or how we could do better. To complain, ",
                rx.el.a("make a complaint", href=routes.NEW_COMPLAINT),
                " instead, so we answer it within the complaint deadlines.",
            ),
            rx.el.form(
                forms.error_summary(e, FEEDBACK_ERRORS),
                forms.radios(
                    e,
                    "kind",
                    "What would you like to give?",
                    [(C.FEEDBACK_KINDS[0], "A compliment"), (C.FEEDBACK_KINDS[1], "A comment or suggestion")],
                    selected=S.choices.get("kind", ""),
                    on_select=lambda value: FeedbackState.choose("kind", value),
                ),
                rx.el.div(
                    rx.el.label("Which team is it about?", html_for="team", class_name="label"),
                    forms.error_line(e, "team", "team"),
                    rx.el.select(
                        rx.el.option("Choose a team", value=""),
                        *[rx.el.option(label, value=value) for value, label in C.FEEDBACK_TEAMS],
                        id="team",
                        name="team",
                        class_name="select",
                        aria_invalid=rx.cond(e.contains("team"), "true", "false"),
                    ),
                    class_name=rx.cond(e.contains("team"), "field field--error", "field"),
                ),
                forms.text_field(e, "who", "Who is it about? (optional)", hint="A name, if you know it"),
                forms.textarea_field(e, "what_happened", "What happened?", max_length=C.TEXT_MAX_LENGTH),
                forms.submit_button("Send"),
                on_submit=S.submit,
                no_validate=True,
            ),
            rx.el.p(rx.el.a("Back to complaints", href=routes.COMPLAINTS)),
        ),
    )
