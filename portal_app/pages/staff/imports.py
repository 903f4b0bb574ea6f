"""The landlord's data in the back office: upload a feed (a .zip of the import format's CSV
files), see the importer's report (what it added, changed and rejected, and why), and the
history of imports. Every handler needs ``import_records``.

The upload arrives through Reflex's upload route (``rx.upload``; the handler gets a
``list[rx.UploadFile]``), is copied to a private folder with its size checked
(``IMPORT_MAX_MB``), and the import runs in a worker thread (``in_transaction``), never
on the event loop; the browser shows "Importing…" meanwhile. A rejected feed changes
nothing (``services/records/importer.py`` is all-or-nothing)."""

from __future__ import annotations

import asyncio

import reflex as rx
from reflex_base.utils.imports import ImportVar

from portal_app import routes
from portal_app.clock import uk_time_words, utcnow
from portal_app.components import forms, tables
from portal_app.components.back_office import staff_page
from portal_app.services.audit import StaffActor
from portal_app.services.staff import imports
from portal_app.settings import get_settings
from portal_app.state.access import current_staff, staff_only
from portal_app.state.database import in_transaction
from portal_app.state.staff import StaffState

UPLOAD_ID = "feed-upload"

FILE_COLUMNS = [
    tables.Column("File", "file", row_header=True),
    tables.Column("Rows read", "read", numeric=True),
    tables.Column("Added", "added", numeric=True),
    tables.Column("Changed", "updated", numeric=True),
    tables.Column("Unchanged", "unchanged", numeric=True),
]
HISTORY_COLUMNS = [
    tables.Column("When (UK time)", "when", row_header=True),
    tables.Column("Who", "who"),
    tables.Column("File", "file_name"),
    tables.Column("Result", "result"),
    tables.Column("Summary", "summary"),
]


class ImportsState(StaffState):
    loaded: bool = False
    busy: bool = False
    error: str = ""  # about the file chosen (next to the upload, and in the summary)
    has_result: bool = False
    result_ok: bool = False
    headline: str = ""
    files: list[dict[str, str]] = []
    problems: list[str] = []
    problem_count: int = 0
    warnings: list[str] = []
    history: list[dict[str, str]] = []

    def _actor(self) -> StaffActor:
        staff = current_staff()
        return StaffActor(staff_id=staff.staff_id, name=staff.name, client_ip=self._client_ip() or None)

    async def _refresh(self) -> None:
        runs = await in_transaction(imports.history)
        self.history = [
            {
                "when": uk_time_words(run.started_at),
                "who": run.who,
                "file_name": run.file_name,
                "result": "Imported" if run.ok else "Rejected: nothing changed",
                "summary": run.summary,
            }
            for run in runs
        ]
        self.loaded = True

    @staff_only("import_records")
    @rx.event
    async def load(self):
        self.busy, self.error, self.has_result = False, "", False
        await self._refresh()

    @staff_only("import_records")
    @rx.event
    def mark_busy(self):
        """Sent with the upload, so the page says "Importing…" while the file goes up and in."""
        self.busy, self.error, self.has_result = True, "", False

    @staff_only("import_records")
    @rx.event
    def file_rejected(self, _rejected: list):
        """The browser refused the file chosen (not a .zip, too large, or more than one)."""
        limit = get_settings().import_max_mb
        self.busy, self.has_result = False, False
        self.error = f"Choose one .zip file of at most {limit} MB"

    @staff_only("import_records")
    @rx.event
    async def upload(self, files: list[rx.UploadFile]):
        self.error, self.has_result = "", False
        chosen = [f for f in (files or []) if isinstance(f, rx.UploadFile)] if isinstance(files, list) else []
        if len(chosen) != 1:
            self.busy, self.error = False, "Choose one .zip file of the landlord's data feed"
            return
        upload = chosen[0]
        try:
            saved = await asyncio.to_thread(imports.save_upload, upload.file, upload.name)
        except imports.UploadRefused as refused:
            self.busy, self.error = False, str(refused)
            return
        try:
            result = await in_transaction(imports.run_upload, saved, actor=self._actor(), now=utcnow())
        finally:
            await asyncio.to_thread(imports.discard, saved)
        self.busy = False
        self.has_result = True
        self.result_ok = result.ok
        self.headline = result.headline
        self.files = [
            {
                "file": line.file,
                "read": f"{line.read:,}",
                "added": f"{line.added:,}",
                "updated": f"{line.updated:,}",
                "unchanged": f"{line.unchanged:,}",
            }
            for line in result.files
        ]
        self.problems = list(result.errors)
        self.problem_count = result.error_count
        self.warnings = list(result.warnings)
        await self._refresh()


