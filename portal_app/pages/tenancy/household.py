"""Your household (seed 002: residents update their household): who lives with you, and
"Tell us about a change": someone moved in or out, a birth, a death, each with the form the
landlord needs and, for evidence (a birth or death certificate), up to 3 files: a PDF kept
as sent, or a photo cleaned as repair photos are (``services/tenancy/evidence.py``). Sent,
it is a household change request under My requests (``services/tenancy/household.py``).

Files go up through Reflex's upload route (as on pages/repairs/new.py) and are checked on
the server, off the event loop, then kept as the resident's drafts: the state holds only
their keys, names and sizes. The National Insurance number is never put in state: the box
keeps what was typed in the browser while the form is corrected.
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
from portal_app.pages.tenancy import OFFLINE
from portal_app.services.tenancy import evidence, household
from portal_app.services.validation import form_fields
from portal_app.settings import get_settings
from portal_app.state.access import current_principal, resident_only
from portal_app.state.database import in_transaction
from portal_app.state.session import SessionState

UPLOAD_ID = "evidence-upload"
TYPED = ("in_name", "in_relationship", "out_address", "baby_name")
DATES = ("in_dob", "in_date", "out_date", "baby_dob", "died_date")
CHOSEN = ("in_lodger", "out_person", "died_person")
SECRET = ("in_ni",)  # sent to the service, never kept in state
ERROR_ORDER = [
    (household.FIELD_CHANGE, "change"),
    ("in_name", "in-name"),
    ("in_dob", "in-dob"),
    ("in_relationship", "in-relationship"),
    ("in_date", "in-date"),
    ("in_ni", "in-ni"),
    ("in_lodger", "in-lodger"),
    ("out_person", "out-person"),
    ("out_date", "out-date"),
    ("out_address", "out-address"),
    ("baby_name", "baby-name"),
    ("baby_dob", "baby-dob"),
    ("died_person", "died-person"),
    ("died_date", "died-date"),
]
FORM, DONE = "form", "done"
_CLEANING = asyncio.Semaphore(2)


def _empty_dates() -> dict[str, dict[str, str]]:
    return {d: {"day": "", "month": "", "year": ""} for d in DATES}


class HouseholdState(SessionState):
    loaded: bool = False
    has_home: bool = False
    step: str = FORM
    address: str = ""
    members: list[dict[str, str]] = []  # {name, role, you}
    others: list[dict[str, str]] = []  # {value, label}: whom a moved out or death is about
    change: str = ""
    errors: dict[str, str] = {}
    typed: dict[str, str] = {}
    dates: dict[str, dict[str, str]] = _empty_dates()
    chosen: dict[str, str] = {}
    files: list[dict[str, str]] = []  # {key, name, size}
    file_error: str = ""
    done: dict[str, str] = {}
    done_steps: list[str] = []

    @resident_only
    @rx.event
    async def load(self):
        principal = current_principal()
        now = utcnow()
        found = await in_transaction(household.household, principal, today=uk_today(now), settings=get_settings())
        drafts = await in_transaction(evidence.drafts, principal.user_id, now=now)
        self.has_home = found is not None
        self.step, self.errors, self.done, self.done_steps = FORM, {}, {}, []
        self.change, self.typed, self.chosen, self.dates, self.file_error = "", {}, {}, _empty_dates(), ""
        if found is not None:
            self.address = found.address
            self.members = [
                {"name": m.name, "role": m.role_words, "you": "yes" if m.is_you else ""} for m in found.members
            ]
            self.others = [{"value": m.key, "label": f"{m.name} ({m.role_words})"} for m in found.others]
        else:
            self.address, self.members, self.others = "", [], []
        self.files = [{"key": d.key, "name": d.name, "size": d.size_words} for d in drafts]
        self.loaded = True

    @resident_only
    @rx.event
    def choose_change(self, value: str):
        if isinstance(value, str) and value in household.CHANGE_WORDS:
            self.change, self.errors = value, {}

    @resident_only
    @rx.event
    def choose(self, field: str, value: str):
        if isinstance(field, str) and field in CHOSEN and isinstance(value, str) and len(value) <= 20:
            self.chosen = {**self.chosen, field: value}

    @resident_only
    @rx.event
    def files_rejected(self, _rejected: list):
        self.file_error = (
            f"Each file must be a PDF, or a JPG, PNG or HEIC photo, smaller than "
            f"{evidence.MAX_BYTES // (1024 * 1024)} MB, and you can add up to {evidence.MAX_FILES}"
        )

    @resident_only
    @rx.event
    async def add_files(self, files: list[rx.UploadFile]):
        principal = current_principal()
        chosen = [f for f in (files or []) if isinstance(f, rx.UploadFile)] if isinstance(files, list) else []
        self.file_error = ""
        if not chosen:
            self.file_error = "Choose a file to add"
            return
        too_many = evidence.check_count(len(self.files), len(chosen))
        if too_many:
            self.file_error = too_many
            return
        for upload in chosen:
            data = await asyncio.to_thread(upload.file.read, evidence.MAX_BYTES + 1)
            async with _CLEANING:
                checked = await asyncio.to_thread(evidence.clean, data, filename=upload.name or "")
            if isinstance(checked, evidence.FileProblem):
                self.file_error = checked.message
                return
            kept = await in_transaction(evidence.add_draft, principal.user_id, checked, upload.name or "", now=utcnow())
            if isinstance(kept, str):
                self.file_error = kept
                return
            self.files = [*self.files, {"key": kept.key, "name": kept.name, "size": kept.size_words}]
        return rx.clear_selected_files(UPLOAD_ID)

    @resident_only
    @rx.event
    async def remove_file(self, key: str):
        principal = current_principal()
        if await in_transaction(evidence.remove_draft, principal.user_id, key):
            self.files = [f for f in self.files if f["key"] != key]

    @resident_only
    @rx.event
    async def send(self, form_data: dict):
        if self.step != FORM:
            return
        principal = current_principal()
        sent = form_fields(form_data)
        self.typed = {name: sent.get(name, "")[:300] for name in TYPED}
        self.dates = {d: {p: sent.get(f"{d}_{p}", "")[:10] for p in ("day", "month", "year")} for d in DATES}
        names = {*TYPED, *SECRET, *(f"{d}_{p}" for d in DATES for p in ("day", "month", "year"))}
        form = {k: v for k, v in sent.items() if k in names}
        form.update(self.chosen)
        done = await in_transaction(
            household.tell_us, principal, self.change, form, now=utcnow(), settings=get_settings()
        )
        if not done.ok:
            self.errors = dict(done.errors)
            return forms.focus_error_summary()
        self.errors, self.files, self.step = {}, [], DONE
        self.done = {"reference": done.reference, "promise": done.reply_promise, "email": done.email}
        self.done_steps = list(done.next_steps)
        return rx.call_script(
            "window.scrollTo(0, 0); setTimeout(() => document.getElementById('done-heading')?.focus(), 50)"
        )


# --- the page's parts ------------------------------------------------------------------


def _people_radios(field: str, legend: str) -> rx.Component:
    """Radios of the household (from state), the first one's id the field's, for the summary's link."""
    S = HouseholdState
    input_id = field.replace("_", "-")
    has_error = S.errors.contains(field)
    return rx.el.div(
        rx.el.fieldset(
            rx.el.legend(legend),
            forms.error_line(S.errors, field, input_id),
            rx.el.div(
                rx.foreach(
                    S.others,
                    lambda option, i: rx.el.div(
                        rx.el.input(
                            type="radio",
                            name=field,
                            value=option["value"],
                            id=rx.cond(i == 0, input_id, f"{input_id}-" + option["value"]),
                            default_checked=S.chosen.get(field, "") == option["value"],
                            on_change=S.choose(field, option["value"]),
                            aria_invalid=rx.cond(has_error, "true", "false"),
                        ),
                        rx.el.label(
                            option["label"], html_for=rx.cond(i == 0, input_id, f"{input_id}-" + option["value"])
                        ),
                        class_name="radio",
                    ),
                ),
                class_name="radios",
            ),
            aria_describedby=rx.cond(has_error, f"{input_id}-error", None),
        ),
        class_name=rx.cond(has_error, "field field--error", "field"),
    )


