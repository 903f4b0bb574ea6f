"""Report a repair: emergencies first (gas: the gas emergency number and nothing else; any
other emergency: our emergency number, and it can be logged for the record), then where
in the home, what is wrong (the landlord's triage tree, ``services/repairs/triage.py``),
the details (damp and mould's own questions; a description; up to 3 photos; access; how
to contact the resident), a time (slots from the contractor's system that fit the
priority's target), check your answers, and send. Each step keeps what was typed; each
mistake has its message next to its field and in the summary.

Photos go up through Reflex's upload route and are cleaned on the server, off the event
loop (``photos.clean``), then kept in the database as the resident's drafts
(``photo_store``): the state holds only their keys and names. Nothing here is secret.
"""

from __future__ import annotations

import asyncio

import reflex as rx
from reflex_base.utils.imports import ImportVar

from portal_app import routes
from portal_app.clock import uk_today, utcnow
from portal_app.components import forms
from portal_app.components.layout import page
from portal_app.components.pwa import loading_or_offline
from portal_app.pages.repairs import OFFLINE
from portal_app.services.repairs import common, journey, photo_store, photos, reporting, triage
from portal_app.services.validation import form_fields
from portal_app.settings import get_settings
from portal_app.state.access import current_principal, resident_only
from portal_app.state.database import in_transaction
from portal_app.state.session import SessionState

EMERGENCY, GAS, EMERGENCY_PHONE, LOGGED = "emergency", "gas", "emergency_phone", "logged"
WHERE, WHAT, NOT_ONLINE, DETAILS, TIME, CHECK, DONE = "where", "what", "not_online", "details", "time", "check", "done"
NOT_AN_EMERGENCY = "none"
PHONE_ME = "phone_me"
UPLOAD_ID = "photo-upload"
TYPED = (
    reporting.FIELD_DESCRIPTION,
    reporting.FIELD_IN_WHEN,
    reporting.FIELD_KEY_SAFE,
    reporting.FIELD_PETS,
    reporting.FIELD_ACCESS_OTHER,
    reporting.FIELD_PHONE,
    reporting.FIELD_DAMP_WHERE,
    reporting.FIELD_DAMP_HEALTH_DETAILS,
)
CHOSEN = (
    reporting.FIELD_CONTACT_WAY,
    reporting.FIELD_DAMP_SIZE,
    reporting.FIELD_DAMP_HOW_LONG,
    reporting.FIELD_DAMP_HEALTH,
)
ERROR_ORDER = [
    (reporting.FIELD_LIMIT, "description"),
    (reporting.FIELD_PATH, "description"),
    (reporting.FIELD_DAMP_WHERE, "damp-where"),
    (reporting.FIELD_DAMP_SIZE, "damp-size"),
    (reporting.FIELD_DAMP_HOW_LONG, "damp-how-long"),
    (reporting.FIELD_DAMP_HEALTH, "damp-health"),
    (reporting.FIELD_DAMP_HEALTH_DETAILS, "damp-health-details"),
    (reporting.FIELD_DESCRIPTION, "description"),
    (reporting.FIELD_IN_WHEN, "in-when"),
    (reporting.FIELD_KEY_SAFE, "key-safe"),
    (reporting.FIELD_PETS, "pets"),
    (reporting.FIELD_ACCESS_OTHER, "access-other"),
    (reporting.FIELD_CONTACT_WAY, "contact-way"),
    (reporting.FIELD_PHONE, "contact-phone"),
]
STEP_ERRORS = [("choice", "choice")]
LOG_ERRORS = [(reporting.FIELD_PHONE, "log-phone"), (reporting.FIELD_DESCRIPTION, "log-description")]


# At most two photos cleaned at once in this process: a 50-megapixel photo takes about 200 MB
# while it is worked on (services/repairs/photos.py).
_CLEANING = asyncio.Semaphore(2)


def _tree() -> triage.Triage:
    return triage.load(get_settings().repairs_triage_file or None)


