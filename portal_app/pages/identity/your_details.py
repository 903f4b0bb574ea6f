"""Your details and preferences (issue 18 item 2; seed 001 "About me"): the name and date of
birth we hold (changed by request: record_change.py), the sign-in email (changed with a code
to the new address: your_details_email.py), phone numbers, how we contact you, which
messages you want, and letters by post or online. Each section has its own Save and its own
confirmation; what was saved is what the page shows after a reload
(``services/identity/contact.py``).

Only one section's errors show at a time (each save clears the others'), so the page has
one error summary at most."""

from __future__ import annotations

import reflex as rx

from portal_app import routes
from portal_app.clock import utcnow
from portal_app.components import forms
from portal_app.components.layout import page
from portal_app.components.pwa import loading_or_offline
from portal_app.services.identity import contact, email_change
from portal_app.services.validation import form_fields
from portal_app.state.access import current_principal, resident_only
from portal_app.state.database import in_transaction
from portal_app.state.session import SessionState

PHONES, WAY, MESSAGES, LETTERS = "phones", "way", "messages", "letters"
PHONE_FIELDS = [("mobile", "mobile"), ("phone", "phone"), ("form", "mobile")]
WAY_FIELDS = [
    ("preferred_contact", "preferred-contact"),
    ("texts_wanted", "texts-wanted"),
    ("form", "preferred-contact"),
]
LETTERS_FIELDS = [("letters", "letters"), ("form", "letters")]
WAY_OPTIONS = [
    (contact.EMAIL, "Email"),
    (contact.TEXT, "Text message"),
    (contact.PHONE, "Phone call"),
    (contact.LETTER, "Letter"),
]
TICKED = "yes"
MESSAGE_BOXES = [
    ("rent_reminders", "Rent reminders", "A reminder before a payment is due, or when your account falls behind."),
    ("repair_updates", "Repair updates", "When an appointment changes, a repair is complete or we add a note."),
    ("statement_ready", "Statement ready", "When a new statement of your account is ready to see."),
]
OFFLINE = "You're offline. Connect to the internet to see and change your details."


def _nothing_changed() -> str:
    return "Nothing has changed: these are already your choices."


