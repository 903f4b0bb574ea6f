"""Form pieces in the GOV.UK patterns: labels, hints, errors next to the field, an error summary."""

from __future__ import annotations

import json

import reflex as rx
from reflex.vars.base import Var


def _focus_field(input_id: str):
    """A click on an error-summary link, as GOV.UK Frontend's error summary handles it: the
    link keeps ``href="#id"`` for a browser without JavaScript, but here it does not
    navigate (the app's router took the hash link to the bare path, losing the page's
    query and what was typed): it puts focus on the field itself (the first box of a
    date, the first choice of a group), on the same page, and scrolls its question (label
    or legend) into view with it."""
    return rx.call_script(
        "(() => { const target = document.getElementById(" + json.dumps(input_id) + "); if (!target) return; "
        "const field = target.matches('input, select, textarea, button') ? target "
        ": (target.querySelector('input, select, textarea') || target); "
        "const question = field.closest('fieldset')?.querySelector('legend') "
        "|| (field.id && document.querySelector('label[for=\"' + field.id + '\"]')) || field; "
        "question.scrollIntoView(); field.focus({ preventScroll: true }); })()"
    ).prevent_default


# The summary takes focus when it appears (GOV.UK Frontend's error summary does), so a
# screen reader reads it first and the next Tab is its first link.
_FOCUS_ON_MOUNT = rx.call_script("setTimeout(() => document.getElementById('error-summary')?.focus(), 0)")


def _summary_frame(*body: rx.Component) -> rx.Component:
    return rx.el.div(
        rx.el.h2("There is a problem", id="error-summary-title"),
        *body,
        class_name="error-summary",
        role="alert",
        aria_labelledby="error-summary-title",
        tab_index=-1,
        id="error-summary",
        on_mount=_FOCUS_ON_MOUNT,
    )


def error_link(message, input_id: str) -> rx.Component:
    """One line of an error summary: a link that puts focus on the field, on this page."""
    return rx.el.a(message, href=f"#{input_id}", on_click=_focus_field(input_id))


def error_summary(errors: Var, order: list[tuple[str, str]]) -> rx.Component:
    """A summary at the top of the form; each error links to its field.

    ``errors`` is a dict var of field -> message; ``order`` is [(field, input id)]. Every
    error summary in the portal is this one or ``message_summary`` (one frame, one link)."""
    items = [
        rx.cond(errors.contains(field), rx.el.li(error_link(errors[field], input_id))) for field, input_id in order
    ]
    return rx.cond(errors.length() > 0, _summary_frame(rx.el.ul(*items)))


def message_summary(message: Var, *, input_id: str | None = None) -> rx.Component:
    """The same summary for one message (a wait, a paused service, an upload refused):
    shown while ``message`` is not empty; a link to ``input_id`` when there is a field to fix."""
    body = rx.el.ul(rx.el.li(error_link(message, input_id))) if input_id else rx.el.p(message)
    return rx.cond(message != "", _summary_frame(body))


def error_line(errors: Var, field: str, input_id: str) -> rx.Component:
    return rx.cond(
        errors.contains(field),
        rx.el.p(
            rx.el.span("Error: ", class_name="visually-hidden"),
            errors[field],
            class_name="error-message",
            id=f"{input_id}-error",
        ),
    )