class ReportRepairState(SessionState):
    loaded: bool = False
    has_home: bool = False
    step: str = EMERGENCY
    emergencies: list[dict[str, str]] = []
    emergency: str = ""
    emergency_label: str = ""
    areas: list[dict[str, str]] = []
    area: str = ""
    elements: list[dict[str, str]] = []
    element: str = ""
    problems: list[dict[str, str]] = []
    problem: str = ""
    path: str = ""
    what: str = ""  # "Kitchen: Taps: A tap drips or leaks"
    why: str = ""  # a leaf the portal does not take: why
    is_damp: bool = False
    priority_words: str = ""
    step_error: dict[str, str] = {}
    errors: dict[str, str] = {}
    typed: dict[str, str] = {}
    chosen: dict[str, str] = {}
    photos: list[dict[str, str]] = []  # {key, name}
    photo_error: str = ""
    slots: list[dict[str, str]] = []
    slot_outcome: str = ""  # slots | none | unavailable | not_bookable
    slot_latest: str = ""
    slot: str = ""
    slot_words: str = ""
    done: dict[str, str] = {}
    done_deadlines: list[str] = []
    log_errors: dict[str, str] = {}
    gas_words: str = ""
    emergency_phone: str = ""
    emergency_hours: str = ""

    @resident_only
    @rx.event
    async def load(self):
        principal = current_principal()
        now = utcnow()
        settings = get_settings()
        tree = await asyncio.to_thread(_tree)
        home = await in_transaction(common.home_of, principal, uk_today(now), settings)
        drafts = await in_transaction(photo_store.drafts, principal.user_id, now=now)
        self.has_home = home is not None
        self.step, self.errors, self.step_error, self.done, self.log_errors = EMERGENCY, {}, {}, {}, {}
        self.emergency = self.area = self.element = self.problem = self.path = self.slot = ""
        self.typed, self.chosen = {}, {reporting.FIELD_CONTACT_WAY: "phone"}
        self.emergencies = [{"value": e.id, "label": e.label, "hint": e.hint or ""} for e in tree.emergencies] + [
            {"value": NOT_AN_EMERGENCY, "label": "No, none of these", "hint": ""}
        ]
        self.areas = [{"value": a.id, "label": a.label, "hint": a.hint or ""} for a in tree.areas]
        self.photos = [{"key": d.key, "name": d.name} for d in drafts]
        self.gas_words = reporting.gas_words(tree)
        self.emergency_phone, self.emergency_hours = settings.repairs_emergency_phone, settings.repairs_emergency_hours
        self.loaded = True

    def _focus(self, element_id: str):
        return rx.call_script(
            f"window.scrollTo(0, 0); setTimeout(() => document.getElementById('{element_id}')?.focus(), 50)"
        )

    def _go(self, step: str):
        self.step, self.step_error = step, {}
        return self._focus("step-heading")

    # --- emergencies -------------------------------------------------------------------

    @resident_only
    @rx.event
    def choose_emergency(self, value: str):
        if isinstance(value, str) and any(e["value"] == value for e in self.emergencies):
            self.emergency = value

    @resident_only
    @rx.event
    def after_emergency(self):
        if not self.emergency:
            self.step_error = {"choice": "Select an emergency, or no, none of these"}
            return forms.focus_error_summary()
        if self.emergency == NOT_AN_EMERGENCY:
            return self._go(WHERE)
        found = _tree().emergency(self.emergency)
        if found is None:
            self.emergency = ""
            return
        self.emergency_label = found.label
        return self._go(GAS if found.is_gas else EMERGENCY_PHONE)

    @resident_only
    @rx.event
    async def log_emergency(self, form_data: dict):
        """Log for the record an emergency the resident is phoning us about."""
        principal = current_principal()
        sent = form_fields(form_data)
        form = {
            reporting.FIELD_PHONE: sent.get("log_phone", ""),
            reporting.FIELD_DESCRIPTION: sent.get("log_description", ""),
        }
        self.typed = {
            **self.typed,
            "log_phone": form[reporting.FIELD_PHONE],
            "log_description": form[reporting.FIELD_DESCRIPTION],
        }
        done = await in_transaction(
            reporting.log_emergency, principal, self.emergency, form, now=utcnow(), settings=get_settings()
        )
        if done.outcome in ("invalid", "limit"):
            self.log_errors = dict(done.errors)
            return forms.focus_error_summary()
        if done.outcome != "done":
            return
        self.log_errors = {}
        self.done = {"reference": done.reference}
        return self._go(LOGGED)

    # --- where and what ----------------------------------------------------------------

    @resident_only
    @rx.event
    def choose_area(self, value: str):
        area = _tree().area(value) if isinstance(value, str) else None
        if area is None:
            return
        self.area, self.element, self.problem, self.problems = area.id, "", "", []
        self.elements = [{"value": e.id, "label": e.label, "hint": e.hint or ""} for e in area.elements]

    @resident_only
    @rx.event
    def after_where(self):
        if not self.area:
            self.step_error = {"choice": "Select where the problem is"}
            return forms.focus_error_summary()
        return self._go(WHAT)

    @resident_only
    @rx.event
    def choose_element(self, value: str):
        element = _tree().element(self.area, value) if isinstance(value, str) else None
        if element is None:
            return
        self.element, self.problem = element.id, ""
        self.problems = [{"value": p.id, "label": p.label, "hint": p.hint or ""} for p in element.problems]

    @resident_only
    @rx.event
    def choose_problem(self, value: str):
        if isinstance(value, str) and any(p["value"] == value for p in self.problems):
            self.problem = value

    @resident_only
    @rx.event
    def after_what(self):
        leaf = _tree().leaf(f"{self.area}/{self.element}/{self.problem}") if self.problem else None
        if leaf is None:
            self.step_error = (
                {"problem": "Select what is wrong"} if self.element else {"element": "Select which part it is"}
            )
            return forms.focus_error_summary()
        self.path, self.what = leaf.path, f"{leaf.area_label}: {leaf.element_label}: {leaf.label}"
        self.is_damp, self.priority_words, self.why = leaf.is_damp_mould, leaf.priority_words, leaf.why or ""
        return self._go(DETAILS if leaf.offers_form else NOT_ONLINE)

    @resident_only
    @rx.event
    def back_to(self, step: str):
        order = [EMERGENCY, WHERE, WHAT, DETAILS, TIME, CHECK]
        if not isinstance(step, str):
            return
        if step in order and self.step in order and order.index(step) < order.index(self.step):
            return self._go(step)
        if step in (EMERGENCY, WHERE, WHAT) and self.step in (NOT_ONLINE, GAS, EMERGENCY_PHONE):
            return self._go(step)

    # --- details and photos -------------------------------------------------------------

    @resident_only
    @rx.event
    def choose(self, field: str, value: str):
        if isinstance(field, str) and field in CHOSEN and isinstance(value, str) and len(value) <= 20:
            self.chosen = {**self.chosen, field: value}

    @resident_only
    @rx.event
    def photos_rejected(self, _rejected: list):
        self.photo_error = (
            f"Each photo must be a JPG, PNG or HEIC file smaller than {photos.MAX_BYTES // (1024 * 1024)} MB, "
            f"and you can add up to {photos.MAX_PHOTOS}"
        )

    @resident_only
    @rx.event
    async def add_photos(self, files: list[rx.UploadFile]):
        principal = current_principal()
        chosen = [f for f in (files or []) if isinstance(f, rx.UploadFile)] if isinstance(files, list) else []
        self.photo_error = ""
        if not chosen:
            self.photo_error = "Choose a photo to add"
            return
        too_many = photos.check_count(len(self.photos), len(chosen))
        if too_many:
            self.photo_error = too_many
            return
        for upload in chosen:
            data = await asyncio.to_thread(upload.file.read, photos.MAX_BYTES + 1)
            async with _CLEANING:
                cleaned = await asyncio.to_thread(photos.clean, data, filename=upload.name or "")
            if isinstance(cleaned, photos.PhotoProblem):
                self.photo_error = cleaned.message
                return
            kept = await in_transaction(
                photo_store.add_draft, principal.user_id, cleaned, upload.name or "photo", now=utcnow()
            )
            if isinstance(kept, str):
                self.photo_error = kept
                return
            self.photos = [*self.photos, {"key": kept.key, "name": kept.name}]
        return rx.clear_selected_files(UPLOAD_ID)

    @resident_only
    @rx.event
    async def remove_photo(self, key: str):
        principal = current_principal()
        if await in_transaction(photo_store.remove_draft, principal.user_id, key):
            self.photos = [p for p in self.photos if p["key"] != key]

    def _form(self) -> dict[str, str]:
        return {reporting.FIELD_PATH: self.path, **self.typed, **self.chosen}

    @resident_only
    @rx.event
    async def after_details(self, form_data: dict):
        principal = current_principal()
        sent = form_fields(form_data)
        self.typed = {**self.typed, **{name: sent.get(name, "")[:2000] for name in TYPED}}
        leaf, errors = await in_transaction(
            reporting.check_answers, principal, self._form(), now=utcnow(), settings=get_settings()
        )
        if errors or leaf is None:
            self.errors = errors or {reporting.FIELD_PATH: "Choose what the problem is"}
            return forms.focus_error_summary()
        self.errors = {}
        offer = await asyncio.to_thread(
            journey.offer_for_new, principal, self.path, now=utcnow(), settings=get_settings()
        )
        self.slot_outcome, self.slot_latest = offer.outcome, offer.latest_words
        self.slots = [{"value": s.slot_id, "label": s.words, "hint": ""} for s in offer.slots[:40]]
        self.slots.append({"value": PHONE_ME, "label": "None of these: phone me to arrange a time", "hint": ""})
        if self.slot not in {s["value"] for s in self.slots}:
            self.slot = ""
        return self._go(TIME if offer.outcome == "slots" else CHECK)

    @resident_only
    @rx.event
    def choose_slot(self, value: str):
        found = next((s for s in self.slots if s["value"] == value), None) if isinstance(value, str) else None
        if found is not None:
            self.slot, self.slot_words = found["value"], found["label"] if found["value"] != PHONE_ME else ""

    @resident_only
    @rx.event
    def after_time(self):
        if not self.slot:
            self.step_error = {"choice": "Select a time, or that we should phone you to arrange one"}
            return forms.focus_error_summary()
        return self._go(CHECK)

    @resident_only
    @rx.event
    async def send(self):
        """Report it. Events from one tab run one at a time; once done, a second press does nothing."""
        if self.step != CHECK:
            return
        principal = current_principal()
        done = await asyncio.to_thread(
            journey.submit,
            principal,
            self._form(),
            photo_keys=tuple(p["key"] for p in self.photos),
            slot_id=self.slot if self.slot not in ("", PHONE_ME) else "",
            now=utcnow(),
            settings=get_settings(),
        )
        if done.outcome in ("invalid", "limit"):
            self.errors = dict(done.errors)
            self.step = DETAILS
            return forms.focus_error_summary()
        if done.outcome != "done":
            self.step, self.why = NOT_ONLINE, done.message
            return
        self.done = {
            "reference": done.reference,
            "priority": done.priority_words,
            "target": done.target_words,
            "appointment": done.appointment_words,
            "problem": done.booking_problem,
            "email": done.email,
        }
        self.done_deadlines = list(done.deadlines)
        self.photos = []
        return self._go(DONE)


