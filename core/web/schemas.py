"""The REST API's own request and response models: what clients see, apart from the internal view model."""

from pydantic import BaseModel, ConfigDict, Field

from core.domain.catalogue import RunRow
from core.domain.outcome import LABELS as OUTCOME_LABELS
from core.domain.outcome import RunOutcome, of_row, outcome
from core.domain.usage import Spend, UsageLedger
from core.domain.status import (
    AgentStatus,
    CommandEnd,
    CommandOrigin,
    CommandStatus,
    MessageKind,
    RunStatus,
    VerifyStatus,
    WaitKind,
)
from core.domain.view import ArtifactView, CommandView, RunView, VerifyView


class StartRun(BaseModel):
    brief: str = Field(description="The project brief.")
    approvals: str | list[str] | None = Field(
        None, description="Agents whose work waits for approval: `none`, `all`, a comma list or a list of names. "
                          "Absent: the server's default (BOTARMY_APPROVALS).")
    models: str | dict[str, str] | None = Field(
        None, description="A model per agent, `developer=gpt-4o,tester=gpt-4o-mini` or an object; agents not "
                          "named use the server's default (BOTARMY_MODELS, BOTARMY_MODEL).")
    prompts: dict[str, str] | None = Field(
        None, description="A system prompt per agent, replacing its default for this run.")
    soft_budget_usd: float | None = Field(
        None, gt=0, description="Spending at which the run waits for you to allow more. Absent: the server's "
                                "default (BOTARMY_RUN_COST_SOFT_USD).")
    run_tests: bool | None = Field(None, description="Run the project's tests after the Tester. Absent: the "
                                                     "server's default (BOTARMY_RUN_TESTS).")


class RunCreated(BaseModel):
    run_id: str
    url: str


class RunSummary(BaseModel):
    """A run as the history list shows it."""

    run_id: str
    brief: str
    title: str = Field(description="The name the user gave the run; empty: the brief names it.")
    created_ms: int
    ended_ms: int | None = Field(description="When it last stopped working; null while it works.")
    status: RunStatus
    tokens: int
    cost_usd: float
    verdict: VerifyStatus | None = Field(None, description="Of the project's tests; null until they first ran.")
    outcome: RunOutcome | None = Field(
        None, description="What the run delivered once it ended: `passed` only when the project's tests ran and "
                          "passed; null while it works, and for a run that failed or was cancelled.")
    outcome_label: str | None = Field(None, description="The outcome as the pages say it.")

    @classmethod
    def of(cls, row: RunRow) -> "RunSummary":
        ended = of_row(row.status, row.outcome, row.verdict)
        return cls(run_id=row.run_id, brief=row.brief, title=row.title, created_ms=row.created_ms,
                   ended_ms=row.ended_ms, status=row.status, tokens=row.tokens, cost_usd=row.cost_usd,
                   verdict=row.verdict, outcome=ended, outcome_label=ended and OUTCOME_LABELS[ended])


class RunList(BaseModel):
    runs: list[RunSummary]
    total: int = Field(description="Runs matching the filter on all pages.")
    limit: int
    offset: int


class AgentDetail(BaseModel):
    name: str
    title: str
    status: AgentStatus
    task: str
    model: str = Field(description="The model of its latest step.")
    tokens_in: int
    tokens_out: int
    cached_tokens: int = Field(description="Of tokens_in, read from the AI service's prompt cache.")
    cost_usd: float
    missing: list[str] = Field(description="What its answer still lacked after its repair rounds, a sentence each.")
    started_ms: int | None
    finished_ms: int | None
    error: str | None
    waiting: WaitKind | None = Field(description="Why the agent waits before calling the AI service, if it does.")
    waiting_until_ms: int | None
    retries: int


class MessageDetail(BaseModel):
    agent: str
    kind: MessageKind
    text: str
    complete: bool


class Artifact(BaseModel):
    agent: str
    title: str
    filename: str
    content: str
    edited: bool

    @classmethod
    def of(cls, artifact: ArtifactView) -> "Artifact":
        return cls(agent=artifact.agent, title=artifact.title, filename=artifact.filename, content=artifact.content,
                   edited=artifact.edited)


