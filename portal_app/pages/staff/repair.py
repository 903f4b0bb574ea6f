"""One repair in the back office (``?ref=``): what is wrong and where, the resident and how to
reach them and get in, its priority, status and target, Awaab's Law's deadlines and the
Right to Repair, the appointment, the photos, the damp and mould answers, "Is it fixed?",
and the whole history, the team's internal notes marked as such. And what a repairs
officer can do: change the priority (with a reason), add a note (for the resident to see,
or for the team only), move it on to one of the statuses its life allows next, and record
Awaab's Law's steps.

Opening the page writes ``repair_viewed`` to the audit log (``office.view``). Every action
takes the repair from this page's own load (``_reference``), never from the browser, and
the service checks again who may do what; each form's errors show next to its fields and
in the error summary, and with errors nothing is written."""

from __future__ import annotations

import reflex as rx

from portal_app import routes
from portal_app.clock import uk_today, utcnow
from portal_app.components import forms
from portal_app.components.back_office import staff_page
from portal_app.services.repairs import office
from portal_app.services.validation import form_fields, period_date_from_form
from portal_app.settings import get_settings
from portal_app.state.access import current_staff, staff_only
from portal_app.state.database import in_transaction
from portal_app.state.staff import StaffState

NOT_FOUND = "We cannot find that repair"

# Each error's field and the element its link in the error summary goes to.
ERROR_FIELDS = [
    ("priority", "priority"),
    ("reason", "reason"),
    ("note", "note"),
    ("status", "status"),
    ("status_note", "status-note"),
    ("step", "step"),
    ("at", "awaab-at"),
    ("significant_hazard", "significant-hazard"),
    ("awaab_note", "awaab-note"),
]
YES, NO = "yes", "no"


def _yes(flag: bool) -> str:
    return YES if flag else ""


def _repair_vars(v: office.RepairOfficeView) -> dict[str, str]:
    return {
        "reference": v.reference,
        "what": v.what,
        "kind": v.kind_words,
        "description": v.description,
        "priority": v.priority,
        "priority_words": v.priority_words,
        "status": v.status,
        "status_words": v.status_words,
        "is_open": _yes(v.is_open),
        "reopened": _yes(v.reopened),
        "communal": _yes(v.communal),
        "source": v.source_words,
        "reported": v.reported_words,
        "target": v.target_words,
        "late": _yes(v.late),
        "resident": v.resident_name or "Not known from our records",
        "resident_email": v.resident_email or "Not known",
        "resident_href": routes.staff_resident(v.resident_user_id) if v.resident_user_id else "",
        "contact": v.contact_words or "Not given",
        "access": v.access_notes or "Not given",
        "address": v.address,
        "awaab": _yes(v.awaab),
        "awaab_late": _yes(v.awaab_late),
        "right_to_repair": v.right_to_repair_words,
        "compensation": v.compensation_words,
        "appointment": v.appointment_words or "None booked",
        "fixed": v.fixed_words,
        "fixed_reason": v.fixed_reason,
        "rating": v.rating_words,
        "can_investigate": _yes(any(c.value == office.INVESTIGATED for c in v.awaab_steps)),
    }