def text_field(
    errors: Var,
    field: str,
    label: str,
    *,
    input_id: str | None = None,
    hint: str | None = None,
    input_type: str = "text",
    autocomplete: str | None = None,
    input_mode: str | None = None,
    extra_class: str = "",
    spellcheck: bool | None = None,
    default_value: Var | str | None = None,
) -> rx.Component:
    input_id = input_id or field.replace("_", "-")
    described = [f"{input_id}-hint"] if hint else []
    props: dict = {}
    if autocomplete:
        props["auto_complete"] = autocomplete
    if input_mode:
        props["input_mode"] = input_mode
    if spellcheck is not None:
        props["spell_check"] = spellcheck
    if default_value is not None:
        props["default_value"] = default_value
    has_error = errors.contains(field)
    return rx.el.div(
        rx.el.label(label, html_for=input_id, class_name="label"),
        rx.el.p(hint, class_name="hint", id=f"{input_id}-hint") if hint else rx.fragment(),
        error_line(errors, field, input_id),
        rx.el.input(
            id=input_id,
            name=field,
            type=input_type,
            class_name=rx.cond(has_error, f"input input--error {extra_class}", f"input {extra_class}"),
            aria_describedby=rx.cond(
                has_error, " ".join([*described, f"{input_id}-error"]), " ".join(described) or None
            ),
            aria_invalid=rx.cond(has_error, "true", "false"),
            **props,
        ),
        class_name=rx.cond(has_error, "field field--error", "field"),
    )


def textarea_field(
    errors: Var,
    field: str,
    label: str,
    *,
    hint: str | None = None,
    max_length: int | None = None,
    default_value: Var | str | None = None,
) -> rx.Component:
    """A labelled textarea with its error next to it (GOV.UK textarea)."""
    input_id = field.replace("_", "-")
    has_error = errors.contains(field)
    described = [f"{input_id}-hint"] if hint else []
    props: dict = {}
    if default_value is not None:
        props["default_value"] = default_value
    if max_length:
        props["max_length"] = max_length
    return rx.el.div(
        rx.el.label(label, html_for=input_id, class_name="label"),
        rx.el.p(hint, class_name="hint", id=f"{input_id}-hint") if hint else rx.fragment(),
        error_line(errors, field, input_id),
        rx.el.textarea(
            id=input_id,
            name=field,
            rows=6,
            spell_check=True,
            class_name=rx.cond(has_error, "textarea input--error", "textarea"),
            aria_describedby=rx.cond(
                has_error, " ".join([*described, f"{input_id}-error"]), " ".join(described) or None
            ),
            aria_invalid=rx.cond(has_error, "true", "false"),
            **props,
        ),
        class_name=rx.cond(has_error, "field field--error", "field"),
    )


def password_field(
    errors: Var,
    field: str,
    label: str,
    *,
    shown: Var,
    toggle,
    autocomplete: str,
    hint: str | None = None,
    input_id: str | None = None,
) -> rx.Component:
    """A password input with a 'Show password' checkbox; paste allowed, no composition rules."""
    input_id = input_id or field.replace("_", "-")
    described = [f"{input_id}-hint"] if hint else []
    has_error = errors.contains(field)
    return rx.el.div(
        rx.el.label(label, html_for=input_id, class_name="label"),
        rx.el.p(hint, class_name="hint", id=f"{input_id}-hint") if hint else rx.fragment(),
        error_line(errors, field, input_id),
        rx.el.input(
            id=input_id,
            name=field,
            type=rx.cond(shown, "text", "password"),
            class_name=rx.cond(has_error, "input input--error", "input"),
            auto_complete=autocomplete,
            spell_check=False,
            auto_capitalize="none",
            aria_describedby=rx.cond(
                has_error, " ".join([*described, f"{input_id}-error"]), " ".join(described) or None
            ),
            aria_invalid=rx.cond(has_error, "true", "false"),
        ),
        rx.el.div(
            rx.el.input(type="checkbox", id=f"{input_id}-show", checked=shown, on_change=toggle),
            rx.el.label("Show password", html_for=f"{input_id}-show"),
            class_name="checkbox",
            style={"marginTop": "0.5rem"},
        ),
        class_name=rx.cond(has_error, "field field--error", "field"),
    )


