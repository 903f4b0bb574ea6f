"""One request in the back office (``?ref=``): what the resident asked, everything that has
happened to it and who did it, its wait against the target, and what the officer can do:
assign it (to themselves or a colleague), reply or change its status, and for a refund
approve or decline it, see the other joint tenant's answer, reveal the bank details and
mark it paid.

Opening the page writes ``request_viewed`` to the audit log (``office.open_request``).
Every action takes the request from this page's own load (``_reference``), and the
service checks again who may do what.

A refund's bank details never enter this page's state: Reflex writes every var, the
underscore ones too, to its state folder or Redis. ``reveal_bank_details`` sends them once
in the event's script to ``assets/show_once.js``, which writes them into ``#bank-details``,
an element React renders empty and does not manage; they go when the officer chooses
"Hide the bank details", when the refund is marked paid, and on leaving the page.
"""

from __future__ import annotations

import json

import reflex as rx
from reflex_base.utils.imports import ImportVar

from portal_app import routes
from portal_app.clock import utcnow
from portal_app.components import forms
from portal_app.components.back_office import staff_page
from portal_app.services.requests import office
from portal_app.services.requests.common import NotYours, RequestNotFound
from portal_app.services.tenancy import complaints_office, evidence
from portal_app.services.validation import form_fields
from portal_app.state.access import current_staff, staff_only
from portal_app.state.database import in_transaction
from portal_app.state.staff import StaffState

SHOW_ONCE = "globalThis.doorstepShowOnce"
SHOW_ONCE_MODULE = rx.asset("show_once.js").importable_path
BANK_DETAILS_ID = "bank-details"
REVEAL_BUTTON_ID = "reveal-bank-details"

# Each error's field and the element its link in the error summary goes to.
ERROR_FIELDS = [
    ("assignee", "assignee"),
    ("status", "reply-status"),
    ("note", "note"),
    ("decision", "decision-heading"),
    ("approve_note", "approve-note"),
    ("reason", "reason"),
    ("paid", "mark-paid"),
    ("consent", "consent-heading"),
    ("bank", REVEAL_BUTTON_ID),
    ("ack_note", "ack-note"),
    ("extend_days", "extend-days"),
    ("extend_reason", "extend-reason"),
]

NOT_FOUND = "We cannot find that request"


def _yes(flag: bool) -> str:
    return "yes" if flag else ""


def _request_vars(v: office.RequestView) -> dict[str, str]:
    account = f"{v.account_label} {v.account_ref}".strip()
    return {
        "reference": v.reference,
        "kind": v.kind_label,
        "summary": v.summary,
        "status": v.status,
        "status_label": v.status_label,
        "is_open": _yes(v.is_open),
        "resident": v.resident_name,
        "resident_email": v.resident_email,
        "resident_href": routes.staff_resident(v.resident_user_id),
        "account": account or "Not about one account",
        "tenancy": v.tenancy_ref,
        "patch": v.patch or "No officer in our records",
        "raised_by": v.raised_by,
        "assigned": v.assigned_name or "Nobody yet",
        "assigned_to_me": _yes(v.assigned_to_viewer),
        "arrived": v.created_words,
        "waited": v.wait.words,
        "due": v.wait.due_words,
        "overdue": _yes(v.wait.overdue),
        "needs_decision": _yes(v.needs_decision),
        "approved": v.approved_words,
        "can_approve": _yes(v.can_approve),
        "approve_blocker": v.approve_blocker,
        "is_refund": _yes(v.is_refund),
        "amount": v.amount_words,
        "paid": v.paid_words,
        "can_mark_paid": _yes(v.can_mark_paid),
        "bank_masked": v.bank_details_masked,
        "has_bank_details": _yes(v.has_bank_details),
        "can_reveal": _yes(v.can_reveal),
        "consent_needed": _yes(v.consent.needed),
        "consent_words": v.consent.words,
        "consent_askable": _yes(v.consent.needed and not v.consent.asked and not v.consent.agreed and v.is_open),
    }