class RepairPageState(StaffState):
    loaded: bool = False
    found: bool = False
    repair: dict[str, str] = {}
    deadlines: list[dict[str, str]] = []
    history: list[dict[str, str]] = []
    photos: list[dict[str, str]] = []
    damp: list[dict[str, str]] = []
    next_statuses: list[dict[str, str]] = []
    priorities: list[dict[str, str]] = []
    awaab_steps: list[dict[str, str]] = []
    errors: dict[str, str] = {}
    notice: str = ""
    _reference: str = ""

    def _fill(self, v: office.RepairOfficeView) -> None:
        self.found = True
        self._reference = v.reference
        self.repair = _repair_vars(v)
        self.deadlines = [
            {"label": d.label, "words": d.words, "late": _yes(d.late and not d.done), "done": d.done}
            for d in v.deadlines
        ]
        self.history = [
            {"when": h.when, "status": h.status_words, "note": h.note, "by": h.by, "internal": _yes(h.internal)}
            for h in reversed(v.history)
        ]
        count = len(v.photo_keys)
        self.photos = [
            {"src": routes.repair_photo(key), "alt": f"Photo {n} of {count} sent with repair {v.reference}"}
            for n, key in enumerate(v.photo_keys, start=1)
        ]
        self.damp = [{"label": label, "value": value} for label, value in v.damp_answers]
        self.next_statuses = [{"value": c.value, "label": c.label} for c in v.next_statuses]
        self.priorities = [{"value": c.value, "label": c.label} for c in v.priorities]
        self.awaab_steps = [{"value": c.value, "label": c.label} for c in v.awaab_steps]

    def _not_found(self) -> None:
        self.found, self._reference = False, ""
        self.repair, self.deadlines, self.history, self.photos, self.damp = {}, [], [], [], []
        self.next_statuses, self.priorities, self.awaab_steps = [], [], []

    async def _act(self, work, *args, done: str, rename: dict[str, str] | None = None, **kwargs):
        """Run one of the officer's actions on this page's repair: on success show it as it
        is now and say what happened; with errors show them (each under its own form's
        field names), nothing changed; refused: the repair is not there for them."""
        if not self._reference:
            return None
        staff = current_staff()
        result = await in_transaction(
            work,
            self._reference,
            *args,
            staff_id=staff.staff_id,
            now=utcnow(),
            settings=get_settings(),
            client_ip=self._client_ip(),
            **kwargs,
        )
        if result.outcome == office.REFUSED:
            self._not_found()
            self.errors, self.notice = {}, ""
            return None
        if not result.ok:
            self.errors = {(rename or {}).get(name, name): message for name, message in result.errors}
            self.notice = ""
            return forms.focus_error_summary()
        self.errors, self.notice = {}, done
        self._fill(result.view)
        return None

    @staff_only("manage_repairs")
    @rx.event
    async def load(self):
        staff = current_staff()
        reference = (self.router.url.query_parameters.get("ref", "") or "")[:40]
        self.errors, self.notice, self.loaded = {}, "", False
        found = await in_transaction(
            office.view,
            reference,
            staff_id=staff.staff_id,
            now=utcnow(),
            settings=get_settings(),
            client_ip=self._client_ip(),
        )
        if found is None:
            self._not_found()
        else:
            self._fill(found)
        self.loaded = True

    @staff_only("manage_repairs")
    @rx.event
    async def change_priority(self, form_data: dict):
        fields = form_fields(form_data)
        return await self._act(
            office.change_priority,
            fields.get("priority", ""),
            fields.get("reason", ""),
            done="Priority changed, and the target worked out again. The resident can see why on their repair's page.",
        )

    @staff_only("manage_repairs")
    @rx.event
    async def add_note(self, form_data: dict):
        fields = form_fields(form_data)
        shown = fields.get("for_resident", "") == YES
        return await self._act(
            office.add_note,
            fields.get("note", ""),
            for_resident=shown,
            done=(
                "Note added. The resident can see it, and we have emailed them that there is one."
                if shown
                else "Note added for the team only. The resident cannot see it."
            ),
        )

    @staff_only("manage_repairs")
    @rx.event
    async def set_status(self, form_data: dict):
        fields = form_fields(form_data)
        return await self._act(
            office.set_status,
            fields.get("status", ""),
            fields.get("status_note", ""),
            rename={"note": "status_note"},
            done="Status changed. We have emailed the resident if they reported it online.",
        )

    @staff_only("manage_repairs")
    @rx.event
    async def record_awaab_step(self, form_data: dict):
        fields = form_fields(form_data)
        day, problem = period_date_from_form(
            fields, "awaab_at", label="When it happened", today=uk_today(utcnow()), required=False
        )
        if problem:
            self.errors, self.notice = {"at": problem}, ""
            return forms.focus_error_summary()
        hazard = {YES: True, NO: False}.get(fields.get("significant_hazard", ""))
        return await self._act(
            office.record_awaab_step,
            fields.get("step", ""),
            at=day,
            significant_hazard=hazard,
            note=fields.get("awaab_note", ""),
            rename={"note": "awaab_note"},
            done="Awaab's Law step recorded. The resident can see it on their repair's page.",
        )


