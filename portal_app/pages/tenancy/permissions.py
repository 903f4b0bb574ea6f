"""Ask for permission (seed 000: "request permissions related to tenancy (e.g. for a pet)"):
the five kinds the landlord's policy covers, each with a line of what it covers, and the
resident's permission requests with our decision and its conditions or reasons
(``routes.PERMISSIONS``); and asking for one (``routes.ask_permission(kind)``): the policy's
main points, its questions, check your answers, send, and the reference with the date we aim
to reply by. The questions come from the policy file (``services/tenancy/permissions.py``),
so they are drawn from state. Only a tenant on the tenancy may ask."""

from __future__ import annotations

import asyncio
import dataclasses

import reflex as rx

from portal_app import routes
from portal_app.clock import uk_today, utcnow
from portal_app.components import forms
from portal_app.components.layout import page
from portal_app.components.pwa import loading_or_offline
from portal_app.pages.tenancy import OFFLINE
from portal_app.services.tenancy import permissions
from portal_app.services.validation import form_fields
from portal_app.settings import get_settings
from portal_app.state.access import current_principal, resident_only
from portal_app.state.database import in_transaction
from portal_app.state.session import SessionState

FORM, CHECK, DONE = "form", "check", "done"
NOT_A_TENANT = "Only a tenant named on the tenancy can ask for permission. Ask the tenant to ask us, or phone us on "


@dataclasses.dataclass
class KindItem:
    id: str = ""
    title: str = ""
    covers: str = ""
    href: str = ""


@dataclasses.dataclass
class AskedItem:
    reference: str = ""
    title: str = ""
    asked_on: str = ""
    decision: str = ""
    decision_words: str = ""
    said: str = ""
    decided_on: str = ""
    next_words: str = ""


@dataclasses.dataclass
class OptionItem:
    value: str = ""
    label: str = ""
    input_id: str = ""


@dataclasses.dataclass
class QuestionItem:
    id: str = ""
    label: str = ""
    hint: str = ""
    kind: str = ""
    input_id: str = ""  # where the error summary's link lands
    options: list[OptionItem] = dataclasses.field(default_factory=list)


@dataclasses.dataclass
class ErrorItem:
    target: str = ""
    message: str = ""


@dataclasses.dataclass
class LineItem:
    label: str = ""
    value: str = ""


def _policy() -> permissions.Policy:
    return permissions.load()


def _input_id(question_id: str) -> str:
    return "q-" + question_id  # ids are lower_snake_case (the policy's check)


class PermissionsState(SessionState):
    loaded: bool = False
    may_ask: bool = False
    kinds: list[KindItem] = []
    asked: list[AskedItem] = []

    @resident_only
    @rx.event
    async def load(self):
        principal = current_principal()
        settings = get_settings()
        policy = await asyncio.to_thread(_policy)
        self.may_ask = await in_transaction(permissions.may_ask, principal, today=uk_today(utcnow()), settings=settings)
        found = await in_transaction(permissions.my_permissions, principal.user_id, settings=settings, policy=policy)
        self.kinds = [KindItem(k.id, k.title, k.covers, routes.ask_permission(k.id)) for k in policy.kinds]
        self.asked = [
            AskedItem(
                r.reference, r.title, r.asked_on, r.decision, r.decision_words, r.said, r.decided_on, r.next_words
            )
            for r in found
        ]
        self.loaded = True