# --- the page's parts ------------------------------------------------------------------


def _choice_radios(
    field: str,
    legend: str,
    options,
    selected,
    on_select,
    *,
    hint: str = "",
    error=None,
    key: str = "choice",
    page_heading: bool = False,
) -> rx.Component:
    """Radios drawn from state (the triage tree's choices), the first one's id ``field``
    so the error summary's link lands on it; ``error[key]`` is the group's message. With
    ``page_heading`` the question is the page's h1, inside the legend (GOV.UK's pattern for
    a page that asks one question)."""
    has_error = error.contains(key) if error is not None else False
    return rx.el.div(
        rx.el.fieldset(
            rx.el.legend(_heading(legend) if page_heading else legend, class_name="legend--page"),
            rx.el.p(hint, class_name="hint", id=f"{field}-hint") if hint else rx.fragment(),
            forms.error_line(error, key, field) if error is not None else rx.fragment(),
            rx.el.div(
                rx.foreach(
                    options,
                    lambda option, i: rx.el.div(
                        rx.el.input(
                            type="radio",
                            name=field,
                            value=option["value"],
                            id=rx.cond(i == 0, field, f"{field}-" + option["value"]),
                            default_checked=selected == option["value"],
                            on_change=on_select(option["value"]),
                            aria_describedby=rx.cond(option["hint"] != "", f"{field}-hint-" + option["value"], ""),
                        ),
                        rx.el.div(
                            rx.el.label(
                                option["label"], html_for=rx.cond(i == 0, field, f"{field}-" + option["value"])
                            ),
                            rx.cond(
                                option["hint"] != "",
                                rx.el.p(
                                    option["hint"], class_name="hint radio__hint", id=f"{field}-hint-" + option["value"]
                                ),
                            ),
                        ),
                        class_name="radio",
                    ),
                ),
                class_name="radios",
            ),
        ),
        class_name=rx.cond(has_error, "field field--error", "field"),
    )