S = RepairPageState
R = RepairPageState.repair


def _row(label: str, value) -> rx.Component:
    return rx.el.div(rx.el.dt(label), rx.el.dd(value))


def _choices_group(field: str, legend: str, options: rx.Var, *, hint: str | None = None) -> rx.Component:
    """Radios whose options come from the repair (what it may go to next): the form sends the
    chosen one. The error belongs to the whole group (GOV.UK radios)."""
    input_id = field.replace("_", "-")
    has_error = S.errors.contains(field)
    return rx.el.div(
        rx.el.fieldset(
            rx.el.legend(legend),
            rx.el.p(hint, class_name="hint", id=f"{input_id}-hint") if hint else rx.fragment(),
            forms.error_line(S.errors, field, input_id),
            rx.el.div(
                rx.foreach(
                    options,
                    lambda c: rx.el.div(
                        rx.el.input(
                            type="radio",
                            name=field,
                            value=c["value"],
                            id=f"{input_id}-" + c["value"],
                            aria_invalid=rx.cond(has_error, "true", "false"),
                        ),
                        rx.el.label(c["label"], html_for=f"{input_id}-" + c["value"]),
                        class_name="radio",
                    ),
                ),
                class_name="radios",
                id=input_id,
            ),
        ),
        class_name=rx.cond(has_error, "field field--error", "field"),
    )


def _yes_no(field: str, legend: str) -> rx.Component:
    input_id = field.replace("_", "-")
    has_error = S.errors.contains(field)
    return rx.el.div(
        rx.el.fieldset(
            rx.el.legend(legend),
            forms.error_line(S.errors, field, input_id),
            rx.el.div(
                *[
                    rx.el.div(
                        rx.el.input(
                            type="radio",
                            name=field,
                            value=value,
                            id=f"{input_id}-{value}",
                            aria_invalid=rx.cond(has_error, "true", "false"),
                        ),
                        rx.el.label(text, html_for=f"{input_id}-{value}"),
                        class_name="radio",
                    )
                    for value, text in ((YES, "Yes"), (NO, "No"))
                ],
                class_name="radios",
                id=input_id,
            ),
        ),
        class_name=rx.cond(has_error, "field field--error", "field"),
    )


def _summary() -> rx.Component:
    return rx.el.section(
        rx.el.h2("About this repair"),
        rx.el.dl(
            _row("What", R["what"]),
            _row("Kind", R["kind"]),
            _row("Home", rx.fragment(R["address"], rx.cond(R["communal"] == YES, rx.el.span(" (a communal repair)")))),
            _row("Priority", R["priority_words"]),
            _row("Reported", rx.fragment(R["reported"], " (", R["source"], ")")),
            _row(
                "Target",
                rx.fragment(
                    rx.cond(R["late"] == YES, rx.fragment(rx.el.strong("Late", class_name="tag tag--overdue"), " ")),
                    R["target"],
                ),
            ),
            _row("Appointment", R["appointment"]),
            _row("What the resident told us", rx.el.span(R["description"], class_name="pre-line")),
            class_name="summary-list",
        ),
    )


def _resident() -> rx.Component:
    return rx.el.section(
        rx.el.h2("The resident"),
        rx.el.dl(
            _row(
                "Name",
                rx.fragment(
                    R["resident"],
                    rx.cond(
                        R["resident_href"] != "",
                        rx.fragment(" (", rx.el.a("their accounts and requests", href=R["resident_href"]), ")"),
                    ),
                ),
            ),
            _row("Email", R["resident_email"]),
            _row("How to contact them", R["contact"]),
            _row("Getting in", rx.el.span(R["access"], class_name="pre-line")),
            class_name="summary-list",
        ),
    )


