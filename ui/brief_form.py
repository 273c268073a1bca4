"""The brief box, the approval choices, a zip of existing code to start from, the team (a model and a system prompt
per agent), the tests and the soft budget, and the Start button: validated as the user types, limits stated up
front."""

import asyncio

from nicegui import events, ui

from core.codebase.importing import NOT_A_ZIP, ImportedProject, ImportLimits, ImportRefused, read_project_zip, too_big
from core.domain.inputs import MAX_PROMPT_CHARS, InputError, clean_brief
from core.engine.commands import RunOptions, RunService

from .props import set_text

IMPORTED = "{name}: {count:,} files to start from; the brief is the change the agents make to them."
UPLOAD_FAILED = "The zip could not be sent to the server; choose it again."
# The sizes of the files the uploader refused in the browser, before sending anything.
REJECTED_JS = "(entries) => emit(entries.map((entry) => entry.file.size))"
IMPORT_LABEL = "Start from existing code (a .zip)"

# The uploader's own header nests its file input inside an unnamed icon button (two controls in one, neither with a
# name) and its file list adds more unnamed icon buttons. This header makes the file input itself the one control:
# named, reached by Tab (Enter or Space opens the chooser), and covering the header so a click anywhere opens it.
# The list is left empty: the summary and error lines below say what became of the zip.
IMPORT_HEADER = f"""
<div class="q-uploader__header-content import-project-header row items-center no-wrap q-gutter-sm q-pa-sm
            relative-position">
  <q-icon name="upload_file" size="sm" aria-hidden="true" />
  <div class="q-uploader__title">{IMPORT_LABEL}</div>
  <q-spinner v-if="props.isUploading" size="sm" />
  <q-uploader-add-trigger v-if="props.canAddFiles" tabindex="0" aria-label="{IMPORT_LABEL}" />
</div>
"""