def _upload_area() -> rx.Component:
    limit = get_settings().import_max_mb
    S = ImportsState
    return rx.el.div(
        rx.el.h2("Upload a feed", id="upload-heading"),
        rx.el.p(
            "A .zip file holding the import format's CSV files (properties.csv, people.csv, tenancies.csv and the "
            f"others), up to {limit} MB. Everything is checked before anything is written: one bad row rejects "
            "the whole feed, and then nothing changes."
        ),
        forms.message_summary(S.error, input_id="upload-choose"),
        rx.el.div(
            rx.cond(
                S.error != "",
                rx.el.p(rx.el.span("Error: ", class_name="visually-hidden"), S.error, class_name="error-message"),
            ),
            rx.upload(
                rx.el.p(
                    rx.el.span("Choose a .zip file", class_name="button button--secondary", id="upload-choose"),
                    " or drag it here. Press Enter or Space to choose.",
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
                accept={"application/zip": [".zip"], "application/x-zip-compressed": [".zip"]},
                max_files=1,
                multiple=False,
                max_size=limit * 1024 * 1024,
                on_drop_rejected=S.file_rejected,
                class_name="upload-zone",
                aria_labelledby="upload-heading",
            ),
            class_name=rx.cond(S.error != "", "field field--error", "field"),
        ),
        rx.el.button(
            rx.cond(S.busy, "Importing… this can take a minute", "Upload and import"),
            type="button",
            class_name="button",
            disabled=rx.cond(rx.State.is_hydrated, S.busy, True),
            on_click=[S.mark_busy, S.upload(rx.upload_files(upload_id=UPLOAD_ID))],
        ),
        rx.cond(S.busy, rx.el.p("Importing the feed. Stay on this page.", role="status")),
    )


def _result() -> rx.Component:
    S = ImportsState
    return rx.cond(
        S.has_result,
        rx.el.section(
            rx.el.h2(
                rx.cond(S.result_ok, "The feed was imported", "The feed was rejected"),
                id="result-heading",
                tab_index=-1,
            ),
            rx.el.p(
                S.headline,
                class_name=rx.cond(S.result_ok, "notice notice--success", "notice notice--warning"),
                role="status",
            ),
            rx.cond(
                S.result_ok,
                tables.table("What the import did, file by file", FILE_COLUMNS, S.files, label="Import report"),
                rx.fragment(
                    rx.el.p(
                        "Nothing was written: the records are as they were. Put these right in the feed and upload "
                        "it again. Each says the file, the line, the column and the problem."
                    ),
                    rx.el.ol(rx.foreach(S.problems, lambda line: rx.el.li(line)), class_name="list-plain"),
                    rx.cond(
                        S.problem_count > S.problems.length(), rx.el.p("… and more, not shown. Put these right first.")
                    ),
                ),
            ),
            rx.cond(
                S.warnings.length() > 0,
                rx.fragment(rx.el.h3("Warnings"), rx.el.ul(rx.foreach(S.warnings, lambda line: rx.el.li(line)))),
            ),
            aria_labelledby="result-heading",
        ),
    )


class _ImportsPage(rx.Fragment):
    """The page's root. react-dropzone's file input (visually hidden, but read by screen
    readers) takes no props of ours, so once it is on the page it is named by the
    upload's heading and its "Choose" text (WCAG 4.1.2: every input has a name)."""

    def add_hooks(self) -> list[str]:
        return [
            "useEffect(() => { document.querySelector("
            f"'#{UPLOAD_ID} input[type=file]')?.setAttribute('aria-labelledby', 'upload-heading upload-choose'); }})"
        ]

    def add_imports(self) -> dict:
        return {"react": [ImportVar(tag="useEffect")]}


@staff_page(routes.STAFF_IMPORTS, "Landlord data", on_load=ImportsState.load, errors=ImportsState.error)
def staff_imports_page() -> rx.Component:
    S = ImportsState
    return _ImportsPage.create(
        rx.el.h1("Landlord data"),
        _upload_area(),
        _result(),
        rx.el.h2("Imports so far"),
        rx.cond(
            S.loaded,
            rx.cond(
                S.history.length() > 0,
                tables.table("Imports, newest first", HISTORY_COLUMNS, S.history, label="Imports so far", stack=True),
                rx.el.p("There have been no imports yet."),
            ),
            rx.el.p("Loading…", role="status"),
        ),
    )