def _deadlines() -> rx.Component:
    return rx.cond(
        (S.deadlines.length() > 0) | (R["right_to_repair"] != ""),
        rx.el.section(
            rx.el.h2("Legal deadlines"),
            rx.cond(
                R["awaab_late"] == YES,
                rx.el.p(
                    rx.el.strong("Awaab's Law overdue: "),
                    "a step the law requires is late. Record it below as soon as it is done.",
                    class_name="notice notice--warning",
                ),
            ),
            rx.el.dl(
                rx.foreach(
                    S.deadlines,
                    lambda d: _row(
                        d["label"],
                        rx.fragment(
                            rx.cond(
                                d["late"] == YES,
                                rx.fragment(rx.el.strong("Overdue", class_name="tag tag--overdue"), " "),
                            ),
                            "By ",
                            d["words"],
                            rx.cond(d["done"] != "", rx.el.span(d["done"], class_name="caption")),
                        ),
                    ),
                ),
                class_name="summary-list",
            ),
            rx.cond(R["right_to_repair"] != "", rx.el.p(R["right_to_repair"])),
            rx.cond(R["compensation"] != "", rx.el.p(R["compensation"], class_name="notice notice--warning")),
        ),
    )


def _damp_and_photos() -> rx.Component:
    return rx.fragment(
        rx.cond(
            S.damp.length() > 0,
            rx.el.section(
                rx.el.h2("About the damp and mould"),
                rx.el.dl(rx.foreach(S.damp, lambda d: _row(d["label"], d["value"])), class_name="summary-list"),
            ),
        ),
        rx.cond(
            S.photos.length() > 0,
            rx.el.section(
                rx.el.h2("Photos"),
                rx.el.ul(
                    rx.foreach(
                        S.photos,
                        lambda p: rx.el.li(
                            rx.el.a(
                                rx.el.img(
                                    src=p["src"],
                                    alt=p["alt"],
                                    loading="lazy",
                                    style={"maxWidth": "16rem", "width": "100%", "height": "auto"},
                                ),
                                href=p["src"],
                            )
                        ),
                    ),
                    class_name="list-spaced",
                ),
            ),
        ),
    )


def _fixed() -> rx.Component:
    return rx.cond(
        R["fixed"] != "",
        rx.el.section(
            rx.el.h2("Is it fixed?"),
            rx.el.p(R["fixed"]),
            rx.cond(R["fixed_reason"] != "", rx.el.p("What is still wrong: ", rx.el.strong(R["fixed_reason"]))),
            rx.cond(R["rating"] != "", rx.el.p("Their rating: ", R["rating"])),
        ),
    )


def _priority_form() -> rx.Component:
    return rx.cond(
        S.priorities.length() > 0,
        rx.el.section(
            rx.el.h2("Change the priority"),
            rx.el.form(
                _choices_group(
                    "priority",
                    "New priority",
                    S.priorities,
                    hint="The target is worked out again from when it was reported.",
                ),
                forms.textarea_field(
                    S.errors,
                    "reason",
                    "Why you are changing it",
                    hint="The resident sees this on their repair's page.",
                    max_length=office.REASON_MAX,
                ),
                rx.el.button("Change the priority", type="submit", class_name="button button--secondary"),
                on_submit=S.change_priority,
                aria_label="Change the priority",
                no_validate=True,
            ),
        ),
    )


def _status_form() -> rx.Component:
    return rx.cond(
        S.next_statuses.length() > 0,
        rx.el.section(
            rx.el.h2("Move it on"),
            rx.el.form(
                _choices_group("status", "What has happened", S.next_statuses),
                forms.textarea_field(
                    S.errors,
                    "status_note",
                    "Note for the resident (optional)",
                    hint=(
                        "They see it on their repair's page. We email them that the status has changed, never "
                        "the note. Needed to cancel or reopen."
                    ),
                    max_length=office.REASON_MAX,
                ),
                rx.el.button("Change the status", type="submit", class_name="button"),
                on_submit=S.set_status,
                aria_label="Change the status",
                no_validate=True,
            ),
        ),
    )


def _note_form() -> rx.Component:
    return rx.el.section(
        rx.el.h2("Add a note"),
        rx.el.form(
            forms.textarea_field(
                S.errors,
                "note",
                "Note",
                hint="For the team only, unless you tick the box below.",
                max_length=office.NOTE_MAX,
            ),
            rx.el.div(
                rx.el.div(
                    rx.el.input(type="checkbox", id="for-resident", name="for_resident", value=YES),
                    rx.el.label("Let the resident see this note", html_for="for-resident"),
                    class_name="checkbox",
                ),
                class_name="field",
            ),
            rx.el.button("Add the note", type="submit", class_name="button button--secondary"),
            on_submit=S.add_note,
            aria_label="Add a note",
            no_validate=True,
        ),
    )