class AskPermissionState(SessionState):
    loaded: bool = False
    found: bool = False
    may_ask: bool = False
    step: str = FORM
    kind: str = ""
    title: str = ""
    covers: str = ""
    page_words: str = ""
    points: list[str] = []
    questions: list[QuestionItem] = []
    answers: dict[str, str] = {}
    errors: dict[str, str] = {}
    error_items: list[ErrorItem] = []
    lines: list[LineItem] = []
    done: dict[str, str] = {}
    sending: bool = False

    def _kind_asked(self) -> str:
        return str(self.router.url.query_parameters.get("kind", "") or "")[:40]

    def _show_errors(self, errors: dict[str, str]):
        self.errors = dict(errors)
        targets = {q.id: q.input_id for q in self.questions}
        order = [q.id for q in self.questions]
        self.error_items = [
            ErrorItem(targets.get(field, _input_id(field)), message)
            for field, message in sorted(errors.items(), key=lambda e: order.index(e[0]) if e[0] in order else -1)
        ]

    @resident_only
    @rx.event
    async def load(self):
        principal = current_principal()
        policy = await asyncio.to_thread(_policy)
        kind = policy.kind(self._kind_asked())
        self.step, self.answers, self.errors, self.error_items, self.lines, self.done = FORM, {}, {}, [], [], {}
        self.found, self.sending = kind is not None, False
        if kind is None:
            self.kind, self.title, self.points, self.questions = "", "", [], []
            self.page_words = "Permission not found"
            self.loaded = True
            return
        self.may_ask = await in_transaction(
            permissions.may_ask, principal, today=uk_today(utcnow()), settings=get_settings()
        )
        self.kind, self.title, self.covers = kind.id, kind.title, kind.covers
        self.page_words = f"Ask for permission: {kind.title.lower()}"
        self.points = list(kind.points)
        self.questions = [
            QuestionItem(
                q.id,
                q.label,
                q.hint,
                q.kind,
                _input_id(q.id) + ("-day" if q.kind == "date" else ""),
                [
                    OptionItem(o.value, o.label, _input_id(q.id) if i == 0 else f"{_input_id(q.id)}-{o.value}")
                    for i, o in enumerate(q.options)
                ],
            )
            for q in kind.questions
        ]
        self.loaded = True

    @resident_only
    @rx.event
    def choose(self, question_id: str, value: str):
        """A radio chosen: kept only if it is one of that question's options."""
        if not isinstance(question_id, str) or not isinstance(value, str):
            return
        question = next((q for q in self.questions if q.id == question_id and q.kind == "radio"), None)
        if question is not None and any(o.value == value for o in question.options):
            self.answers = {**self.answers, question_id: value}

    def _typed(self, form_data) -> dict[str, str]:
        sent = form_fields(form_data)
        kept = dict(self.answers)
        for q in self.questions:
            if q.kind == "date":
                for part in ("day", "month", "year"):
                    kept[f"{q.id}_{part}"] = sent.get(f"{q.id}_{part}", "")[:10]
            elif q.kind in ("text", "textarea"):
                limit = permissions.TEXTAREA_MAX if q.kind == "textarea" else permissions.TEXT_MAX
                kept[q.id] = sent.get(q.id, "")[: limit + 100]
        return kept

    @resident_only
    @rx.event
    def check_answers(self, form_data: dict):
        """Continue: every answer checked; the check page when all is well."""
        if self.step != FORM or not self.found or not self.may_ask:
            return
        self.answers = self._typed(form_data)
        kind = _policy().kind(self.kind)
        if kind is None:
            return
        lines, errors = permissions.check_answers(kind, self.answers, today=uk_today(utcnow()))
        if errors:
            self._show_errors(errors)
            return forms.focus_error_summary()
        self._show_errors({})
        self.lines = [LineItem(label, value) for label, value in lines]
        self.step = CHECK
        self.page_words = f"Check your answers: {kind.title.lower()}"
        return _focus_heading()

    @resident_only
    @rx.event
    def change_answers(self):
        if self.step == CHECK:
            self.step = FORM
            self.page_words = f"Ask for permission: {self.title.lower()}"
            return _focus_heading()

    @resident_only
    @rx.event
    async def send(self):
        """Send the request. Events from one tab run one at a time; once sent, a second press does nothing."""
        if self.step != CHECK or self.sending:
            return
        principal = current_principal()
        self.sending = True
        try:
            asked = await in_transaction(
                permissions.ask, principal, self.kind, dict(self.answers), now=utcnow(), settings=get_settings()
            )
        except (permissions.NotATenant, LookupError):
            self.may_ask, self.step, self.sending = False, FORM, False
            return
        self.sending = False
        if not asked.ok:
            self._show_errors(dict(asked.result.errors))
            self.step = FORM
            self.page_words = f"Ask for permission: {self.title.lower()}"
            return forms.focus_error_summary()
        ack = asked.result.acknowledgement
        self.done = {"reference": ack.reference, "reply": asked.reply_words, "email": ack.email}
        self.answers, self.step, self.page_words = {}, DONE, "Request sent"
        return _focus_heading()