def _continue(on_click, text: str = "Continue") -> rx.Component:
    return rx.el.button(text, type="button", class_name="button", on_click=on_click, disabled=~rx.State.is_hydrated)


def _back(step: str, text: str = "Back") -> rx.Component:
    return rx.el.p(
        rx.el.button(text, type="button", class_name="link-button", on_click=ReportRepairState.back_to(step))
    )


def _heading(words) -> rx.Component:
    return rx.el.h1(words, id="step-heading", tab_index=-1)


def _emergency_step() -> rx.Component:
    S = ReportRepairState
    return rx.fragment(
        _heading("Report a repair"),
        forms.error_summary(S.step_error, [("choice", "emergency")]),
        _choice_radios(
            "emergency",
            "Is it one of these emergencies?",
            S.emergencies,
            S.emergency,
            S.choose_emergency,
            hint="An emergency puts someone in danger or could badly damage the home. We deal with it by phone, "
            "day and night.",
            error=S.step_error,
        ),
        _continue(S.after_emergency),
    )


def _gas_step() -> rx.Component:
    S = ReportRepairState
    return rx.fragment(
        _heading("Leave your home and phone the gas emergency line"),
        rx.el.div(rx.el.p(rx.el.strong(S.gas_words)), class_name="notice notice--warning", role="alert"),
        rx.el.p("Do not report a gas leak online. When it is safe, you can report any damage to us."),
        _back(EMERGENCY, "Back to the emergencies"),
    )