def _complaint_vars(c: complaints_office.StaffComplaint | None) -> dict[str, str]:
    if c is None:
        return {}
    return {
        "stage": f"stage {c.stage}",
        "first": c.words[0],
        "second": c.words[1],
        "extension": c.extension_words,
        "can_ack": _yes(c.can_acknowledge),
        "can_extend": _yes(c.can_extend),
    }


async def _complaint_info(reference: str, staff_id: int) -> dict[str, str]:
    if not reference:
        return {}
    try:
        found = await in_transaction(complaints_office.complaint_for_staff, reference, staff_id)
    except (RequestNotFound, NotYours):
        return {}
    return _complaint_vars(found)


def show_bank_details(details: office.BankDetails) -> rx.event.EventSpec:
    """Write the bank details into ``#bank-details`` (the one way they reach the page)."""
    payload = {
        "id": BANK_DETAILS_ID,
        "heading": "Bank details for this refund",
        "lines": [
            ["Name on the account", details.account_name],
            ["Sort code", details.sort_code],
            ["Account number", details.account_number],
        ],
        "hide": "Hide the bank details",
        "after": REVEAL_BUTTON_ID,
    }
    return rx.call_script(f"{SHOW_ONCE}?.lines({json.dumps(payload)})")


def forget_bank_details() -> rx.event.EventSpec:
    return rx.call_script(f"{SHOW_ONCE}?.forget({json.dumps(BANK_DETAILS_ID)})")


