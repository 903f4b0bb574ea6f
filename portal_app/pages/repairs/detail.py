"""One repair: where it stands, the date we will fix it by (late once passed), the legal
deadlines (Awaab's Law, the Right to Repair and any compensation), the appointment with
"Change" and "Cancel", booking one when there is none, the photos, the history, and once
it is completed "Is it fixed?" ("No" reopens it, with the reason).

Everything is the service's (``following.detail``, ``appointments``): a reference that is
not of the resident's home shows "not found", the same as one that does not exist."""

from __future__ import annotations

import asyncio
import dataclasses

import reflex as rx

from portal_app import routes
from portal_app.clock import utcnow
from portal_app.components import forms
from portal_app.components.layout import page
from portal_app.components.pwa import loading_or_offline
from portal_app.pages.repairs import OFFLINE
from portal_app.services.repairs import appointments, following
from portal_app.services.validation import form_fields
from portal_app.settings import get_settings
from portal_app.state.access import current_principal, resident_only
from portal_app.state.database import in_transaction
from portal_app.state.session import SessionState

FIXED_ERRORS = [(following.FIELD_FIXED, "fixed"), (following.FIELD_REASON, "reason")]


@dataclasses.dataclass
class DeadlineItem:
    label: str = ""
    words: str = ""
    late: bool = False
    done: str = ""


@dataclasses.dataclass
class EventItem:
    when: str = ""
    status: str = ""
    note: str = ""