def _emergency_phone_step() -> rx.Component:
    S = ReportRepairState
    e = S.log_errors
    return rx.fragment(
        _heading("Phone us now: this is an emergency"),
        rx.el.div(
            rx.el.p("For ", S.emergency_label, ", phone us now on"),
            rx.el.p(rx.el.a(rx.el.strong(S.emergency_phone, class_name="balance"), href="tel:" + S.emergency_phone)),
            rx.el.p("We answer ", S.emergency_hours, "."),
            class_name="notice notice--warning",
        ),
        rx.el.h2("Log it for the record"),
        rx.el.p(
            "If you have phoned us, or are about to, you can also log it here so it is on your record. "
            "This does not replace the phone call."
        ),
        rx.el.form(
            forms.error_summary(e, LOG_ERRORS),
            forms.text_field(
                e,
                reporting.FIELD_PHONE,
                "Phone number we can call you on",
                input_id="log-phone",
                input_type="tel",
                autocomplete="tel",
                default_value=S.typed.get("log_phone", ""),
            ),
            rx.el.div(
                rx.el.label("What has happened (optional)", html_for="log-description", class_name="label"),
                forms.error_line(e, reporting.FIELD_DESCRIPTION, "log-description"),
                rx.el.textarea(
                    id="log-description",
                    name="log_description",
                    rows=4,
                    class_name="textarea",
                    default_value=S.typed.get("log_description", ""),
                ),
                class_name="field",
            ),
            forms.submit_button("Log the emergency"),
            on_submit=S.log_emergency,
            no_validate=True,
        ),
        _back(EMERGENCY, "Back to the emergencies"),
    )


def _logged_step() -> rx.Component:
    S = ReportRepairState
    return rx.fragment(
        rx.el.div(
            _heading("Emergency logged"),
            rx.el.p("Reference ", rx.el.strong(S.done["reference"])),
            class_name="panel panel--success",
        ),
        rx.el.p(
            "If you have not phoned us yet, phone ",
            rx.el.a(S.emergency_phone, href="tel:" + S.emergency_phone),
            " now: an emergency is dealt with by phone.",
        ),
        rx.el.p(rx.el.a("See your repairs", href=routes.REPAIRS)),
    )


def _where_step() -> rx.Component:
    S = ReportRepairState
    return rx.fragment(
        forms.error_summary(S.step_error, [("choice", "area")]),
        _choice_radios(
            "area", "Where is the problem?", S.areas, S.area, S.choose_area, error=S.step_error, page_heading=True
        ),
        _continue(S.after_where),
        _back(EMERGENCY),
    )


def _what_step() -> rx.Component:
    S = ReportRepairState
    return rx.fragment(
        _heading("What is the problem?"),
        forms.error_summary(S.step_error, [("element", "element"), ("problem", "problem")]),
        _choice_radios(
            "element", "Which part is it?", S.elements, S.element, S.choose_element, error=S.step_error, key="element"
        ),
        rx.cond(
            S.problems.length() > 0,
            _choice_radios(
                "problem", "What is wrong?", S.problems, S.problem, S.choose_problem, error=S.step_error, key="problem"
            ),
        ),
        _continue(S.after_what),
        _back(WHERE),
    )


def _not_online_step() -> rx.Component:
    S = ReportRepairState
    return rx.fragment(
        _heading("We cannot take this repair online"),
        rx.el.p(S.why, class_name="inset"),
        rx.el.p(
            "If you think it is our repair, phone us on ",
            get_settings().landlord_phone,
            " (",
            get_settings().landlord_hours,
            ").",
        ),
        _back(WHAT, "Choose something else"),
    )