class RequestPageState(StaffState):
    loaded: bool = False
    found: bool = False
    req: dict[str, str] = {}
    lines: list[dict[str, str]] = []
    updates: list[dict[str, str]] = []
    next_statuses: list[dict[str, str]] = []
    assignees: list[dict[str, str]] = []
    consents: list[dict[str, str]] = []
    errors: dict[str, str] = {}
    notice: str = ""
    _reference: str = ""
    complaint: dict[str, str] = {}  # a complaint's deadlines under the Complaint Handling Code ({} otherwise)
    evidence: list[dict[str, str]] = []  # files the resident sent with it: {href, name, size, kind}

    def _fill(self, view: office.RequestView) -> None:
        self.found = True
        self._reference = view.reference
        self.req = _request_vars(view)
        self.lines = [{"label": ln.label, "value": ln.value} for ln in view.lines]
        self.updates = [
            {"at": u.at_words, "status": u.status_label, "note": u.note, "by": u.by} for u in reversed(view.updates)
        ]
        self.next_statuses = [{"value": c.value, "label": c.label} for c in view.next_statuses]
        self.consents = [
            {
                "id": str(line.consent_id),
                "name": line.name,
                "how": line.how_label,
                "asked": line.asked_words,
                "answer": line.answer_label,
                "answered": line.answered_words,
                "open": _yes(not line.answer and view.is_open),
            }
            for line in view.consent.lines
        ]
        self.assignees = [{"value": c.value, "label": c.label} for c in view.assignees]

    def _not_found(self) -> None:
        self.found, self._reference = False, ""
        self.req, self.lines, self.updates, self.next_statuses, self.consents = {}, [], [], [], []
        self.assignees = []

    async def _act(self, work, *args, done: str, **kwargs):
        """Run one of the officer's actions on this page's request: on success refresh the
        page and say what happened; with errors show them, nothing changed."""
        if not self._reference:
            return None
        staff = current_staff()
        try:
            result = await in_transaction(
                work,
                self._reference,
                *args,
                staff_id=staff.staff_id,
                now=utcnow(),
                client_ip=self._client_ip(),
                **kwargs,
            )
        except (RequestNotFound, NotYours):
            self._not_found()
            self.errors, self.notice = {}, ""
            return None
        if not result.ok:
            self.errors, self.notice = result.errors, ""
            return forms.focus_error_summary()
        self.errors, self.notice = {}, done
        self._fill(result.item)
        return None

    @staff_only("manage_requests")
    @rx.event
    async def load(self):
        staff = current_staff()
        reference = (self.router.url.query_parameters.get("ref", "") or "")[:32]
        self.errors, self.notice, self.loaded = {}, "", False
        try:
            view = await in_transaction(
                office.open_request, reference, staff.staff_id, now=utcnow(), client_ip=self._client_ip()
            )
        except (RequestNotFound, NotYours):
            self._not_found()
        else:
            self._fill(view)
        self.complaint = await _complaint_info(self._reference, staff.staff_id)
        sent = await in_transaction(evidence.for_reference, self._reference) if self._reference else []
        self.evidence = [
            {"href": routes.request_evidence(f.key), "name": f.name, "size": f.size_words, "kind": f.kind_words}
            for f in sent
        ]
        self.loaded = True

    @staff_only("manage_requests")
    @rx.event
    async def assign_to_me(self):
        return await self._act(
            office.assign_request, to_staff_id=current_staff().staff_id, done="This request is now assigned to you."
        )

    @staff_only("manage_requests")
    @rx.event
    async def assign(self, form_data: dict):
        chosen = form_fields(form_data).get("assignee", "")
        return await self._act(office.assign_request, to_staff_id=chosen, done="Assigned. We have emailed them.")

    @staff_only("manage_requests")
    @rx.event
    async def reply(self, form_data: dict):
        fields = form_fields(form_data)
        return await self._act(
            office.update_request,
            status=fields.get("status", ""),
            note=fields.get("note", ""),
            done="Sent. The resident can see it under My requests, and we have emailed them that there is an update.",
        )

    @staff_only("manage_requests")
    @rx.event
    async def approve(self, form_data: dict):
        note = form_fields(form_data).get("approve_note", "")
        found = await self._act(
            office.decide_request, decision=office.APPROVE, note=note, done="Approved. We have told the resident."
        )
        if "note" in self.errors:  # the service's field for the message
            self.errors = {"approve_note": self.errors["note"]}
        return found

    @staff_only("manage_requests")
    @rx.event
    async def decline(self, form_data: dict):
        reason = form_fields(form_data).get("reason", "")
        found = await self._act(
            office.decide_request, decision=office.DECLINE, note=reason, done="Declined. We have told the resident."
        )
        if "note" in self.errors:  # the service's field for the reason
            self.errors = {"reason": self.errors["note"]}
        return found

    @staff_only("manage_requests")
    @rx.event
    async def mark_paid(self):
        found = await self._act(
            office.mark_refund_paid, done="Marked paid. The bank details are deleted, and we have told the resident."
        )
        if self.notice:
            return forget_bank_details()
        return found

    @staff_only("manage_requests")
    @rx.event
    async def ask_consent(self):
        return await self._act(office.ask_joint_consent, done="We have asked the other joint tenant.")

    @staff_only("manage_requests")
    @rx.event
    async def record_answer(self, form_data: dict):
        fields = form_fields(form_data)
        return await self._act(
            office.record_joint_answer,
            consent_id=fields.get("consent_id", ""),
            answer=fields.get("answer", ""),
            done="Their answer is recorded.",
        )

    async def _complaint_step(self, work, done: str, **kwargs):
        """Acknowledge a complaint or extend its deadline (services/tenancy/complaints_office.py),
        then show the request again as the back office sees it."""
        if not self._reference:
            return None
        staff = current_staff()
        try:
            step = await in_transaction(
                work, self._reference, staff_id=staff.staff_id, now=utcnow(), client_ip=self._client_ip(), **kwargs
            )
            view = (
                None
                if not step.ok
                else await in_transaction(
                    office.open_request, self._reference, staff.staff_id, now=utcnow(), client_ip=self._client_ip()
                )
            )
        except (RequestNotFound, NotYours):
            self._not_found()
            self.errors, self.notice, self.complaint = {}, "", {}
            return None
        if view is None:
            self.errors, self.notice = step.errors, ""
            return forms.focus_error_summary()
        self._fill(view)
        self.complaint = _complaint_vars(step.complaint)
        self.errors, self.notice = {}, done
        return None

    @staff_only("manage_requests")
    @rx.event
    async def acknowledge_complaint(self, form_data: dict):
        return await self._complaint_step(
            complaints_office.acknowledge_complaint,
            "Acknowledged. We have emailed the resident the date we will answer by.",
            note=form_fields(form_data).get("ack_note", ""),
        )

    @staff_only("manage_requests")
    @rx.event
    async def extend_complaint(self, form_data: dict):
        fields = form_fields(form_data)
        return await self._complaint_step(
            complaints_office.extend_deadline,
            "Deadline extended. We have told the resident why, with the Housing Ombudsman's details.",
            days=fields.get("extend_days", ""),
            reason=fields.get("extend_reason", ""),
        )

    @staff_only("reveal_bank_details")
    @rx.event
    async def reveal_bank_details(self):
        if not self._reference:
            return None
        staff = current_staff()
        try:
            details = await in_transaction(
                office.reveal_bank_details, self._reference, staff.staff_id, now=utcnow(), client_ip=self._client_ip()
            )
        except NotYours:
            self.errors = {"bank": "Only the officer this refund is assigned to can see its bank details"}
            return forms.focus_error_summary()
        except RequestNotFound:
            self.errors = {"bank": "This refund has no bank details: they were deleted when it was paid"}
            return forms.focus_error_summary()
        self.errors = {}
        return show_bank_details(details)