class RepairState(SessionState):
    loaded: bool = False
    found: bool = False
    reference: str = ""
    view: dict[str, str] = {}
    is_open: bool = False
    late: bool = False
    deadlines: list[DeadlineItem] = []
    history: list[EventItem] = []
    photos: list[str] = []
    damp: list[dict[str, str]] = []
    has_appointment: bool = False
    can_book: bool = False
    ask_fixed: bool = False
    can_cancel: bool = False
    cancelling_repair: bool = False
    cancel_error: dict[str, str] = {}
    # Booking or changing: the slots offered, the one chosen, and what happened.
    choosing: bool = False
    slots: list[dict[str, str]] = []
    slot: str = ""
    slot_message: str = ""
    slot_error: dict[str, str] = {}
    confirming_cancel: bool = False
    notice: str = ""
    fixed: str = ""
    rating: str = ""
    errors: dict[str, str] = {}

    def _ref(self) -> str:
        return str(self.router.url.query_parameters.get("repair", "") or "")[:40]

    async def _refresh(self):
        principal = current_principal()
        view = await in_transaction(following.detail, principal, self._ref(), now=utcnow(), settings=get_settings())
        self.found = view is not None
        if view is None:
            self.reference = ""
            return
        s = view.summary
        self.reference = s.reference
        self.is_open, self.late = s.open, s.late
        self.view = {
            "what": s.what,
            "status": s.status_words,
            "reported": s.reported_words,
            "target": s.target_words,
            "appointment": s.appointment_words,
            "priority": view.priority_words,
            "description": view.description,
            "access": view.access_notes,
            "contact": view.contact_words,
            "rtr": view.right_to_repair_words,
            "compensation": view.compensation_words,
            "fixed_words": view.fixed_words,
            "by_phone": "yes" if s.by_phone else "",
        }
        self.deadlines = [DeadlineItem(d.label, d.words, d.late, d.done) for d in view.deadlines]
        self.history = [EventItem(e.when, e.status_words, e.note) for e in view.history]
        self.photos = [routes.repair_photo(key) for key in view.photo_keys]
        self.damp = [{"label": label, "value": value} for label, value in view.damp_answers]
        self.has_appointment = view.appointment_id is not None
        self.can_book, self.ask_fixed, self.can_cancel = view.can_book, view.ask_fixed, view.can_cancel

    @resident_only
    @rx.event
    async def load(self):
        self.choosing, self.slots, self.slot, self.slot_message, self.slot_error = False, [], "", "", {}
        self.confirming_cancel, self.notice, self.errors, self.fixed, self.rating = False, "", {}, "", ""
        self.cancelling_repair, self.cancel_error = False, {}
        await self._refresh()
        self.loaded = True

    @resident_only
    @rx.event
    async def show_slots(self):
        principal = current_principal()
        offer = await asyncio.to_thread(
            appointments.offer, principal, self.reference, now=utcnow(), settings=get_settings()
        )
        self.choosing, self.slot, self.slot_error = True, "", {}
        self.slots = [{"value": s.slot_id, "label": s.words} for s in offer.slots[:40]]
        self.slot_message = {
            "none": "There are no times left before the date we will fix it by. We will phone you to arrange one.",
            "unavailable": "We cannot show times just now. Try again later, or we will phone you to arrange one.",
            "not_bookable": "This repair cannot be booked online. We will contact you.",
            "refused": "This repair cannot be booked online. We will contact you.",
        }.get(offer.outcome, "")
        return rx.call_script("setTimeout(() => document.getElementById('slots-heading')?.focus(), 50)")

    @resident_only
    @rx.event
    def choose_slot(self, value: str):
        if isinstance(value, str) and any(s["value"] == value for s in self.slots):
            self.slot = value

    @resident_only
    @rx.event
    def stop_choosing(self):
        self.choosing = False

    @resident_only
    @rx.event
    async def book(self):
        if not self.slot:
            self.slot_error = {"slot": "Select a time"}
            return forms.focus_error_summary()
        principal = current_principal()
        work = appointments.change if self.has_appointment else appointments.book
        done = await asyncio.to_thread(
            work, principal, self.reference, self.slot, now=utcnow(), settings=get_settings()
        )
        if done.outcome == "taken":
            self.slots = [{"value": s.slot_id, "label": s.words} for s in (done.offer.slots if done.offer else ())][:40]
            self.slot, self.slot_error = "", {"slot": "Someone booked that time a moment ago. Choose another"}
            return forms.focus_error_summary()
        if done.outcome == "unavailable":
            self.slot_error = {"slot": "We cannot book a time just now. Try again later, or we will phone you"}
            return forms.focus_error_summary()
        self.choosing, self.slot_error = False, {}
        self.notice = {
            "booked": f"Appointment booked: {done.words}.",
            "changed": f"Appointment changed to {done.words}.",
        }.get(done.outcome, "")
        await self._refresh()
        return rx.call_script("setTimeout(() => document.getElementById('notice')?.focus(), 50)")

    @resident_only
    @rx.event
    def ask_cancel(self):
        self.confirming_cancel = True

    @resident_only
    @rx.event
    def keep(self):
        self.confirming_cancel = False

    @resident_only
    @rx.event
    async def cancel_appointment(self):
        principal = current_principal()
        done = await asyncio.to_thread(
            appointments.cancel, principal, self.reference, now=utcnow(), settings=get_settings()
        )
        self.confirming_cancel = False
        self.notice = (
            "Appointment cancelled. The repair is still open: choose another time, or we will contact you."
            if done.outcome == "cancelled"
            else "We could not cancel the appointment just now. Try again, or phone us."
        )
        await self._refresh()
        return rx.call_script("setTimeout(() => document.getElementById('notice')?.focus(), 50)")

    @resident_only
    @rx.event
    def ask_cancel_repair(self):
        self.cancelling_repair, self.cancel_error = True, {}

    @resident_only
    @rx.event
    def keep_repair(self):
        self.cancelling_repair = False

    @resident_only
    @rx.event
    async def cancel_repair(self, form_data: dict):
        principal = current_principal()
        reason = form_fields(form_data).get("cancel_reason", "")
        done = await asyncio.to_thread(
            appointments.cancel_repair, principal, self.reference, reason, now=utcnow(), settings=get_settings()
        )
        if done.outcome == "invalid":
            self.cancel_error = {"cancel_reason": done.words}
            return forms.focus_error_summary()
        self.cancelling_repair = False
        self.notice = {
            "cancelled": "You have cancelled this repair.",
            "unavailable": "We could not cancel it just now. Try again, or phone us.",
        }.get(done.outcome, "This repair cannot be cancelled online now. Phone us if it is no longer needed.")
        await self._refresh()
        return rx.call_script("setTimeout(() => document.getElementById('notice')?.focus(), 50)")

    @resident_only
    @rx.event
    def choose_fixed(self, value: str):
        if isinstance(value, str) and value in ("yes", "no"):
            self.fixed = value

    @resident_only
    @rx.event
    def choose_rating(self, value: str):
        if isinstance(value, str) and value in dict(following.RATINGS):
            self.rating = value

    @resident_only
    @rx.event
    async def answer(self, form_data: dict):
        principal = current_principal()
        sent = form_fields(form_data)
        form = {
            following.FIELD_FIXED: self.fixed,
            following.FIELD_RATING: self.rating,
            following.FIELD_REASON: sent.get("reason", ""),
        }
        done = await in_transaction(
            following.answer_fixed, principal, self.reference, form, now=utcnow(), settings=get_settings()
        )
        if done.outcome == "invalid":
            self.errors = dict(done.errors)
            return forms.focus_error_summary()
        self.errors = {}
        self.notice = {
            "fixed": "Thank you for telling us it is fixed.",
            "reopened": "Thank you. We have reopened the repair and will contact you to put it right.",
        }.get(done.outcome, "")
        await self._refresh()
        return rx.call_script("setTimeout(() => document.getElementById('notice')?.focus(), 50)")