def date_field(
    errors: Var,
    field: str,
    legend: str,
    *,
    hint: str,
    prefix: str,
    autocomplete_prefix: str | None,
    defaults: Var | None = None,
) -> rx.Component:
    """Day, month and year boxes (GOV.UK date input). The ids are ``{prefix}-day`` and so on;
    the form data names are ``{prefix}_day`` with any hyphen in the prefix made an underscore
    (what ``validation.date_parts_from_form`` reads). ``defaults`` is a dict var of
    day/month/year to fill the boxes with."""
    name_prefix = prefix.replace("-", "_")
    has_error = errors.contains(field)

    def part(name: str, label: str, wide: bool, ac: str | None) -> rx.Component:
        props = {"auto_complete": f"{autocomplete_prefix}-{ac}"} if (autocomplete_prefix and ac) else {}
        if defaults is not None:
            # keyed on the value, so a default that arrives after the first render still shows
            props.update(default_value=defaults.get(name, ""), key=defaults.get(name, ""))
        return rx.el.div(
            rx.el.label(label, html_for=f"{prefix}-{name}", class_name="label"),
            rx.el.input(
                id=f"{prefix}-{name}",
                name=f"{name_prefix}_{name}",
                type="text",
                input_mode="numeric",
                class_name=rx.cond(has_error, "input input--short input--error", "input input--short"),
                style={"maxWidth": "7rem"} if wide else {},
                **props,
            ),
        )

    return rx.el.div(
        rx.el.fieldset(
            rx.el.legend(legend),
            rx.el.p(hint, class_name="hint", id=f"{prefix}-hint"),
            error_line(errors, field, prefix),
            rx.el.div(
                part("day", "Day", False, "day"),
                part("month", "Month", False, "month"),
                part("year", "Year", True, "year"),
                class_name="date-input",
                id=prefix,
            ),
            role="group",
            aria_describedby=rx.cond(has_error, f"{prefix}-hint {prefix}-error", f"{prefix}-hint"),
        ),
        class_name=rx.cond(has_error, "field field--error", "field"),
    )


def radios(
    errors: Var,
    field: str,
    legend: str,
    options: list[tuple[str, str]],
    *,
    selected: Var,
    on_select,
    hint: str | None = None,
) -> rx.Component:
    """Radios whose choice is recorded in state as it is made (a browser's form data would
    report an unchosen radio's value). The browser keeps the checked mark itself, so a
    radio shows its tick the moment it is chosen, without waiting for the server.

    An error belongs to the whole group (GOV.UK radios): the fieldset's description is its
    hint and its error message, and every radio is ``aria-invalid`` while it shows."""
    input_id = field.replace("_", "-")
    has_error = errors.contains(field)
    described = [f"{input_id}-hint"] if hint else []
    return rx.el.div(
        rx.el.fieldset(
            rx.el.legend(legend),
            rx.el.p(hint, class_name="hint", id=f"{input_id}-hint") if hint else rx.fragment(),
            error_line(errors, field, input_id),
            rx.el.div(
                *[
                    rx.el.div(
                        rx.el.input(
                            type="radio",
                            name=field,
                            value=value,
                            default_checked=selected == value,
                            on_change=on_select(value),
                            id=input_id if index == 0 else f"{input_id}-{index + 1}",
                            aria_invalid=rx.cond(has_error, "true", "false"),
                        ),
                        rx.el.label(text, html_for=input_id if index == 0 else f"{input_id}-{index + 1}"),
                        class_name="radio",
                    )
                    for index, (value, text) in enumerate(options)
                ],
                class_name="radios",
            ),
            aria_describedby=rx.cond(
                has_error, " ".join([*described, f"{input_id}-error"]), " ".join(described) or None
            ),
        ),
        class_name=rx.cond(has_error, "field field--error", "field"),
    )


def submit_button(text: str, *, loading: Var | None = None) -> rx.Component:
    """Disabled until the page is connected (so a click never posts the form natively) and while busy."""
    ready = rx.State.is_hydrated
    if loading is None:
        return rx.el.button(text, type="submit", class_name="button", disabled=~ready)
    return rx.el.button(
        rx.cond(loading, "Please wait…", text),
        type="submit",
        class_name="button",
        disabled=rx.cond(ready, loading, True),
    )


def focus_error_summary():
    return rx.call_script(
        "setTimeout(() => { const e = document.getElementById('error-summary'); if (e) e.focus(); }, 50)"
    )