class _RequestPage(rx.Fragment):
    """The page's root: its hook makes the show-once helper in the page's own render."""

    def add_hooks(self) -> list[str]:
        return [f"{SHOW_ONCE} ??= makeShowOnce()"]

    def add_imports(self) -> dict:
        return {SHOW_ONCE_MODULE: [ImportVar(tag="makeShowOnce")]}


S = RequestPageState
R = RequestPageState.req


def _row(label: str, value) -> rx.Component:
    return rx.el.div(rx.el.dt(label), rx.el.dd(value))


def _about() -> rx.Component:
    return rx.el.section(
        rx.el.h2("About this request"),
        rx.el.dl(
            _row(
                "Resident",
                rx.fragment(R["resident"], " (", rx.el.a("their accounts and requests", href=R["resident_href"]), ")"),
            ),
            _row("Email", R["resident_email"]),
            _row("Account", R["account"]),
            _row("Tenancy", R["tenancy"]),
            _row("Patch", R["patch"]),
            _row("Arrived", R["arrived"]),
            rx.cond(R["raised_by"] != "", _row("Raised by", rx.fragment(R["raised_by"], ", for the resident"))),
            _row("Assigned to", R["assigned"]),
            rx.foreach(S.lines, lambda ln: _row(ln["label"], ln["value"])),
            rx.cond(
                S.evidence.length() > 0,
                _row(
                    "Sent with it",
                    rx.el.ul(
                        rx.foreach(
                            S.evidence,
                            lambda f: rx.el.li(
                                rx.el.a(f["name"], href=f["href"], target="_blank", rel="noopener"),
                                " (",
                                f["kind"],
                                ", ",
                                f["size"],
                                ")",
                            ),
                        ),
                        class_name="list-plain",
                    ),
                ),
            ),
            class_name="summary-list",
        ),
    )


