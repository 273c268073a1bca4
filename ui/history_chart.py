"""Cost and duration of the user's recent runs, as one chart (`ui.echart`) above the history list: each bar says
how its run ended (what it delivered), in its colour and its tooltip."""

from nicegui import ui

from core.domain.catalogue import RunRow
from core.domain.events import now_ms
from core.domain.outcome import GOOD, of_row
from core.engine.queries import RunQueries

from . import status
from .history import excerpt
from .props import set_prop

RECENT = 20
REFRESH_S = 5.0
BAR_GOOD, BAR_SHORT, BAR_OTHER = "#2e7d32", "#c62828", "#3949ab"  # delivered; fell short; still working or stopped


def summary(rows: list[RunRow]) -> str:
    """The chart in a sentence, for screen readers."""
    if not rows:
        return "No runs yet."
    longest = max(rows, key=duration_s)
    took = status.duration(int(duration_s(longest) * 1000))
    dearest = max(row.cost_usd for row in rows)
    delivered = sum(1 for row in rows if of_row(row.status, row.outcome, row.verdict) in GOOD)
    return (f"Cost and duration of your last {len(rows)} runs. The longest took {took} "
            f"({excerpt(longest.title or longest.brief, 60)}); the most expensive cost {status.money(dearest)}; "
            f"together they cost {status.money(sum(row.cost_usd for row in rows))}. {delivered} of them completed "
            "with their tests passed or turned off.")


def ended(row: RunRow) -> str:
    """How the run stands, as its badge says it."""
    return status.run_label(row.status, of_row(row.status, row.outcome, row.verdict))


def bar_color(row: RunRow) -> str:
    outcome = of_row(row.status, row.outcome, row.verdict)
    return BAR_OTHER if outcome is None else BAR_GOOD if outcome in GOOD else BAR_SHORT


def duration_s(row: RunRow) -> float:
    return ((row.ended_ms or now_ms()) - row.created_ms) / 1000


def options(rows: list[RunRow]) -> dict:
    """Oldest on the left: duration as bars, cost as a line on its own axis."""
    shown = list(reversed(rows))
    return {
        "animation": False,
        "aria": {"enabled": False},  # the container's label says it in words
        "grid": {"left": 8, "right": 8, "top": 40, "bottom": 8, "containLabel": True},
        "legend": {"top": 0},
        "tooltip": {"trigger": "axis"},
        # The category names each run by when it started and how it ended, which the axis tooltip shows.
        "xAxis": {"type": "category", "data": [f"{status.moment(row.created_ms)[5:]}\n{ended(row)}" for row in shown],
                  "axisLabel": {"hideOverlap": True}},
        "yAxis": [{"type": "value", "name": "seconds", "minInterval": 1},
                  {"type": "value", "name": "US$", "splitLine": {"show": False}}],
        "series": [
            {"name": "Duration (s)", "type": "bar", "color": BAR_OTHER, "barMaxWidth": 32,
             "data": [{"value": round(duration_s(row), 1), "itemStyle": {"color": bar_color(row)}} for row in shown]},
            {"name": "Cost (US$)", "type": "line", "yAxisIndex": 1, "color": "#c62828", "symbolSize": 7,
             "data": [round(row.cost_usd, 4) for row in shown]},
        ],
    }


class RecentRunsChart:
    def __init__(self, queries: RunQueries, user: str) -> None:
        self.queries, self.user = queries, user
        self.rows: list[RunRow] | None = None
        with ui.card().classes("w-full gap-2").props("flat bordered data-testid=history-chart") as self.card:
            ui.label("Recent runs: duration and cost").classes("text-h6")
            self.chart = ui.echart(options([])).classes("history-chart w-full h-64").props("role=img")
        ui.timer(REFRESH_S, self.refresh)

    async def refresh(self) -> None:
        rows = (await self.queries.page(self.user, RECENT)).rows
        if rows == self.rows:
            return
        self.rows = rows
        self.card.set_visibility(bool(rows))
        set_prop(self.chart, "aria-label", summary(rows))
        self.chart.options.clear()
        self.chart.options.update(options(rows))
        self.chart.update()
