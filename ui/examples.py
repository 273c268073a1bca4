"""Example briefs to start from: what a good brief says (who it is for, what it must do, its limits), one click
away from the brief box."""

from collections.abc import Callable

from nicegui import ui

EXAMPLES: dict[str, str] = {
    "Tool library": "A lending library for a neighbourhood's shared tools. Members borrow a drill or a ladder for up "
                    "to a week, see what is available and when a tool comes back, and get a reminder the day before "
                    "it is due. Volunteers add tools and mark them broken. A small web app; no payments.",
    "Climbing gym bookings": "Booking for a climbing gym's classes and belay courses. Climbers pick a slot, see how "
                             "many places are left and cancel up to a day before; staff see the day's list and "
                             "mark who came. Runs on the gym's own server; bookings are kept for a year.",
    "Choir rota": "A rota for a community choir: who brings the tea, who opens the hall, who sorts the sheet music, "
                  "week by week. Members swap duties with each other and get an email reminder. Must work on a "
                  "phone; the choir has about forty members and no IT staff.",
}


def example_briefs(use: Callable[[str], None]) -> None:
    """`use` puts the chosen example into the brief box."""
    with ui.card().classes("w-full gap-2").props("flat bordered data-testid=examples"):
        ui.label("Start from an example").classes("text-h6")
        ui.label("A good brief says who the software is for, what it must do, and its limits. Pick one to edit:"
                 ).classes("text-body2 text-grey-8")
        with ui.row().classes("w-full gap-2"):
            for number, (name, brief) in enumerate(EXAMPLES.items()):
                ui.button(name, icon="lightbulb", on_click=lambda b=brief: use(b)).props(
                    f"outline no-caps data-testid=example-{number}")