def _assign() -> rx.Component:
    return rx.el.section(
        rx.el.h2("Who deals with it"),
        rx.cond(
            R["assigned_to_me"] != "yes",
            rx.el.button("Assign to me", type="button", class_name="button", on_click=S.assign_to_me),
        ),
        rx.el.form(
            rx.el.div(
                rx.el.label("Assign it to", html_for="assignee", class_name="label"),
                forms.error_line(S.errors, "assignee", "assignee"),
                rx.el.select(
                    rx.el.option("Choose a member of staff", value=""),
                    rx.foreach(S.assignees, lambda c: rx.el.option(c["label"], value=c["value"])),
                    id="assignee",
                    name="assignee",
                    class_name="select",
                ),
                class_name="field",
            ),
            rx.el.button("Assign", type="submit", class_name="button button--secondary"),
            on_submit=S.assign,
            aria_label="Assign the request",
            no_validate=True,
        ),
    )


def _reply() -> rx.Component:
    return rx.el.section(
        rx.el.h2("Reply or move it on"),
        rx.el.form(
            rx.el.div(
                rx.el.label("What happens next", html_for="reply-status", class_name="label"),
                forms.error_line(S.errors, "status", "reply-status"),
                rx.el.select(
                    rx.foreach(S.next_statuses, lambda c: rx.el.option(c["label"], value=c["value"])),
                    id="reply-status",
                    name="status",
                    class_name="select",
                ),
                class_name="field",
            ),
            forms.textarea_field(
                S.errors,
                "note",
                "Message to the resident",
                hint=(
                    "They see it under My requests, with your name. We email them that there is an update, "
                    "never the message itself. Needed to decline, to ask them for something, or to reopen."
                ),
                max_length=office.OFFICER_NOTE_MAX_LENGTH,
            ),
            rx.el.button("Send", type="submit", class_name="button"),
            on_submit=S.reply,
            aria_label="Reply to the resident",
            no_validate=True,
        ),
    )


def _consent() -> rx.Component:
    return rx.cond(
        R["consent_needed"] == "yes",
        rx.el.section(
            rx.el.h3("The other joint tenant", id="consent-heading", tab_index=-1),
            rx.el.p(R["consent_words"]),
            rx.cond(
                S.consents.length() > 0,
                rx.el.ul(
                    rx.foreach(
                        S.consents,
                        lambda c: rx.el.li(
                            rx.el.strong(c["name"]),
                            ": ",
                            c["answer"],
                            rx.cond(c["answered"] != "", rx.fragment(" at ", c["answered"])),
                            rx.el.span(c["how"], " at ", c["asked"], class_name="caption"),
                            rx.cond(
                                c["open"] == "yes",
                                rx.el.form(
                                    rx.el.input(type="hidden", name="consent_id", value=c["id"]),
                                    rx.el.div(
                                        rx.el.label(
                                            "Their answer, given by phone or letter",
                                            html_for="answer-" + c["id"],
                                            class_name="label",
                                        ),
                                        rx.el.select(
                                            rx.el.option("They agree", value="agreed"),
                                            rx.el.option("They do not agree", value="refused"),
                                            id="answer-" + c["id"],
                                            name="answer",
                                            class_name="select",
                                        ),
                                        class_name="field",
                                    ),
                                    rx.el.button(
                                        "Record their answer", type="submit", class_name="button button--secondary"
                                    ),
                                    on_submit=S.record_answer,
                                    aria_label="Record the joint tenant's answer",
                                    no_validate=True,
                                ),
                            ),
                        ),
                    ),
                    class_name="list-spaced",
                ),
            ),
            rx.cond(
                R["consent_askable"] == "yes",
                rx.el.button(
                    "Ask the other joint tenant now",
                    type="button",
                    class_name="button button--secondary",
                    on_click=S.ask_consent,
                ),
            ),
        ),
    )