def _date(field: str, legend: str, hint: str, autocomplete: str | None = None) -> rx.Component:
    S = HouseholdState
    return forms.date_field(
        S.errors,
        field,
        legend,
        hint=hint,
        prefix=field.replace("_", "-"),
        autocomplete_prefix=autocomplete,
        defaults=S.dates[field],
    )


def _moved_in() -> rx.Component:
    S = HouseholdState
    e = S.errors
    return rx.fragment(
        rx.el.h2("Who has moved in"),
        forms.text_field(e, "in_name", "Their full name", default_value=S.typed.get("in_name", "")),
        _date("in_dob", "Their date of birth", "For example, 27 3 1990"),
        forms.text_field(
            e,
            "in_relationship",
            "How are they related to you?",
            hint="For example, partner, son, mother or friend",
            default_value=S.typed.get("in_relationship", ""),
        ),
        _date("in_date", "The date they moved in", "For example, 1 12 2026. It can be up to 4 weeks ahead"),
        forms.text_field(
            e,
            "in_ni",
            "Their National Insurance number (optional)",
            hint="It is on their payslip, P60 or letters about tax or benefits. For example, QQ 12 34 56 C",
            autocomplete="off",
            spellcheck=False,
            extra_class="input--short",
        ),
        forms.radios(
            e,
            "in_lodger",
            "Do they pay you rent as a lodger?",
            [(household.YES, "Yes"), (household.NO, "No")],
            selected=S.chosen.get("in_lodger", ""),
            on_select=lambda v: S.choose("in_lodger", v),
            hint="A family member who gives you something towards the bills is not a lodger",
        ),
        rx.cond(
            S.chosen.get("in_lodger", "") == household.YES,
            rx.el.div(
                rx.el.p(
                    "A lodger needs our permission before they move in. If you have not asked yet, ",
                    rx.el.a("ask for permission to take in a lodger", href=routes.ask_permission("lodger")),
                    ". You can still tell us about the move here.",
                ),
                rx.el.p(rx.el.a("See all the permissions you can ask for", href=routes.PERMISSIONS)),
                class_name="notice notice--warning",
            ),
        ),
    )


