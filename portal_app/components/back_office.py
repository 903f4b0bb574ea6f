"""The back office's page frame: its own header (who is signed in, what their role lets
them open), never the residents' navigation. ``staff_page`` registers a page the way
``layout.page`` does, with ``StaffState.check_staff`` as its first loader."""

from __future__ import annotations

import reflex as rx

from portal_app import routes
from portal_app.components.layout import footer, page_title, register_page, skip_link
from portal_app.settings import get_settings
from portal_app.state.staff import StaffState

# (path, link text, the permission that opens it): the header shows only what the role can open.
SECTIONS: tuple[tuple[str, str, str], ...] = (
    (routes.STAFF_QUEUE, "Requests", "manage_requests"),
    (routes.STAFF_REPAIRS, "Repairs", "manage_repairs"),
    (routes.STAFF_RESIDENTS, "Residents", "view_resident"),
    (routes.STAFF_REGISTRATION, "Registration", "manage_registration"),
    (routes.STAFF_IMPORTS, "Landlord data", "import_records"),
    (routes.STAFF_AUDIT, "Audit log", "view_audit"),
    (routes.STAFF_TEAM, "Staff", "administer"),
)


def _nav() -> rx.Component:
    return rx.el.nav(
        rx.el.ul(
            *[
                rx.cond(StaffState.staff_can.contains(permission), rx.el.li(rx.el.a(text, href=path)))
                for path, text, permission in SECTIONS
            ],
            rx.el.li(
                rx.el.button("Sign out", type="button", class_name="link-button", on_click=StaffState.staff_sign_out)
            ),
            class_name="header__nav",
        ),
        aria_label="Back office",
    )


def staff_frame(*children: rx.Component) -> rx.Component:
    settings = get_settings()
    return rx.fragment(
        skip_link(),
        rx.el.header(
            rx.el.div(
                rx.el.a(
                    f"{settings.landlord_name} · Back office", href=routes.STAFF_HOME, class_name="header__service"
                ),
                rx.cond(StaffState.staff_signed_in, _nav()),
                class_name="header__inner",
            ),
            class_name="header header--staff",
        ),
        rx.el.main(
            rx.el.div(
                rx.cond(
                    StaffState.staff_signed_in,
                    rx.el.p(
                        "Signed in as ",
                        rx.el.strong(StaffState.staff_name),
                        " (",
                        StaffState.staff_role,
                        "). You are signed out after 15 minutes without use.",
                        class_name="caption staff-who",
                    ),
                ),
                *children,
                class_name="width",
            ),
            id="main-content",
            tab_index=-1,
        ),
        footer("Staff only. Every look at a resident's data is recorded in the audit log, with your name.", []),
    )


def staff_page(route: str, title: str, on_load=None, **titles):
    """Decorator: register a back-office page with its route, title and loaders (``titles``
    as for ``layout.page``)."""

    def decorator(fn):
        loaders = [StaffState.check_staff]
        if on_load is not None:
            loaders.extend(on_load if isinstance(on_load, list) else [on_load])
        shown = page_title(title, f" · Back office · {get_settings().landlord_name}", **titles)
        register_page(fn, route, shown, loaders, staff_frame)
        return fn

    return decorator


__all__ = ["SECTIONS", "staff_frame", "staff_page"]