def _damp_questions() -> rx.Component:
    S = ReportRepairState
    e = S.errors
    return rx.fragment(
        rx.el.h2("About the damp or mould"),
        rx.el.p(
            "We must inspect damp and mould within 10 working days (Awaab's Law). These answers help the "
            "investigator bring what is needed."
        ),
        forms.text_field(
            e,
            reporting.FIELD_DAMP_WHERE,
            "Where exactly is it?",
            hint="For example, the bedroom wall behind the wardrobe",
            default_value=S.typed.get(reporting.FIELD_DAMP_WHERE, ""),
        ),
        forms.radios(
            e,
            reporting.FIELD_DAMP_SIZE,
            "How big is it?",
            list(reporting.DAMP_SIZES),
            selected=S.chosen.get(reporting.FIELD_DAMP_SIZE, ""),
            on_select=lambda v: S.choose(reporting.FIELD_DAMP_SIZE, v),
        ),
        forms.radios(
            e,
            reporting.FIELD_DAMP_HOW_LONG,
            "How long has it been there?",
            list(reporting.DAMP_HOW_LONG),
            selected=S.chosen.get(reporting.FIELD_DAMP_HOW_LONG, ""),
            on_select=lambda v: S.choose(reporting.FIELD_DAMP_HOW_LONG, v),
        ),
        forms.radios(
            e,
            reporting.FIELD_DAMP_HEALTH,
            "Does anyone in your home have a health condition damp could make worse?",
            list(reporting.YES_NO),
            selected=S.chosen.get(reporting.FIELD_DAMP_HEALTH, ""),
            on_select=lambda v: S.choose(reporting.FIELD_DAMP_HEALTH, v),
            hint="For example asthma or another breathing condition, a weak immune system, a baby or an older person",
        ),
        forms.textarea_field(
            e,
            reporting.FIELD_DAMP_HEALTH_DETAILS,
            "Tell us about their condition (optional)",
            max_length=reporting.LONG_MAX,
            default_value=S.typed.get(reporting.FIELD_DAMP_HEALTH_DETAILS, ""),
        ),
    )


def _photos() -> rx.Component:
    return _PhotoUpload.create(_photo_field())


def _photo_field() -> rx.Component:
    S = ReportRepairState
    return rx.el.div(
        rx.el.h2("Photos (optional)", id="photos-heading"),
        rx.el.p(photos.HINT, class_name="hint", id="photos-hint"),
        rx.cond(
            S.photo_error != "",
            rx.el.p(
                rx.el.span("Error: ", class_name="visually-hidden"),
                S.photo_error,
                class_name="error-message",
                id="photo-error",
            ),
        ),
        rx.cond(
            S.photos.length() > 0,
            rx.el.ul(
                rx.foreach(
                    S.photos,
                    lambda p: rx.el.li(
                        rx.el.img(
                            src=routes.API_REPAIR_PHOTO.replace("{key}", "") + p["key"] + "?size=small",
                            alt="",
                            class_name="thumb",
                        ),
                        rx.el.span(p["name"]),
                        rx.el.button(
                            "Remove",
                            rx.el.span(" ", p["name"], class_name="visually-hidden"),
                            type="button",
                            class_name="link-button",
                            on_click=S.remove_photo(p["key"]),
                        ),
                        class_name="photo-item",
                    ),
                ),
                class_name="list-plain photo-list",
                aria_label="Photos added",
            ),
        ),
        rx.cond(
            S.photos.length() < photos.MAX_PHOTOS,
            rx.fragment(
                rx.upload(
                    rx.el.p(
                        rx.el.span("Choose a photo", class_name="button button--secondary", id="photo-choose"),
                        " or drag it here.",
                    ),
                    rx.el.p(
                        "Chosen: ",
                        rx.cond(
                            rx.selected_files(UPLOAD_ID).length() > 0,
                            rx.selected_files(UPLOAD_ID).join(", "),
                            "no photo yet",
                        ),
                        aria_live="polite",
                    ),
                    id=UPLOAD_ID,
                    accept=photos.ACCEPT,
                    max_files=photos.MAX_PHOTOS,
                    multiple=True,
                    max_size=photos.MAX_BYTES,
                    on_drop_rejected=S.photos_rejected,
                    class_name="upload-zone",
                    aria_labelledby="photos-heading",
                ),
                rx.el.button(
                    "Add the photo",
                    type="button",
                    class_name="button button--secondary",
                    id="photo-add",
                    on_click=S.add_photos(rx.upload_files(upload_id=UPLOAD_ID)),
                    disabled=~rx.State.is_hydrated,
                ),
            ),
        ),
        class_name=rx.cond(S.photo_error != "", "field field--error", "field"),
    )