class YourDetailsState(SessionState):
    loaded: bool = False
    # The resident's own details, shown only to them.
    name: str = ""
    date_of_birth: str = ""
    email: str = ""
    pending_email: str = ""
    mobile: str = ""
    phone: str = ""
    contact_way: str = ""
    texts_choice: str = ""
    letters_choice: str = ""
    rent_reminders: bool = True
    repair_updates: bool = True
    statement_ready: bool = True
    phone_errors: dict[str, str] = {}
    way_errors: dict[str, str] = {}
    letters_errors: dict[str, str] = {}
    saved_section: str = ""
    saved_words: str = ""

    async def _refresh(self, user_id: int) -> None:
        details = await in_transaction(contact.your_details, user_id)
        self.name, self.date_of_birth, self.email = details.name, details.date_of_birth, details.email
        self.mobile, self.phone = details.mobile, details.phone
        self.contact_way = details.preferred_contact
        self.texts_choice = "yes" if details.texts_wanted else "no"
        self.letters_choice = "post" if details.letters_by_post else "online"
        self.rent_reminders = details.wants_rent_reminders
        self.repair_updates = details.wants_repair_updates
        self.statement_ready = details.wants_statement_ready
        self.pending_email = await in_transaction(email_change.pending_email, user_id, now=utcnow())

    def _clear(self) -> None:
        self.phone_errors, self.way_errors, self.letters_errors = {}, {}, {}
        self.saved_section, self.saved_words = "", ""

    async def _after(self, section: str, errors: dict[str, str], changed: tuple[str, ...], done: str):
        principal = current_principal()
        if errors:
            return forms.focus_error_summary()
        await self._refresh(principal.user_id)
        self.saved_section = section
        self.saved_words = done if changed else _nothing_changed()

    @resident_only
    @rx.event
    async def load(self):
        self.loaded = False
        self._clear()
        await self._refresh(current_principal().user_id)
        self.loaded = True

    @resident_only
    @rx.event
    def choose_way(self, value: str):
        if isinstance(value, str) and value in contact.CONTACT_WAYS:
            self.contact_way = value

    @resident_only
    @rx.event
    def choose_texts(self, value: str):
        if isinstance(value, str) and value in contact.YES_NO:
            self.texts_choice = value

    @resident_only
    @rx.event
    def choose_letters(self, value: str):
        if isinstance(value, str) and value in contact.LETTERS_WAYS:
            self.letters_choice = value

    @resident_only
    @rx.event
    async def save_phones(self, form_data: dict):
        fields = form_fields(form_data)
        self._clear()
        errors, changed = await in_transaction(
            contact.change_phone_numbers,
            current_principal().user_id,
            mobile=fields.get("mobile", ""),
            phone=fields.get("phone", ""),
            now=utcnow(),
            client_ip=self._client_ip(),
        )
        self.phone_errors = errors
        return await self._after(PHONES, errors, changed, "We have saved your phone numbers.")

    @resident_only
    @rx.event
    async def save_way(self):
        self._clear()
        errors, changed = await in_transaction(
            contact.change_contact_way,
            current_principal().user_id,
            preferred_contact=self.contact_way,
            texts_wanted=self.texts_choice,
            now=utcnow(),
            client_ip=self._client_ip(),
        )
        self.way_errors = errors
        return await self._after(WAY, errors, changed, "We have saved how you would like us to contact you.")

    @resident_only
    @rx.event
    async def save_messages(self, form_data: dict):
        fields = form_fields(form_data)
        self._clear()
        errors, changed = await in_transaction(
            contact.change_messages,
            current_principal().user_id,
            rent_reminders=fields.get("rent_reminders") == TICKED,
            repair_updates=fields.get("repair_updates") == TICKED,
            statement_ready=fields.get("statement_ready") == TICKED,
            now=utcnow(),
            client_ip=self._client_ip(),
        )
        return await self._after(MESSAGES, errors, changed, "We have saved which messages you want.")

    @resident_only
    @rx.event
    async def save_letters(self):
        self._clear()
        errors, changed = await in_transaction(
            contact.change_letters,
            current_principal().user_id,
            letters=self.letters_choice,
            now=utcnow(),
            client_ip=self._client_ip(),
        )
        self.letters_errors = errors
        done = (
            "We have saved your choice: we will send you letters by post."
            if self.letters_choice == "post"
            else "We have saved your choice: your letters will be online, and we will email you when there is a new one."
        )
        return await self._after(LETTERS, errors, changed, done)


S = YourDetailsState


def _saved(section: str) -> rx.Component:
    return rx.cond(
        S.saved_section == section,
        rx.el.div(rx.el.p(S.saved_words), class_name="notice notice--success", role="status"),
    )


def _row(label: str, value) -> rx.Component:
    return rx.el.div(rx.el.dt(label), rx.el.dd(value))


def _records_section() -> rx.Component:
    return rx.el.section(
        rx.el.h2("Your name and date of birth"),
        rx.el.dl(
            _row("Name", S.name),
            _row("Date of birth", rx.cond(S.date_of_birth != "", S.date_of_birth, "We do not hold it")),
            class_name="summary-list",
        ),
        rx.el.p(
            "These are part of our records about your tenancy, so we check a change before we make it. ",
            rx.el.a("Ask us to change your name or date of birth", href=routes.RECORD_CHANGE),
        ),
    )


def _email_section() -> rx.Component:
    return rx.el.section(
        rx.el.h2("Email address"),
        rx.el.dl(_row("Email address", S.email), class_name="summary-list"),
        rx.el.p("You sign in with this address, and we send your codes, links and emails to it.", class_name="caption"),
        rx.cond(
            S.pending_email != "",
            rx.el.p(
                "We have sent a code to ",
                rx.el.strong(S.pending_email),
                ". ",
                rx.el.a("Enter the code to finish changing your email address", href=routes.YOUR_DETAILS_EMAIL),
                class_name="inset",
            ),
        ),
        rx.el.p(rx.el.a("Change your email address", href=routes.YOUR_DETAILS_EMAIL)),
    )


def _phones_section() -> rx.Component:
    e = S.phone_errors
    return rx.el.section(
        rx.el.h2("Phone numbers"),
        _saved(PHONES),
        forms.error_summary(e, PHONE_FIELDS),
        rx.el.form(
            forms.text_field(
                e,
                "mobile",
                "UK mobile number (optional unless you want texts)",
                hint="For example, 07700 900 982",
                input_type="tel",
                autocomplete="tel",
                default_value=S.mobile,
            ),
            forms.text_field(
                e,
                "phone",
                "Another phone number (optional)",
                hint="A landline or another mobile, for example 01632 960 001",
                input_type="tel",
                autocomplete="tel",
                default_value=S.phone,
            ),
            forms.submit_button("Save phone numbers"),
            on_submit=S.save_phones,
            aria_label="Phone numbers",
            no_validate=True,
        ),
    )