def _row(label: str, value) -> rx.Component:
    return rx.el.div(rx.el.dt(label), rx.el.dd(value))


def _deadline(d) -> rx.Component:
    return rx.el.li(
        rx.el.strong(d.label),
        ": by ",
        d.words,
        rx.cond(
            d.done != "",
            rx.fragment(". ", d.done),
            rx.cond(d.late, rx.el.strong(" (late)", class_name="tag tag--overdue")),
        ),
    )


def _appointment() -> rx.Component:
    S = RepairState
    return rx.el.section(
        rx.el.h2("Appointment"),
        rx.cond(
            S.view["appointment"] != "", rx.el.p(rx.el.strong(S.view["appointment"])), rx.el.p("No appointment yet.")
        ),
        rx.cond(
            S.has_appointment & ~S.choosing,
            rx.cond(
                S.confirming_cancel,
                rx.el.div(
                    rx.el.p(rx.el.strong("Cancel this appointment?"), " The repair stays open."),
                    rx.el.div(
                        rx.el.button(
                            "Yes, cancel it",
                            type="button",
                            class_name="button button--warning",
                            on_click=S.cancel_appointment,
                        ),
                        rx.el.button(
                            "No, keep it", type="button", class_name="button button--secondary", on_click=S.keep
                        ),
                        class_name="button-group",
                    ),
                    class_name="notice notice--warning",
                    role="group",
                    aria_label="Cancel the appointment?",
                ),
                rx.el.div(
                    rx.el.button(
                        "Change the appointment",
                        type="button",
                        class_name="button button--secondary",
                        on_click=S.show_slots,
                        disabled=~rx.State.is_hydrated,
                    ),
                    rx.el.button(
                        "Cancel the appointment",
                        type="button",
                        class_name="button button--secondary",
                        on_click=S.ask_cancel,
                        disabled=~rx.State.is_hydrated,
                    ),
                    class_name="button-group",
                ),
            ),
        ),
        rx.cond(
            S.can_book & ~S.choosing,
            rx.el.button(
                "Choose a time",
                type="button",
                class_name="button",
                on_click=S.show_slots,
                disabled=~rx.State.is_hydrated,
            ),
        ),
        rx.cond(S.choosing, _slots()),
    )