def _moved_out() -> rx.Component:
    S = HouseholdState
    return rx.fragment(
        rx.el.h2("Who has moved out"),
        _people_radios("out_person", "Who has moved out?"),
        rx.el.p(
            "Moving out yourself? ",
            rx.el.a("Find out about ending your tenancy", href=routes.END_TENANCY),
            ".",
            class_name="hint",
        ),
        _date("out_date", "The date they moved out", "For example, 1 12 2026. It can be up to 4 weeks ahead"),
        forms.textarea_field(
            S.errors,
            "out_address",
            "Their new address (optional)",
            hint="So we can send on their post",
            max_length=household.ADDRESS_MAX,
            default_value=S.typed.get("out_address", ""),
        ),
    )


def _birth() -> rx.Component:
    S = HouseholdState
    return rx.fragment(
        rx.el.h2("About your baby"),
        forms.text_field(S.errors, "baby_name", "Your baby's full name", default_value=S.typed.get("baby_name", "")),
        _date("baby_dob", "Their date of birth", "For example, 20 11 2026"),
    )


def _death() -> rx.Component:
    return rx.fragment(
        rx.el.p("We are very sorry for your loss. Tell us only what you can: we will help with the rest."),
        _people_radios("died_person", "Who has died?"),
        _date("died_date", "The date they died", "For example, 20 11 2026"),
    )


def _evidence_hint():
    S = HouseholdState
    return rx.match(
        S.change,
        (household.BIRTH, "You can add a photo or PDF of the birth certificate (optional)."),
        (household.DEATH, "If you have it, add a photo or PDF of the death certificate (optional)."),
        "You can add a document that shows the change, such as a letter (optional).",
    )


def _files() -> rx.Component:
    return _FileUpload.create(_file_field())