def brief_form(runs: RunService, user: str, import_limits: ImportLimits = ImportLimits()) -> ui.textarea:
    """The form; its brief box is returned, for examples to fill. `import_limits`: what a zip of existing code may
    hold."""
    limit = runs.limits.max_brief_chars
    defaults = runs.defaults
    project: list[ImportedProject] = []  # the zip chosen, once read

    def check() -> str | None:
        """The reason the brief cannot start a run, or None."""
        try:
            clean_brief(box.value, limit)
        except InputError as error:
            return str(error)
        return None

    def on_input() -> None:
        problem = check()
        # An empty box is not an error worth shouting about until the user tries to start.
        typed = isinstance(box.value, str) and box.value.strip()  # a page may send its box any JSON value
        set_text(message, problem if problem and typed else "")
        start.set_enabled(problem is None)

    models: dict[str, ui.input] = {}
    prompts: dict[str, ui.textarea] = {}

    def team_fields() -> None:
        """The model and the prompt of each agent, made when the team section first opens: five long prompts are
        nothing a user who does not open it should wait for."""
        if models:
            return
        with team:
            for name in runs.agents:
                with ui.column().classes("w-full gap-1 q-mb-sm").props(f"data-testid=team-member-{name}"):
                    models[name] = ui.input(f"{name.capitalize()}'s model", value=defaults.models.get(name, "")).props(
                        f"outlined dense data-testid=model-{name}").classes("w-72")
                    prompts[name] = ui.textarea(f"{name.capitalize()}'s system prompt",
                                                value=defaults.prompts.get(name, "")).props(
                        f"outlined autogrow counter maxlength={MAX_PROMPT_CHARS} data-testid=prompt-{name}").classes(
                        "w-full")

    def options() -> RunOptions:
        soft = budget.value
        return RunOptions(models={name: field.value for name, field in models.items()} or None,
                          prompts={name: field.value for name, field in prompts.items()} or None,
                          soft_budget_usd="" if soft in (None, "") else soft, run_tests=tests.value)

    async def on_start() -> None:
        start.disable()
        try:
            run_id = await runs.start(box.value, [name for name, choice in approvals.items() if choice.value],
                                      owner=user, options=options(), project=project[0] if project else None)
        except InputError as error:
            set_text(message, str(error))
            return
        finally:
            start.set_enabled(check() is None)
        ui.navigate.to(f"/runs/{run_id}")

    async def on_upload(event: events.UploadEventArguments) -> None:
        """The zip is read as hostile input at once: a refusal is said before the user starts."""
        project.clear()
        try:
            project.append(await asyncio.to_thread(read_project_zip, await event.file.read(), import_limits))
        except ImportRefused as refusal:
            refused(str(refusal))
            return
        set_text(message, "")
        set_text(imported, IMPORTED.format(name=event.file.name, count=len(project[0].files)))

    def refused(sentence: str) -> None:
        project.clear()
        set_text(imported, "")
        set_text(message, sentence)

    def on_rejected(event: events.GenericEventArguments) -> None:
        """Too large a file never leaves the browser: the import's own sentence says why."""
        sizes = event.args if isinstance(event.args, list) else []
        largest = max((size for size in sizes if isinstance(size, int)), default=0)
        refused(too_big(largest, import_limits) or NOT_A_ZIP)  # not too large: not a .zip

    def on_failed() -> None:
        upload.reset()
        refused(UPLOAD_FAILED)

    with ui.card().classes("w-full gap-2").props("flat bordered"):
        ui.label("Project brief").classes("text-h6")
        box = ui.textarea(
            placeholder="Describe the software you want: who it is for, what it must do, any constraints.",
            on_change=on_input,
        ).classes("w-full").props("outlined autogrow counter data-testid=brief-input input-style='min-height: 6em'")
        with ui.row().classes("w-full items-center gap-1").props("data-testid=approval-choices"):
            ui.label("Wait for my approval after:").classes("text-body2 q-mr-sm")
            approvals = {name: ui.checkbox(name.capitalize(), value=name in runs.default_approvals).props(
                f"dense data-testid=approval-{name}") for name in runs.agents}
        with ui.row().classes("w-full items-center gap-2"):
            upload = ui.upload(auto_upload=True, max_files=1, max_file_size=import_limits.zip_bytes,
                               on_upload=on_upload).props("accept=.zip flat bordered data-testid=import-project")
            upload.on("rejected", on_rejected, js_handler=REJECTED_JS)
            upload.on("failed", on_failed, args=[])
            # An emptied queue lets the user choose another zip in place of this one. Emptied only once the browser
            # has its answer: emptying aborts an upload still in flight, which the browser then reports as failed.
            upload.on("uploaded", upload.reset, args=[])
            upload.add_slot("header", IMPORT_HEADER)
            upload.add_slot("list", "")
            imported = ui.label("").classes("text-body2").props("data-testid=import-summary role=status")
        with ui.row().classes("w-full items-center gap-4"):
            tests = ui.checkbox("Run the project's tests", value=defaults.run_tests).props(
                "dense data-testid=run-tests")
            budget = ui.number("Ask before spending more than (US$)", value=defaults.soft_budget_usd, min=0.01,
                               step=0.5, format="%.2f").props("outlined dense clearable data-testid=soft-budget")
        with ui.expansion("Team: a model and a system prompt per agent", icon="groups",
                          on_value_change=team_fields).classes("w-full").props(
                "dense data-testid=team-section") as team:
            ui.label("Each agent calls its own model with its own system prompt; change them for this run. The "
                     "defaults are the server's.").classes("text-caption text-grey-8")
        with ui.row().classes("w-full items-center justify-between"):
            ui.label(f"Up to {limit:,} characters. The five agents run one after another; at each checked agent "
                     "the run waits until you approve, edit or ask for changes.").classes(
                "text-caption text-grey-7").props("data-testid=brief-limit")
            start = ui.button("Start", icon="play_arrow", on_click=on_start).props(
                "unelevated data-testid=start-run data-requires-connection")
        message = ui.label("").classes("text-negative text-body2").props("data-testid=brief-error role=status")
    start.disable()
    return box