def _details_step() -> rx.Component:
    S = ReportRepairState
    e = S.errors
    return rx.fragment(
        _heading("Tell us about the problem"),
        rx.el.p(rx.el.strong(S.what)),
        rx.el.form(
            forms.error_summary(e, ERROR_ORDER),
            rx.cond(
                e.contains(reporting.FIELD_LIMIT),
                rx.el.p(e[reporting.FIELD_LIMIT], class_name="notice notice--warning"),
            ),
            rx.cond(S.is_damp, _damp_questions()),
            forms.textarea_field(
                e,
                reporting.FIELD_DESCRIPTION,
                "Describe the problem",
                hint="What is wrong, since when, and anything you have tried. At least 10 characters.",
                max_length=reporting.DESCRIPTION_MAX,
                default_value=S.typed.get(reporting.FIELD_DESCRIPTION, ""),
            ),
            _photos(),
            rx.el.h2("Getting in"),
            forms.text_field(
                e,
                reporting.FIELD_IN_WHEN,
                "When is someone usually in? (optional)",
                hint="For example, weekday mornings, or after 3pm",
                default_value=S.typed.get(reporting.FIELD_IN_WHEN, ""),
            ),
            forms.text_field(
                e,
                reporting.FIELD_KEY_SAFE,
                "Is there a key safe? (optional)",
                hint="Where it is. Do not write its code here: we will ask for it by phone",
                default_value=S.typed.get(reporting.FIELD_KEY_SAFE, ""),
            ),
            forms.text_field(
                e, reporting.FIELD_PETS, "Any pets? (optional)", default_value=S.typed.get(reporting.FIELD_PETS, "")
            ),
            forms.textarea_field(
                e,
                reporting.FIELD_ACCESS_OTHER,
                "Anything else the operative should know? (optional)",
                hint="For example, a parking space, stairs, or someone at home who needs notice",
                max_length=reporting.LONG_MAX,
                default_value=S.typed.get(reporting.FIELD_ACCESS_OTHER, ""),
            ),
            rx.el.h2("How we contact you"),
            forms.radios(
                e,
                reporting.FIELD_CONTACT_WAY,
                "How should we contact you about this repair?",
                list(reporting.CONTACT_WAYS),
                selected=S.chosen.get(reporting.FIELD_CONTACT_WAY, ""),
                on_select=lambda v: S.choose(reporting.FIELD_CONTACT_WAY, v),
            ),
            forms.text_field(
                e,
                reporting.FIELD_PHONE,
                "Phone number",
                hint="Needed if we should phone you. A UK number, like 07700 900 982",
                input_type="tel",
                autocomplete="tel",
                default_value=S.typed.get(reporting.FIELD_PHONE, ""),
            ),
            forms.submit_button("Continue"),
            on_submit=S.after_details,
            no_validate=True,
        ),
        _back(WHAT),
    )


def _time_step() -> rx.Component:
    S = ReportRepairState
    return rx.fragment(
        _heading("Choose a time for the repair"),
        forms.error_summary(S.step_error, [("choice", "slot")]),
        rx.el.p("These times are all before ", S.slot_latest, ", when we aim to have it fixed."),
        _choice_radios(
            "slot",
            "When can someone be in?",
            S.slots,
            S.slot,
            S.choose_slot,
            hint="An operative will come during the time you choose.",
            error=S.step_error,
        ),
        _continue(S.after_time),
        _back(DETAILS),
    )


def _row(label: str, value, change_to: str | None = None) -> rx.Component:
    return rx.el.div(
        rx.el.dt(label),
        rx.el.dd(value),
        rx.el.dd(
            rx.el.button(
                "Change",
                rx.el.span(" ", label.lower(), class_name="visually-hidden"),
                type="button",
                class_name="link-button",
                on_click=ReportRepairState.back_to(change_to),
            ),
            class_name="summary-list__action",
        )
        if change_to
        else rx.fragment(),
    )


def _check_step() -> rx.Component:
    S = ReportRepairState
    t = S.typed
    return rx.fragment(
        _heading("Check your answers"),
        rx.el.dl(
            _row("The problem", S.what, WHAT),
            _row("Priority", S.priority_words),
            _row("Description", t.get(reporting.FIELD_DESCRIPTION, ""), DETAILS),
            _row("Photos", rx.cond(S.photos.length() > 0, S.photos.length().to_string() + " added", "None"), DETAILS),
            _row(
                "How we contact you",
                rx.cond(
                    S.chosen.get(reporting.FIELD_CONTACT_WAY, "") == "email",
                    "By email",
                    rx.fragment("By phone: ", t.get(reporting.FIELD_PHONE, "")),
                ),
                DETAILS,
            ),
            _row(
                "Appointment",
                rx.cond(
                    S.slot_outcome == "slots",
                    rx.cond(S.slot_words != "", S.slot_words, "We will phone you to arrange a time"),
                    rx.cond(
                        S.slot_outcome == "unavailable",
                        "We cannot show times just now: we will contact you to arrange one",
                        "We will contact you to arrange a time",
                    ),
                ),
                TIME if True else None,
            ),
            class_name="summary-list",
        ),
        rx.el.button(
            "Report the repair", type="button", class_name="button", on_click=S.send, disabled=~rx.State.is_hydrated
        ),
    )