def _focus_heading():
    return rx.call_script(
        "window.scrollTo(0, 0); setTimeout(() => document.getElementById('step-heading')?.focus(), 50)"
    )


# --- Ask for permission: the list -------------------------------------------------------


def _kind_link(k) -> rx.Component:
    return rx.el.li(rx.el.a(k.title, href=k.href, class_name="link-strong"), rx.el.p(k.covers, class_name="hint"))


def _asked(r) -> rx.Component:
    return rx.el.section(
        rx.el.h3(r.title),
        rx.el.p(
            rx.el.strong(
                r.decision_words,
                class_name=rx.match(r.decision, ("given", "tag tag--done"), ("refused", "tag tag--declined"), "tag"),
            )
        ),
        rx.el.dl(
            rx.el.div(rx.el.dt("Reference"), rx.el.dd(r.reference)),
            rx.el.div(rx.el.dt("Asked on"), rx.el.dd(r.asked_on)),
            rx.cond(r.decided_on != "", rx.el.div(rx.el.dt("Decided on"), rx.el.dd(r.decided_on))),
            rx.cond(
                r.said != "",
                rx.el.div(
                    rx.el.dt(rx.cond(r.decision == "given", "Conditions", "Our reasons")),
                    rx.el.dd(r.said, class_name="pre-line"),
                ),
            ),
            class_name="summary-list",
        ),
        rx.el.p(r.next_words),
        rx.cond(r.decision == "refused", rx.el.p(rx.el.a("Make a complaint", href=routes.COMPLAINTS))),
        class_name="card",
    )


@page(routes.PERMISSIONS, "Ask for permission", on_load=PermissionsState.load)
def permissions_page() -> rx.Component:
    S = PermissionsState
    phone = get_settings().landlord_phone
    return rx.fragment(
        rx.el.h1("Ask for permission"),
        rx.cond(
            S.loaded,
            rx.fragment(
                rx.el.p(
                    "Your tenancy agreement says you must ask us before you do some things in your home. "
                    "Choose what you want to ask about: we show you our policy, then ask what we need to know."
                ),
                rx.cond(
                    S.may_ask,
                    rx.el.ul(rx.foreach(S.kinds, _kind_link), class_name="list-spaced"),
                    rx.el.p(NOT_A_TENANT, phone, ".", class_name="inset"),
                ),
                rx.el.h2("Your permission requests"),
                rx.cond(
                    S.asked.length() > 0,
                    rx.el.div(rx.foreach(S.asked, _asked)),
                    rx.el.p("You have not asked us for permission online yet."),
                ),
                rx.el.p(rx.el.a("Back to your tenancy", href=routes.TENANCY)),
            ),
            loading_or_offline("Loading…", OFFLINE),
        ),
    )


# --- Ask for one kind of permission ----------------------------------------------------


def _focus_script(target) -> rx.event.EventSpec:
    """Like the error summary's links (components/forms.py): focus the field on this page."""
    return rx.call_script(
        "(() => { const field = document.getElementById('"
        + target
        + "'); if (!field) return; const question = field.closest('fieldset')?.querySelector('legend') "
        "|| document.querySelector('label[for=\"' + field.id + '\"]') || field; "
        "question.scrollIntoView(); field.focus({ preventScroll: true }); })()"
    ).prevent_default