def _way_section() -> rx.Component:
    e = S.way_errors
    return rx.el.section(
        rx.el.h2("How we contact you"),
        _saved(WAY),
        forms.error_summary(e, WAY_FIELDS),
        rx.el.form(
            forms.radios(
                e,
                "preferred_contact",
                "How would you like us to contact you?",
                WAY_OPTIONS,
                selected=S.contact_way,
                on_select=S.choose_way,
                hint="When we need to get in touch with you about your home or your account.",
            ),
            forms.radios(
                e,
                "texts_wanted",
                "Can we send you text messages?",
                [("yes", "Yes, send me texts"), ("no", "No texts")],
                selected=S.texts_choice,
                on_select=S.choose_texts,
                hint="For example, reminders of repair appointments. Texts go to your mobile number.",
            ),
            forms.submit_button("Save how we contact you"),
            on_submit=S.save_way,
            aria_label="How we contact you",
            no_validate=True,
        ),
    )


def _checkbox(field: str, label: str, hint: str, checked) -> rx.Component:
    box_id = field.replace("_", "-")
    return rx.el.div(
        rx.el.input(
            type="checkbox",
            id=box_id,
            name=field,
            value=TICKED,
            default_checked=checked,
            aria_describedby=f"{box_id}-hint",
        ),
        rx.el.div(rx.el.label(label, html_for=box_id), rx.el.p(hint, class_name="hint", id=f"{box_id}-hint")),
        class_name="checkbox",
    )


def _messages_section() -> rx.Component:
    checked = {
        "rent_reminders": S.rent_reminders,
        "repair_updates": S.repair_updates,
        "statement_ready": S.statement_ready,
    }
    return rx.el.section(
        rx.el.h2("Messages you want"),
        _saved(MESSAGES),
        rx.el.form(
            rx.el.div(
                rx.el.fieldset(
                    rx.el.legend("Which messages do you want from us?"),
                    rx.el.p(
                        "Select all that apply. We will always tell you about emergencies, appointments and anything "
                        "the law says we must.",
                        class_name="hint",
                        id="messages-hint",
                    ),
                    rx.el.div(
                        *[_checkbox(field, label, hint, checked[field]) for field, label, hint in MESSAGE_BOXES],
                        class_name="radios",
                    ),
                    aria_describedby="messages-hint",
                ),
                class_name="field",
            ),
            forms.submit_button("Save messages"),
            on_submit=S.save_messages,
            aria_label="Messages you want",
            no_validate=True,
        ),
    )


def _letters_section() -> rx.Component:
    e = S.letters_errors
    return rx.el.section(
        rx.el.h2("Letters"),
        _saved(LETTERS),
        forms.error_summary(e, LETTERS_FIELDS),
        rx.el.form(
            forms.radios(
                e,
                "letters",
                "How do you want to get letters from us?",
                [
                    ("post", "By post"),
                    ("online", "Online: we email you when there is a new letter to read in your account"),
                ],
                selected=S.letters_choice,
                on_select=S.choose_letters,
            ),
            forms.submit_button("Save letters choice"),
            on_submit=S.save_letters,
            aria_label="Letters",
            no_validate=True,
        ),
    )


@page(
    routes.YOUR_DETAILS,
    "Your details",
    on_load=YourDetailsState.load,
    errors=[YourDetailsState.phone_errors, YourDetailsState.way_errors, YourDetailsState.letters_errors],
)
def your_details_page() -> rx.Component:
    return rx.fragment(
        rx.el.h1("Your details"),
        rx.cond(
            S.loaded,
            rx.fragment(
                rx.el.p("How we reach you, and what you hear from us. Each part has its own Save button."),
                _records_section(),
                _email_section(),
                _phones_section(),
                _way_section(),
                _messages_section(),
                _letters_section(),
                rx.el.p(
                    rx.el.a("Sign-in and security", href=routes.SECURITY),
                    ": your password, two-step sign-in and sign-in history.",
                ),
            ),
            loading_or_offline("Loading…", OFFLINE),
        ),
    )