def _slots() -> rx.Component:
    S = RepairState
    return rx.el.div(
        rx.el.h3("Choose a time", id="slots-heading", tab_index=-1),
        forms.error_summary(S.slot_error, [("slot", "slot")]),
        rx.cond(S.slot_message != "", rx.el.p(S.slot_message, class_name="inset")),
        rx.cond(
            S.slots.length() > 0,
            rx.el.div(
                rx.el.fieldset(
                    rx.el.legend("When can someone be in?"),
                    forms.error_line(S.slot_error, "slot", "slot"),
                    rx.el.div(
                        rx.foreach(
                            S.slots,
                            lambda option, i: rx.el.div(
                                rx.el.input(
                                    type="radio",
                                    name="slot",
                                    value=option["value"],
                                    id=rx.cond(i == 0, "slot", "slot-" + option["value"]),
                                    on_change=S.choose_slot(option["value"]),
                                ),
                                rx.el.label(
                                    option["label"], html_for=rx.cond(i == 0, "slot", "slot-" + option["value"])
                                ),
                                class_name="radio",
                            ),
                        ),
                        class_name="radios",
                    ),
                ),
                class_name=rx.cond(S.slot_error.contains("slot"), "field field--error", "field"),
            ),
        ),
        rx.el.div(
            rx.cond(
                S.slots.length() > 0,
                rx.el.button(
                    "Book this time",
                    type="button",
                    class_name="button",
                    on_click=S.book,
                    disabled=~rx.State.is_hydrated,
                ),
            ),
            rx.el.button("Not now", type="button", class_name="button button--secondary", on_click=S.stop_choosing),
            class_name="button-group",
        ),
    )


def _is_it_fixed() -> rx.Component:
    S = RepairState
    e = S.errors
    return rx.el.section(
        rx.el.h2("Is it fixed?"),
        rx.el.form(
            forms.error_summary(e, FIXED_ERRORS),
            forms.radios(
                e,
                following.FIELD_FIXED,
                "Is the repair fixed?",
                [("yes", "Yes, it is fixed"), ("no", "No, it is not fixed")],
                selected=S.fixed,
                on_select=S.choose_fixed,
            ),
            rx.cond(
                S.fixed == "no",
                forms.textarea_field(
                    e, following.FIELD_REASON, "What is still wrong?", max_length=following.REASON_MAX
                ),
            ),
            rx.cond(
                S.fixed == "yes",
                forms.radios(
                    e,
                    following.FIELD_RATING,
                    "How was the repair? (optional)",
                    list(following.RATINGS),
                    selected=S.rating,
                    on_select=S.choose_rating,
                ),
            ),
            forms.submit_button("Send"),
            on_submit=S.answer,
            no_validate=True,
        ),
    )