class CommandDetail(BaseModel):
    """A command in the run's workspace; its output is in the run's events (command_output)."""

    command_id: str
    command: str
    origin: CommandOrigin
    status: CommandStatus
    ending: CommandEnd | None = Field(description="Why it ended, in more detail than its status.")
    exit_code: int | None
    message: str = Field(description="How it ended, in a sentence.")
    requested_ms: int | None
    ended_ms: int | None
    duration_ms: int
    output_bytes: int = Field(description="Everything it printed, also what the run does not keep.")
    cut: bool = Field(description="The run keeps only the beginning of its output; the log has it all.")

    @classmethod
    def of(cls, command: CommandView) -> "CommandDetail":
        return cls(command_id=command.command_id, command=command.command, origin=command.origin,
                   status=command.status, ending=command.ending, exit_code=command.exit_code,
                   message=command.message, requested_ms=command.requested_ms, ended_ms=command.ended_ms,
                   duration_ms=command.duration_ms, output_bytes=command.output_bytes, cut=command.cut)


class VerifyDetail(BaseModel):
    """The project's tests as the pipeline last ran them."""

    status: VerifyStatus
    summary: str
    passed: int
    failed: int
    errors: int
    duration_ms: int
    fixes: int = Field(description="Times the Developer fixed the code after failing tests.")

    @classmethod
    def of(cls, verify: VerifyView) -> "VerifyDetail":
        return cls(status=verify.status, summary=verify.summary, passed=verify.passed, failed=verify.failed,
                   errors=verify.errors, duration_ms=verify.duration_ms, fixes=verify.fixes)


class CommandBody(BaseModel):
    command: str = Field(description="One line for /bin/sh, run in the run's workspace in the sandbox, such as "
                                    "`pytest -q`.")


class CommandAccepted(BaseModel):
    command_id: str
    log_url: str = Field(description="Where the command's whole output can be downloaded.")


class PendingDetail(BaseModel):
    interrupt_id: str
    agent: str


class PendingBudgetDetail(BaseModel):
    interrupt_id: str
    agent: str = Field(description="The agent whose next call waits.")
    message: str
    add_usd: float = Field(description="What continuing adds to the soft budget unless the answer says otherwise.")