def _file_field() -> rx.Component:
    S = HouseholdState
    return rx.el.div(
        rx.el.h2("Documents (optional)", id="files-heading"),
        rx.el.p(_evidence_hint(), " ", evidence.HINT, class_name="hint", id="files-hint"),
        rx.cond(
            S.file_error != "",
            rx.el.p(
                rx.el.span("Error: ", class_name="visually-hidden"),
                S.file_error,
                class_name="error-message",
                id="file-error",
            ),
        ),
        rx.cond(
            S.files.length() > 0,
            rx.el.ul(
                rx.foreach(
                    S.files,
                    lambda f: rx.el.li(
                        rx.el.span(f["name"], " (", f["size"], ")"),
                        " ",
                        rx.el.button(
                            "Remove",
                            rx.el.span(" ", f["name"], class_name="visually-hidden"),
                            type="button",
                            class_name="link-button",
                            on_click=S.remove_file(f["key"]),
                        ),
                        class_name="photo-item",
                    ),
                ),
                class_name="list-plain photo-list",
                aria_label="Documents added",
            ),
        ),
        rx.cond(
            S.files.length() < evidence.MAX_FILES,
            rx.fragment(
                rx.upload(
                    rx.el.p(
                        rx.el.span("Choose a file", class_name="button button--secondary", id="file-choose"),
                        " or drag it here.",
                    ),
                    rx.el.p(
                        "Chosen: ",
                        rx.cond(
                            rx.selected_files(UPLOAD_ID).length() > 0,
                            rx.selected_files(UPLOAD_ID).join(", "),
                            "no file yet",
                        ),
                        aria_live="polite",
                    ),
                    id=UPLOAD_ID,
                    accept=evidence.ACCEPT,
                    max_files=evidence.MAX_FILES,
                    multiple=True,
                    max_size=evidence.MAX_BYTES,
                    on_drop_rejected=S.files_rejected,
                    class_name="upload-zone",
                    aria_labelledby="files-heading",
                ),
                rx.el.button(
                    "Add the file",
                    type="button",
                    class_name="button button--secondary",
                    id="file-add",
                    on_click=S.add_files(rx.upload_files(upload_id=UPLOAD_ID)),
                    disabled=~rx.State.is_hydrated,
                ),
            ),
        ),
        class_name=rx.cond(S.file_error != "", "field field--error", "field"),
    )


class _FileUpload(rx.Fragment):
    """Names react-dropzone's file input (WCAG 4.1.2), as the repair report's photo upload does."""

    def add_hooks(self) -> list[str]:
        name = "files-heading file-choose"
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


def _form() -> rx.Component:
    S = HouseholdState
    e = S.errors
    return rx.fragment(
        rx.el.p("Your home: ", rx.el.strong(S.address)),
        rx.el.h2("Who lives with you"),
        rx.el.ul(
            rx.foreach(
                S.members, lambda m: rx.el.li(m["name"], ": ", m["role"], rx.cond(m["you"] != "", " (you)", ""))
            ),
            class_name="list",
        ),
        rx.el.p(
            "This is what our records say. When you tell us about a change, your housing officer checks it and "
            "updates them: it can take a few days to show here."
        ),
        rx.el.form(
            forms.error_summary(e, ERROR_ORDER),
            forms.radios(
                e,
                household.FIELD_CHANGE,
                "Tell us about a change",
                list(household.CHANGES),
                selected=S.change,
                on_select=S.choose_change,
            ),
            rx.match(
                S.change,
                (household.MOVED_IN, _moved_in()),
                (household.MOVED_OUT, _moved_out()),
                (household.BIRTH, _birth()),
                (household.DEATH, _death()),
                rx.fragment(),
            ),
            rx.cond(S.change != "", rx.fragment(_files(), forms.submit_button("Send"))),
            on_submit=S.send,
            no_validate=True,
        ),
    )


def _done() -> rx.Component:
    S = HouseholdState
    d = S.done
    return rx.fragment(
        rx.el.div(
            rx.el.h2("We have your message", id="done-heading", tab_index=-1),
            rx.el.p("Your reference ", rx.el.br(), rx.el.strong(d["reference"], class_name="balance")),
            class_name="panel panel--success",
        ),
        rx.el.p(d["promise"]),
        rx.el.p("We have sent these details to ", rx.el.strong(d["email"]), "."),
        rx.el.h2("What happens next"),
        rx.el.ul(rx.foreach(S.done_steps, lambda line: rx.el.li(line)), class_name="list"),
        rx.el.p(
            "To talk to someone, phone us on ", get_settings().landlord_phone, " (", get_settings().landlord_hours, ")."
        ),
        rx.el.p(rx.el.a("See your requests", href=routes.REQUESTS)),
        rx.el.p(rx.el.a("Back to your tenancy", href=routes.TENANCY)),
    )


@page(
    routes.HOUSEHOLD,
    "Your household",
    on_load=HouseholdState.load,
    by=HouseholdState.step,
    states=[(FORM, "Tell us about a change to your household"), (DONE, "Household change sent")],
    errors=HouseholdState.errors,
)
def household_page() -> rx.Component:
    S = HouseholdState
    return rx.fragment(
        rx.el.h1("Your household"),
        rx.cond(
            S.loaded,
            rx.cond(
                S.has_home,
                rx.cond(S.step == DONE, _done(), _form()),
                rx.el.p(
                    f"We cannot show a household for you. Phone {get_settings().landlord_phone} and we will look into it."
                ),
            ),
            loading_or_offline("Loading…", OFFLINE),
        ),
    )