def _found() -> rx.Component:
    S = RepairState
    v = S.view
    return rx.fragment(
        rx.el.h1(v["what"]),
        rx.cond(
            S.notice != "",
            rx.el.p(S.notice, class_name="notice notice--success", id="notice", tab_index=-1, role="status"),
        ),
        rx.el.dl(
            _row("Reference", S.reference),
            _row("Status", rx.el.strong(v["status"])),
            _row("Priority", v["priority"]),
            rx.cond(
                S.is_open,
                _row(
                    "We will fix it by",
                    rx.fragment(v["target"], rx.cond(S.late, rx.el.strong(" (late)", class_name="tag tag--overdue"))),
                ),
            ),
            _row("Reported", rx.fragment(v["reported"], rx.cond(v["by_phone"] != "", " (by phone)", ""))),
            rx.cond(v["description"] != "", _row("What you told us", v["description"])),
            rx.cond(v["access"] != "", _row("Getting in", v["access"])),
            rx.cond(v["contact"] != "", _row("How we contact you", v["contact"])),
            class_name="summary-list",
        ),
        rx.cond(v["fixed_words"] != "", rx.el.p(v["fixed_words"], class_name="inset")),
        rx.cond(S.ask_fixed, _is_it_fixed()),
        rx.cond(
            (S.deadlines.length() > 0) | (v["rtr"] != ""),
            rx.el.section(
                rx.el.h2("What the law says we must do"),
                rx.cond(S.deadlines.length() > 0, rx.el.ul(rx.foreach(S.deadlines, _deadline), class_name="list")),
                rx.cond(v["rtr"] != "", rx.el.p(v["rtr"])),
                rx.cond(v["compensation"] != "", rx.el.p(rx.el.strong(v["compensation"]), class_name="notice")),
            ),
        ),
        rx.cond(S.is_open, _appointment()),
        rx.cond(
            S.damp.length() > 0,
            rx.el.section(
                rx.el.h2("About the damp or mould"),
                rx.el.dl(rx.foreach(S.damp, lambda d: _row_var(d)), class_name="summary-list"),
            ),
        ),
        rx.cond(
            S.photos.length() > 0,
            rx.el.section(
                rx.el.h2("Photos"),
                rx.el.ul(
                    rx.foreach(
                        S.photos,
                        lambda src, i: rx.el.li(
                            rx.el.img(
                                src=src, alt="Photo " + (i + 1).to_string() + " of the problem", class_name="photo"
                            )
                        ),
                    ),
                    class_name="list-plain photo-grid",
                ),
            ),
        ),
        rx.el.section(
            rx.el.h2("What has happened"),
            rx.el.ol(
                rx.foreach(
                    S.history,
                    lambda e: rx.el.li(rx.el.strong(e.status), " — ", e.when, rx.cond(e.note != "", rx.el.p(e.note))),
                ),
                class_name="list-plain timeline",
            ),
        ),
        rx.cond(S.can_cancel, _cancel_repair()),
        rx.el.p(rx.el.a("See all your repairs", href=routes.REPAIRS)),
    )


def _cancel_repair() -> rx.Component:
    S = RepairState
    return rx.el.section(
        rx.el.h2("No longer needed?"),
        rx.cond(
            S.cancelling_repair,
            rx.el.form(
                forms.error_summary(S.cancel_error, [("cancel_reason", "cancel-reason")]),
                forms.textarea_field(
                    S.cancel_error,
                    "cancel_reason",
                    "Why are you cancelling it? (optional)",
                    hint="For example, it has stopped, or you reported it twice",
                    max_length=appointments.REASON_MAX,
                ),
                rx.el.div(
                    rx.el.button("Yes, cancel the repair", type="submit", class_name="button button--warning"),
                    rx.el.button(
                        "No, keep it", type="button", class_name="button button--secondary", on_click=S.keep_repair
                    ),
                    class_name="button-group",
                ),
                on_submit=S.cancel_repair,
                no_validate=True,
                aria_label="Cancel the repair",
            ),
            rx.el.button(
                "Cancel this repair",
                type="button",
                class_name="button button--secondary",
                on_click=S.ask_cancel_repair,
                disabled=~rx.State.is_hydrated,
            ),
        ),
    )


def _row_var(d) -> rx.Component:
    return rx.el.div(rx.el.dt(d["label"]), rx.el.dd(d["value"]))


@page(
    routes.REPAIR_DETAIL,
    "Your repair",
    on_load=RepairState.load,
    named=RepairState.view["what"],
    errors=[RepairState.errors, RepairState.slot_error, RepairState.cancel_error],
)
def repair_page() -> rx.Component:
    S = RepairState
    return rx.cond(
        S.loaded,
        rx.cond(
            S.found,
            _found(),
            rx.fragment(
                rx.el.h1("Repair not found"),
                rx.el.p("We cannot find that repair for your home."),
                rx.el.p(rx.el.a("See all your repairs", href=routes.REPAIRS)),
            ),
        ),
        rx.fragment(rx.el.h1("Your repair"), loading_or_offline("Loading…", OFFLINE)),
    )