def _bank_details() -> rx.Component:
    return rx.cond(
        R["has_bank_details"] == "yes",
        rx.fragment(
            rx.cond(
                R["can_reveal"] == "yes",
                rx.fragment(
                    rx.el.button(
                        "Show the bank details",
                        type="button",
                        id=REVEAL_BUTTON_ID,
                        class_name="button button--secondary",
                        on_click=S.reveal_bank_details,
                    ),
                    rx.el.p(
                        "Each time you show them, it is recorded in the audit log with your name.", class_name="caption"
                    ),
                ),
                rx.el.p(
                    "Only the officer this refund is assigned to can see the bank details.",
                    id=REVEAL_BUTTON_ID,
                    tab_index=-1,
                ),
            ),
            # Filled by assets/show_once.js when the officer shows them; React renders it empty.
            rx.el.div(id=BANK_DETAILS_ID),
        ),
        rx.cond(R["paid"] != "", rx.el.p("The bank details were deleted when the refund was paid.")),
    )


def _decision() -> rx.Component:
    return rx.cond(
        (R["needs_decision"] == "yes") & (R["is_open"] == "yes") & (R["approved"] == ""),
        rx.el.section(
            rx.el.h3("Approve or decline", id="decision-heading", tab_index=-1),
            rx.cond(
                R["can_approve"] == "yes",
                rx.el.form(
                    forms.textarea_field(
                        S.errors,
                        "approve_note",
                        # A permission's message is its conditions (services/tenancy/permissions.py).
                        rx.cond(
                            R["kind"] == "Permission",
                            "Conditions of the permission (optional)",
                            "Message to the resident (optional)",
                        ),
                        hint="We tell them it is approved; add anything else they should know, such as a "
                        "permission's conditions.",
                        max_length=office.OFFICER_NOTE_MAX_LENGTH,
                    ),
                    rx.el.button("Approve", type="submit", class_name="button"),
                    on_submit=S.approve,
                    aria_label="Approve the request",
                    no_validate=True,
                ),
                rx.el.p(R["approve_blocker"], class_name="notice notice--warning"),
            ),
            rx.el.form(
                forms.textarea_field(
                    S.errors,
                    "reason",
                    "Why you are declining it",
                    hint="The resident sees this under My requests.",
                    max_length=office.OFFICER_NOTE_MAX_LENGTH,
                ),
                rx.el.button("Decline", type="submit", class_name="button button--warning"),
                on_submit=S.decline,
                aria_label="Decline the request",
                no_validate=True,
            ),
        ),
    )


def _refund() -> rx.Component:
    return rx.cond(
        R["is_refund"] == "yes",
        rx.el.section(
            rx.el.h2("Refund"),
            # The amount and the masked account are among the request's lines above.
            rx.cond(
                (R["approved"] != "") | (R["paid"] != ""),
                rx.el.dl(
                    rx.cond(R["approved"] != "", _row("Decision", R["approved"])),
                    rx.cond(R["paid"] != "", _row("Paid", R["paid"])),
                    class_name="summary-list",
                ),
            ),
            _consent(),
            _bank_details(),
            _decision(),
            rx.cond(
                R["can_mark_paid"] == "yes",
                rx.el.div(
                    rx.el.p("When the money has gone, mark the refund paid: its bank details are then deleted."),
                    rx.el.button(
                        "Mark as paid", type="button", id="mark-paid", class_name="button", on_click=S.mark_paid
                    ),
                ),
            ),
        ),
    )


def _decision_other() -> rx.Component:
    """A later kind that needs a decision (a payment plan) but is not a refund."""
    return rx.cond((R["is_refund"] != "yes") & (R["needs_decision"] == "yes"), _decision())