def _error_summary() -> rx.Component:
    S = AskPermissionState
    return rx.cond(
        S.error_items.length() > 0,
        rx.el.div(
            rx.el.h2("There is a problem", id="error-summary-title"),
            rx.el.ul(
                rx.foreach(
                    S.error_items,
                    lambda e: rx.el.li(rx.el.a(e.message, href="#" + e.target, on_click=_focus_script(e.target))),
                )
            ),
            class_name="error-summary",
            role="alert",
            aria_labelledby="error-summary-title",
            tab_index=-1,
            id="error-summary",
        ),
    )


def _error_line(q) -> rx.Component:
    S = AskPermissionState
    return rx.cond(
        S.errors.contains(q.id),
        rx.el.p(
            rx.el.span("Error: ", class_name="visually-hidden"),
            S.errors[q.id],
            class_name="error-message",
            id=q.input_id + "-error",
        ),
    )


def _described(q, base: str):
    S = AskPermissionState
    hint = rx.cond(q.hint != "", base + "-hint", "")
    return rx.cond(S.errors.contains(q.id), hint + " " + base + "-error", hint)


def _text_question(q, *, multiline: bool) -> rx.Component:
    S = AskPermissionState
    box_id = q.input_id
    has_error = S.errors.contains(q.id)
    common = dict(
        id=box_id,
        name=q.id,
        default_value=S.answers.get(q.id, ""),
        aria_describedby=_described(q, box_id),
        aria_invalid=rx.cond(has_error, "true", "false"),
    )
    box = (
        rx.el.textarea(
            rows=5,
            spell_check=True,
            max_length=permissions.TEXTAREA_MAX,
            class_name=rx.cond(has_error, "textarea input--error", "textarea"),
            **common,
        )
        if multiline
        else rx.el.input(type="text", class_name=rx.cond(has_error, "input input--error", "input"), **common)
    )
    return rx.el.div(
        rx.el.label(q.label, html_for=box_id, class_name="label"),
        rx.cond(q.hint != "", rx.el.p(q.hint, class_name="hint", id=box_id + "-hint")),
        _error_line(q),
        box,
        class_name=rx.cond(has_error, "field field--error", "field"),
    )


def _date_question(q) -> rx.Component:
    S = AskPermissionState
    base = "q-" + q.id
    has_error = S.errors.contains(q.id)

    def part(name: str, label: str, wide: bool) -> rx.Component:
        return rx.el.div(
            rx.el.label(label, html_for=base + "-" + name, class_name="label"),
            rx.el.input(
                id=base + "-" + name,
                name=q.id + "_" + name,
                type="text",
                input_mode="numeric",
                default_value=S.answers.get(q.id + "_" + name, ""),
                class_name=rx.cond(has_error, "input input--short input--error", "input input--short"),
                style={"maxWidth": "7rem"} if wide else {},
            ),
        )

    return rx.el.div(
        rx.el.fieldset(
            rx.el.legend(q.label),
            rx.cond(q.hint != "", rx.el.p(q.hint, class_name="hint", id=q.input_id + "-hint")),
            _error_line(q),
            rx.el.div(
                part("day", "Day", False),
                part("month", "Month", False),
                part("year", "Year", True),
                class_name="date-input",
            ),
            role="group",
            aria_describedby=_described(q, q.input_id),
        ),
        class_name=rx.cond(has_error, "field field--error", "field"),
    )


def _radio_question(q) -> rx.Component:
    S = AskPermissionState
    has_error = S.errors.contains(q.id)
    return rx.el.div(
        rx.el.fieldset(
            rx.el.legend(q.label),
            rx.cond(q.hint != "", rx.el.p(q.hint, class_name="hint", id=q.input_id + "-hint")),
            _error_line(q),
            rx.el.div(
                rx.foreach(
                    q.options,
                    lambda o: rx.el.div(
                        rx.el.input(
                            type="radio",
                            name=q.id,
                            value=o.value,
                            id=o.input_id,
                            default_checked=S.answers.get(q.id, "") == o.value,
                            on_change=AskPermissionState.choose(q.id, o.value),
                            aria_invalid=rx.cond(has_error, "true", "false"),
                        ),
                        rx.el.label(o.label, html_for=o.input_id),
                        class_name="radio",
                    ),
                ),
                class_name="radios",
            ),
            aria_describedby=_described(q, q.input_id),
        ),
        class_name=rx.cond(has_error, "field field--error", "field"),
    )