def _awaab_form() -> rx.Component:
    return rx.cond(
        S.awaab_steps.length() > 0,
        rx.el.section(
            rx.el.h2("Record an Awaab's Law step"),
            rx.el.form(
                _choices_group("step", "Which step is done", S.awaab_steps),
                rx.cond(
                    R["can_investigate"] == YES,
                    _yes_no(
                        "significant_hazard",
                        "If you are recording the investigation: did it find a significant hazard?",
                    ),
                ),
                forms.date_field(
                    S.errors,
                    "at",
                    "When it happened",
                    hint="Leave it blank for today. For example, 27 3 2027.",
                    prefix="awaab-at",
                    autocomplete_prefix=None,
                ),
                forms.textarea_field(
                    S.errors,
                    "awaab_note",
                    "Note for the team (optional)",
                    hint="The resident sees the step itself, in our words, not this note.",
                    max_length=office.REASON_MAX,
                ),
                rx.el.button("Record the step", type="submit", class_name="button"),
                on_submit=S.record_awaab_step,
                aria_label="Record an Awaab's Law step",
                no_validate=True,
            ),
        ),
    )


def _history() -> rx.Component:
    return rx.el.section(
        rx.el.h2("What has happened, newest first"),
        rx.el.ol(
            rx.foreach(
                S.history,
                lambda h: rx.el.li(
                    rx.cond(h["internal"] == YES, rx.fragment(rx.el.strong("Internal note", class_name="tag"), " ")),
                    rx.el.strong(h["status"]),
                    " at ",
                    h["when"],
                    ", by ",
                    h["by"],
                    rx.cond(h["note"] != "", rx.el.p(h["note"], class_name="pre-line")),
                ),
            ),
            class_name="list-spaced",
        ),
    )


def _status_tag() -> rx.Component:
    return rx.el.p(
        rx.cond(
            R["reopened"] == YES,
            rx.el.strong("Not fixed: reopened", class_name="tag tag--overdue"),
            rx.el.strong(
                R["status_words"],
                class_name=rx.match(
                    R["status"], ("completed", "tag tag--done"), ("cancelled", "tag tag--declined"), "tag"
                ),
            ),
        ),
        " ",
        rx.cond(R["awaab_late"] == YES, rx.el.strong("Awaab's Law overdue", class_name="tag tag--overdue")),
    )


@staff_page(
    routes.STAFF_REPAIR,
    "Repair",
    on_load=RepairPageState.load,
    errors=RepairPageState.errors,
    named=rx.cond(RepairPageState.found, "Repair " + RepairPageState.repair["reference"], ""),
)
def repair_page() -> rx.Component:
    return rx.cond(
        S.loaded,
        rx.cond(
            S.found,
            rx.fragment(
                rx.cond(S.notice != "", rx.el.p(S.notice, class_name="notice notice--success", role="status")),
                forms.error_summary(S.errors, ERROR_FIELDS),
                rx.el.span(R["kind"], class_name="caption-l"),
                rx.el.h1("Repair ", R["reference"]),
                _status_tag(),
                rx.el.p(rx.el.strong(R["what"])),
                _summary(),
                _deadlines(),
                _resident(),
                _damp_and_photos(),
                _fixed(),
                _status_form(),
                _awaab_form(),
                _priority_form(),
                _note_form(),
                _history(),
                rx.el.p(rx.el.a("Back to the repairs", href=routes.STAFF_REPAIRS)),
            ),
            rx.fragment(
                rx.el.h1(NOT_FOUND),
                rx.el.p("Check the reference, or go back to ", rx.el.a("the repairs", href=routes.STAFF_REPAIRS), "."),
            ),
        ),
        rx.fragment(rx.el.h1("Repair"), rx.el.p("Loading…")),
    )