class BudgetBody(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    proceed: bool = Field(alias="continue", description="true: go on with a higher soft budget; false: stop the "
                                                        "run here, keeping everything finished so far.")
    add_usd: float | None = Field(None, gt=0, le=10_000, description="US dollars added to the soft budget when "
                                                                     "continuing; absent: what the question offered.")
    interrupt_id: str | None = Field(None, description="The question answered; absent: whichever is pending.")


class SpendDetail(BaseModel):
    calls: int
    tokens_in: int
    tokens_out: int
    cached_tokens: int = Field(description="Of tokens_in, read from the AI service's prompt cache.")
    cost_usd: float

    @classmethod
    def of(cls, spend: Spend) -> "SpendDetail":
        return cls(calls=spend.calls, tokens_in=spend.tokens_in, tokens_out=spend.tokens_out,
                   cached_tokens=spend.cached_tokens, cost_usd=spend.cost_usd)


class UsageReport(BaseModel):
    """Tokens, cached tokens and cost of the run's calls, per agent, per model and per revision, and in total."""

    roles: dict[str, SpendDetail]
    models: dict[str, SpendDetail]
    revisions: dict[str, SpendDetail]
    total: SpendDetail

    @classmethod
    def of(cls, usage: UsageLedger) -> "UsageReport":
        return cls(roles={name: SpendDetail.of(spend) for name, spend in usage.roles.items()},
                   models={name: SpendDetail.of(spend) for name, spend in usage.models.items()},
                   revisions={str(number): SpendDetail.of(spend) for number, spend in usage.revisions.items()},
                   total=SpendDetail.of(usage.total))


class RunDetail(BaseModel):
    """A run as its events tell it: status, agents, transcript and artifacts."""

    run_id: str
    brief: str
    status: RunStatus
    outcome: RunOutcome | None = Field(
        description="What the run delivered once it ended: `passed` only when the project's tests ran and passed.")
    outcome_label: str | None = Field(description="The outcome as the pages say it.")
    model: str
    models: dict[str, str] = Field(description="The model each agent calls in this run.")
    prompts: dict[str, str] = Field(description="The system prompts this run gave agents instead of their defaults.")
    offline_demo: bool
    started_ms: int | None
    finished_ms: int | None
    error: str | None
    agents: dict[str, AgentDetail]
    messages: list[MessageDetail]
    artifacts: dict[str, Artifact]
    tokens: int
    cached_tokens: int = Field(description="Of the prompt tokens, read from the AI service's prompt cache.")
    cost_usd: float
    soft_budget_usd: float | None = Field(description="Spending at which the run asks before going on.")
    approvals: list[str] = Field(description="Agents whose artifact waits for the user's decision.")
    pending: PendingDetail | None = Field(description="The approval the run waits for, if it does.")
    pending_budget: PendingBudgetDetail | None = Field(
        description="The question the run waits on at its soft budget, if it does.")
    pause_requested: bool
    queue_position: int | None = Field(description="Waiting for a free slot: 1 = next.")
    verify: VerifyDetail | None = Field(description="The project's tests; null until they first ran.")
    commands: list[CommandDetail] = Field(description="Commands in the run's workspace, oldest first.")
    revision: int = Field(description="The project's latest revision (GET …/revisions lists them).")

    @classmethod
    def of(cls, view: RunView) -> "RunDetail":
        ended, budget = outcome(view), view.pending_budget
        return cls(
            run_id=view.run_id, brief=view.brief, status=view.status, outcome=ended,
            outcome_label=ended and OUTCOME_LABELS[ended], model=view.model, models=view.models,
            prompts=view.prompts, offline_demo=view.offline_demo, started_ms=view.started_ms,
            finished_ms=view.finished_ms, error=view.error,
            agents={name: AgentDetail(
                name=a.name, title=a.title, status=a.status, task=a.task, model=a.model, tokens_in=a.tokens_in,
                tokens_out=a.tokens_out, cached_tokens=a.cached_tokens, cost_usd=a.cost_usd, missing=a.missing,
                started_ms=a.started_ms, finished_ms=a.finished_ms, error=a.error, waiting=a.waiting,
                waiting_until_ms=a.waiting_until_ms, retries=a.retries)
                for name, a in view.agents.items()},
            messages=[MessageDetail(agent=m.agent, kind=m.kind, text=m.text, complete=m.complete)
                      for m in view.messages],
            artifacts={name: Artifact.of(artifact) for name, artifact in view.artifacts.items()},
            tokens=view.tokens, cached_tokens=view.usage.total.cached_tokens, cost_usd=view.cost_usd,
            soft_budget_usd=view.soft_budget_usd, approvals=view.approvals,
            pending=view.pending and PendingDetail(interrupt_id=view.pending.interrupt_id, agent=view.pending.agent),
            pending_budget=budget and PendingBudgetDetail(interrupt_id=budget.interrupt_id, agent=budget.agent,
                                                          message=budget.message, add_usd=budget.add_usd),
            pause_requested=view.pause_requested, queue_position=view.queue_position,
            verify=view.verify and VerifyDetail.of(view.verify),
            commands=[CommandDetail.of(command) for command in view.commands.values()],
            revision=view.project.revision)


class Rename(BaseModel):
    title: str = Field(description="The run's new name; empty shows the brief again.")


class DecisionBody(BaseModel):
    interrupt_id: str | None = Field(None, description="The checkpoint decided; absent: whichever is pending.")


class ChangesRequested(DecisionBody):
    feedback: str = Field(description="What the agent should change.")


class Edited(DecisionBody):
    content: str = Field(description="The artifact as the user rewrote it.")