def _done_step() -> rx.Component:
    S = ReportRepairState
    d = S.done
    return rx.fragment(
        rx.el.div(
            _heading("Repair reported"),
            rx.el.p("Your reference ", rx.el.br(), rx.el.strong(d["reference"], class_name="balance")),
            class_name="panel panel--success",
        ),
        rx.el.dl(
            rx.el.div(rx.el.dt("Priority"), rx.el.dd(d["priority"])),
            rx.el.div(rx.el.dt("We will fix this by"), rx.el.dd(rx.el.strong(d["target"]))),
            rx.el.div(
                rx.el.dt("Appointment"),
                rx.el.dd(rx.cond(d["appointment"] != "", d["appointment"], "We will contact you to arrange a time")),
            ),
            class_name="summary-list",
        ),
        rx.cond(
            d["problem"] != "",
            rx.el.p(d["problem"], " You can choose another time on your repair's page.", class_name="notice"),
        ),
        rx.cond(
            S.done_deadlines.length() > 0,
            rx.fragment(
                rx.el.h2("What the law says we must do"),
                rx.el.ul(rx.foreach(S.done_deadlines, lambda line: rx.el.li(line)), class_name="list"),
            ),
        ),
        rx.el.h2("What happens next"),
        rx.el.p("We have sent these details to ", rx.el.strong(d["email"]), "."),
        rx.el.p("We will email you when anything changes. When the work is done we will ask you if it is fixed."),
        rx.el.p(rx.el.a("See this repair", href=routes.repair_detail(d["reference"]))),
        rx.el.p(rx.el.a("See all your repairs", href=routes.REPAIRS)),
    )


class _PhotoUpload(rx.Fragment):
    """Around the photo upload: names react-dropzone's file input (WCAG 4.1.2: every input
    has a name), as the imports page does. The upload appears only at the details step,
    after the page has mounted, so a watcher names the input whenever it is (re)drawn."""

    def add_hooks(self) -> list[str]:
        name = "photos-heading photo-choose"
        return [
            "useEffect(() => { const name = () => { const input = document.querySelector("
            f"'#{UPLOAD_ID} input[type=file]'); if (input && !input.getAttribute('aria-labelledby')) "
            f"input.setAttribute('aria-labelledby', '{name}'); }}; name(); "
            "const watcher = new MutationObserver(name); "
            "watcher.observe(document.body, { childList: true, subtree: true }); "
            "return () => watcher.disconnect(); }, [])"
        ]

    def add_imports(self) -> dict:
        return {"react": [ImportVar(tag="useEffect")]}


STEP_TITLES = [
    (GAS, "Gas: leave your home and phone the gas emergency line"),
    (EMERGENCY_PHONE, "Phone us now: this is an emergency"),
    (LOGGED, "Emergency logged"),
    (WHERE, "Where is the problem?"),
    (WHAT, "What is the problem?"),
    (NOT_ONLINE, "We cannot take this repair online"),
    (DETAILS, "Tell us about the problem"),
    (TIME, "Choose a time for the repair"),
    (CHECK, "Check your answers"),
    (DONE, "Repair reported"),
]


@page(
    routes.NEW_REPAIR,
    "Report a repair",
    on_load=ReportRepairState.load,
    by=ReportRepairState.step,
    states=STEP_TITLES,
    errors=[ReportRepairState.errors, ReportRepairState.step_error, ReportRepairState.log_errors],
)
def report_repair_page() -> rx.Component:
    S = ReportRepairState
    return rx.fragment(
        rx.cond(
            S.loaded,
            rx.cond(
                S.has_home,
                rx.match(
                    S.step,
                    (GAS, _gas_step()),
                    (EMERGENCY_PHONE, _emergency_phone_step()),
                    (LOGGED, _logged_step()),
                    (WHERE, _where_step()),
                    (WHAT, _what_step()),
                    (NOT_ONLINE, _not_online_step()),
                    (DETAILS, _details_step()),
                    (TIME, _time_step()),
                    (CHECK, _check_step()),
                    (DONE, _done_step()),
                    _emergency_step(),
                ),
                rx.fragment(
                    rx.el.h1("Report a repair"),
                    rx.el.p(
                        "You can report repairs online for the home you rent from us. Phone us on ",
                        get_settings().landlord_phone,
                        " to report any other repair.",
                    ),
                ),
            ),
            rx.fragment(rx.el.h1("Report a repair"), loading_or_offline("Loading…", OFFLINE)),
        )
    )