def _complaint() -> rx.Component:
    """A complaint's deadlines, and acknowledging it or extending its deadline (the Code)."""
    K = S.complaint
    return rx.cond(
        K.contains("stage"),
        rx.el.section(
            rx.el.h2("Complaint deadlines (", K["stage"], ")"),
            rx.el.p("The Housing Ombudsman's Complaint Handling Code sets these, in working days."),
            rx.el.ul(
                rx.el.li(K["first"]),
                rx.el.li(K["second"]),
                rx.cond(K["extension"] != "", rx.el.li(K["extension"])),
                class_name="list",
            ),
            rx.cond(
                K["can_ack"] == "yes",
                rx.el.form(
                    rx.el.h3("Acknowledge complaint"),
                    forms.textarea_field(
                        S.errors,
                        "ack_note",
                        "How we understand the complaint",
                        hint="What went wrong and what the resident wants. They see it under My requests, and we "
                        "email them the date we will answer by.",
                        max_length=complaints_office.NOTE_MAX_LENGTH,
                    ),
                    rx.el.button("Acknowledge complaint", type="submit", class_name="button"),
                    on_submit=S.acknowledge_complaint,
                    aria_label="Acknowledge the complaint",
                    no_validate=True,
                ),
            ),
            rx.cond(
                K["can_extend"] == "yes",
                rx.el.form(
                    rx.el.h3("Extend the deadline"),
                    forms.text_field(
                        S.errors,
                        "extend_days",
                        "How many more working days?",
                        hint="From 1 to 10, once only",
                        input_mode="numeric",
                        extra_class="input--short",
                        autocomplete="off",
                    ),
                    forms.textarea_field(
                        S.errors,
                        "extend_reason",
                        "Why you need more time",
                        hint="The resident sees this, with the Housing Ombudsman's contact details.",
                        max_length=complaints_office.NOTE_MAX_LENGTH,
                    ),
                    rx.el.button("Extend the deadline", type="submit", class_name="button button--secondary"),
                    on_submit=S.extend_complaint,
                    aria_label="Extend the complaint's deadline",
                    no_validate=True,
                ),
            ),
        ),
    )


def _history() -> rx.Component:
    return rx.el.section(
        rx.el.h2("What has happened, newest first"),
        rx.el.ol(
            rx.foreach(
                S.updates,
                lambda u: rx.el.li(
                    rx.el.strong(u["status"]),
                    " at ",
                    u["at"],
                    ", by ",
                    u["by"],
                    rx.cond(u["note"] != "", rx.el.p(u["note"], class_name="pre-line")),
                ),
            ),
            class_name="list-spaced",
        ),
    )


@staff_page(
    routes.STAFF_REQUEST,
    "Request",
    on_load=RequestPageState.load,
    errors=RequestPageState.errors,
    named=rx.cond(RequestPageState.found, "Request " + RequestPageState.req["reference"], ""),
)
def request_page() -> rx.Component:
    return _RequestPage.create(
        rx.cond(
            S.loaded,
            rx.cond(
                S.found,
                rx.fragment(
                    rx.cond(S.notice != "", rx.el.p(S.notice, class_name="notice notice--success", role="status")),
                    forms.error_summary(S.errors, ERROR_FIELDS),
                    rx.el.span(R["kind"], class_name="caption-l"),
                    rx.el.h1("Request ", R["reference"]),
                    rx.el.p(
                        rx.el.strong(
                            R["status_label"],
                            class_name=rx.match(
                                R["status"], ("done", "tag tag--done"), ("declined", "tag tag--declined"), "tag"
                            ),
                        ),
                        " ",
                        rx.cond(R["overdue"] == "yes", rx.el.strong("Overdue", class_name="tag tag--overdue")),
                    ),
                    rx.el.p(R["waited"], rx.cond(R["due"] != "", rx.fragment(". ", R["due"])), "."),
                    rx.el.p(rx.el.strong(R["summary"])),
                    _about(),
                    _refund(),
                    _decision_other(),
                    _complaint(),
                    rx.cond(R["is_open"] == "yes", _assign()),
                    _reply(),
                    _history(),
                    rx.el.p(rx.el.a("Back to the requests", href=routes.STAFF_QUEUE)),
                ),
                rx.fragment(
                    rx.el.h1(NOT_FOUND),
                    rx.el.p(
                        "Check the reference, or go back to ", rx.el.a("the requests", href=routes.STAFF_QUEUE), "."
                    ),
                ),
            ),
            rx.fragment(rx.el.h1("Request"), rx.el.p("Loading…")),
        )
    )