def _question(q) -> rx.Component:
    return rx.match(
        q.kind,
        ("textarea", _text_question(q, multiline=True)),
        ("radio", _radio_question(q)),
        ("date", _date_question(q)),
        _text_question(q, multiline=False),
    )


def _form_step() -> rx.Component:
    S = AskPermissionState
    return rx.fragment(
        _error_summary(),  # GOV.UK: at the top of the page, above the heading
        rx.el.h1(S.title, id="step-heading", tab_index=-1),
        rx.el.p(S.covers, class_name="lead"),
        rx.el.h2("Our policy"),
        rx.el.ul(rx.foreach(S.points, lambda p: rx.el.li(p)), class_name="list"),
        rx.cond(
            S.may_ask,
            rx.el.form(
                rx.el.h2("Tell us about it"),
                rx.foreach(S.questions, _question),
                forms.submit_button("Continue"),
                on_submit=S.check_answers,
                no_validate=True,
            ),
            rx.el.p(NOT_A_TENANT, get_settings().landlord_phone, ".", class_name="inset"),
        ),
        rx.el.p(rx.el.a("Back to ask for permission", href=routes.PERMISSIONS)),
    )


def _check_step() -> rx.Component:
    S = AskPermissionState
    return rx.fragment(
        rx.el.h1("Check your answers", id="step-heading", tab_index=-1),
        rx.el.p("You are asking: ", rx.el.strong(S.title), "."),
        rx.el.dl(
            rx.foreach(
                S.lines, lambda line: rx.el.div(rx.el.dt(line.label), rx.el.dd(line.value, class_name="pre-line"))
            ),
            class_name="summary-list",
        ),
        rx.el.p(
            rx.el.button("Change your answers", type="button", class_name="link-button", on_click=S.change_answers)
        ),
        rx.el.p("When you send this, your housing officer will look at it. They may contact you to ask more."),
        rx.el.button(
            rx.cond(S.sending, "Please wait…", "Send the request"),
            type="button",
            class_name="button",
            on_click=S.send,
            disabled=rx.cond(rx.State.is_hydrated, S.sending, True),
        ),
    )


def _done_step() -> rx.Component:
    S = AskPermissionState
    return rx.fragment(
        rx.el.div(
            rx.el.h1("Request sent", id="step-heading", tab_index=-1),
            rx.el.p("Your reference is ", rx.el.strong(S.done["reference"])),
            class_name="panel panel--success",
        ),
        rx.el.p(S.done["reply"]),
        rx.el.p("We have sent a confirmation to ", S.done["email"], "."),
        rx.el.p(
            "Do not go ahead until we have given permission. We will email you when we have decided, and you can "
            "see our decision and any conditions on the permissions page."
        ),
        rx.el.p(rx.el.a("See your permission requests", href=routes.PERMISSIONS)),
    )


@page(
    routes.ASK_PERMISSION,
    "Asking for permission",
    on_load=AskPermissionState.load,
    named=AskPermissionState.page_words,
    errors=AskPermissionState.errors,
)
def ask_permission_page() -> rx.Component:
    S = AskPermissionState
    return rx.cond(
        S.loaded,
        rx.cond(
            S.found,
            rx.match(S.step, (CHECK, _check_step()), (DONE, _done_step()), _form_step()),
            rx.fragment(
                rx.el.h1("Permission not found"),
                rx.el.p(rx.el.a("Choose what you want to ask permission for", href=routes.PERMISSIONS)),
            ),
        ),
        rx.fragment(rx.el.h1("Ask for permission"), loading_or_offline("Loading…", OFFLINE)),
    )
