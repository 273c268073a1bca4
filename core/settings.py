"""Settings from the environment and `.env`, named as in the UI contract."""

from enum import StrEnum
from pathlib import Path

from pydantic import AliasChoices, Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

# US dollars per million tokens: input, output and input read from the provider's prompt cache.
DEFAULT_PRICES = {
    "gpt-4o-mini": (0.15, 0.60, 0.075),
    "gpt-4o": (2.50, 10.00, 1.25),
    "gpt-4.1-nano": (0.10, 0.40, 0.025),
    "gpt-4.1-mini": (0.40, 1.60, 0.10),
    "gpt-4.1": (2.00, 8.00, 0.50),
    "botarmy-demo": (0.0, 0.0, 0.0),
}


class OrchestratorName(StrEnum):
    """What drives the agents (BOTARMY_ORCHESTRATOR)."""

    NATIVE = "native"  # BotArmy's own pipeline
    CONTROLFLOW = "controlflow"  # the same pipeline, each agent step a ControlFlow task


class SandboxName(StrEnum):
    """Where commands run (BOTARMY_SANDBOX)."""

    BUBBLEWRAP = "bubblewrap"
    NONE = "none"  # on the host, without a sandbox


class Role(StrEnum):
    """What one process of BotArmy does (`python main.py [web|worker]`)."""

    SINGLE = "single"  # everything, in one process on SQLite
    WEB = "web"  # scaled out: pages, API and AG-UI
    WORKER = "worker"  # scaled out: works runs


class AuthMode(StrEnum):
    """Who is who (BOTARMY_AUTH)."""

    BROWSER = "browser"  # every browser is its own user
    PASSWORD = "password"  # users added on the command line sign in


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore", populate_by_name=True)

    host: str = Field("127.0.0.1", validation_alias=AliasChoices("BOTARMY_HOST", "host"))
    port: int = Field(8080, ge=1, le=65535, validation_alias=AliasChoices("BOTARMY_PORT", "port"))
    data_dir: Path = Field(Path("./data"), validation_alias=AliasChoices("BOTARMY_DATA_DIR", "data_dir"))
    openai_api_key: str | None = Field(None, validation_alias=AliasChoices("OPENAI_API_KEY", "openai_api_key"))
    openai_base_url: str | None = Field(None, validation_alias=AliasChoices("OPENAI_BASE_URL", "openai_base_url"))
    model: str = Field("gpt-4o-mini", validation_alias=AliasChoices("BOTARMY_MODEL", "model"))
    # A model per role, `developer=gpt-4o,tester=gpt-4o-mini`; roles not named use `model` (checked at start-up).
    models: str = Field("", validation_alias=AliasChoices("BOTARMY_MODELS", "models"))
    demo_token_delay_ms: float = Field(
        20, ge=0, le=5000, validation_alias=AliasChoices("BOTARMY_DEMO_TOKEN_DELAY_MS", "demo_token_delay_ms"))
    # Tokens in each streamed chunk of the demo model: one, as OpenAI streams; more, as some servers batch them.
    demo_tokens_per_chunk: int = Field(
        1, ge=1, le=1000, validation_alias=AliasChoices("BOTARMY_DEMO_TOKENS_PER_CHUNK", "demo_tokens_per_chunk"))
    max_brief_chars: int = Field(
        8000, ge=100, validation_alias=AliasChoices("BOTARMY_MAX_BRIEF_CHARS", "max_brief_chars"))
    max_feedback_chars: int = Field(4000, ge=100, validation_alias="BOTARMY_MAX_FEEDBACK_CHARS")
    # Which agents wait for the user's approval: none, all, or a comma list (the Start form can change it per run);
    # absent: the agents that ask for it by default (agents.roles).
    approvals: str | None = Field(None, validation_alias=AliasChoices("BOTARMY_APPROVALS", "approvals"))
    # What drives the agents: BotArmy's own pipeline, or ControlFlow (after `pip install -e '.[controlflow]'`).
    orchestrator: OrchestratorName = Field(
        OrchestratorName.NATIVE, validation_alias=AliasChoices("BOTARMY_ORCHESTRATOR", "orchestrator"))
    # Runs working at once in this process; later runs wait in a queue and show their place in it.
    max_concurrent_runs: int = Field(3, ge=1, le=100, validation_alias="BOTARMY_MAX_CONCURRENT_RUNS")

    # Who is who: `browser` gives every browser its own identity (a signed, HttpOnly cookie); `password` asks users
    # added with `python main.py users add NAME` to sign in. API calls carry a user's bearer token either way.
    auth: AuthMode = Field(AuthMode.BROWSER, validation_alias="BOTARMY_AUTH")
    # Signs the session cookie; absent: generated once and kept in the data dir, so identities survive restarts.
    storage_secret: SecretStr | None = Field(None, validation_alias="BOTARMY_STORAGE_SECRET")
    # Behind HTTPS: the session cookie is sent over HTTPS only.
    secure_cookies: bool = Field(False, validation_alias="BOTARMY_SECURE_COOKIES")
    # Other sites allowed to call the API from a browser (CORS), a comma list of origins; empty: none.
    cors_origins: str = Field("", validation_alias="BOTARMY_CORS_ORIGINS")

    # Limits that keep one user or one request from taking the server: each refusal says why, in a sentence.
    max_request_bytes: int = Field(1_048_576, ge=1024, validation_alias="BOTARMY_MAX_REQUEST_BYTES")
    max_runs_per_user: int = Field(3, ge=1, le=100, validation_alias="BOTARMY_MAX_RUNS_PER_USER")
    starts_per_minute: int = Field(10, ge=1, le=1000, validation_alias="BOTARMY_STARTS_PER_MINUTE")
    socket_messages_per_second: int = Field(20, ge=1, le=1000, validation_alias="BOTARMY_SOCKET_MESSAGES_PER_SECOND")

    # Resilience of the one LLM path: retries, timeouts, client-side rate limits.
    llm_max_attempts: int = Field(6, ge=1, le=20, validation_alias="BOTARMY_LLM_MAX_ATTEMPTS")
    llm_max_retry_wait_s: float = Field(180, ge=0, validation_alias="BOTARMY_LLM_MAX_RETRY_WAIT_S")
    llm_backoff_initial_s: float = Field(1.0, ge=0, validation_alias="BOTARMY_LLM_BACKOFF_INITIAL_S")
    llm_backoff_max_s: float = Field(30, ge=0, validation_alias="BOTARMY_LLM_BACKOFF_MAX_S")
    llm_connect_timeout_s: float = Field(10, gt=0, validation_alias="BOTARMY_LLM_CONNECT_TIMEOUT_S")
    llm_first_token_timeout_s: float = Field(60, gt=0, validation_alias="BOTARMY_LLM_FIRST_TOKEN_TIMEOUT_S")
    llm_stall_timeout_s: float = Field(30, gt=0, validation_alias="BOTARMY_LLM_STALL_TIMEOUT_S")
    llm_total_timeout_s: float = Field(600, gt=0, validation_alias="BOTARMY_LLM_TOTAL_TIMEOUT_S")
    llm_requests_per_minute: int = Field(60, ge=1, validation_alias="BOTARMY_LLM_REQUESTS_PER_MINUTE")
    llm_tokens_per_minute: int = Field(200_000, ge=1000, validation_alias="BOTARMY_LLM_TOKENS_PER_MINUTE")
    max_output_tokens: int = Field(4096, ge=64, validation_alias="BOTARMY_MAX_OUTPUT_TOKENS")

    # Budgets: a run stops cleanly before a call that could take it past either ceiling.
    run_token_budget: int = Field(250_000, ge=1000, validation_alias="BOTARMY_RUN_TOKEN_BUDGET")
    run_cost_budget_usd: float = Field(2.0, ge=0, validation_alias="BOTARMY_RUN_COST_BUDGET_USD")
    # Spending at which a run waits for the user to allow more (the Start form changes it per run); None: never.
    run_cost_soft_usd: float | None = Field(None, gt=0, validation_alias="BOTARMY_RUN_COST_SOFT_USD")
    # US dollars per million tokens, input, output and (optional, else the input price) cached input, by model
    # name; JSON in the environment.
    prices: dict[str, tuple[float, float] | tuple[float, float, float]] = Field(
        default_factory=lambda: dict(DEFAULT_PRICES), validation_alias="BOTARMY_PRICES")
    # An answer that lacks what its agent must deliver (code, tests, sections) is sent back this often at most.
    repair_rounds: int = Field(1, ge=0, le=5, validation_alias="BOTARMY_REPAIR_ROUNDS")

    # Scaled out (`python main.py web` and `python main.py worker`): the event log, users and run leases in
    # PostgreSQL; live fan-out, commands to workers and shared limits through Redis. Unset: one process on SQLite.
    database_url: SecretStr | None = Field(None, validation_alias="BOTARMY_DATABASE_URL")
    redis_url: SecretStr | None = Field(None, validation_alias="BOTARMY_REDIS_URL")
    # A worker's lease on a run lasts this long unless renewed (every quarter of it): a killed worker's runs are
    # taken over by another within about this time.
    lease_seconds: float = Field(10, ge=2, le=300, validation_alias="BOTARMY_LEASE_SECONDS")
    # Scaled out, each process keeps runs' workspaces in its own data directory, and a run is deleted through one web
    # instance: the others and the workers drop the workspaces of deleted runs this often (and at start-up).
    workspace_sweep_s: float = Field(600, ge=1, validation_alias="BOTARMY_WORKSPACE_SWEEP_SECONDS")
    # Running what the agents wrote: each command in the run's workspace, in a sandbox (core.sandbox). `none` runs
    # commands on the host without one, and the page says so.
    sandbox: SandboxName = Field(SandboxName.BUBBLEWRAP, validation_alias="BOTARMY_SANDBOX")
    bwrap: str = Field("bwrap", validation_alias="BOTARMY_BWRAP")  # the bubblewrap program
    # After the Tester, run the project's tests; when they fail, the Developer fixes the code this often at most.
    run_tests: bool = Field(True, validation_alias="BOTARMY_RUN_TESTS")
    # Third-party packages a generated project declares are downloaded (the one step that reaches a package index)
    # and installed into a virtual environment in its workspace; off: the verdict names what is missing.
    install_packages: bool = Field(True, validation_alias="BOTARMY_INSTALL_PACKAGES")
    fix_rounds: int = Field(2, ge=0, le=10, validation_alias="BOTARMY_FIX_ROUNDS")
    # Limits of one command: wall time; CPU time, memory (address space) and file size per process; processes.
    command_timeout_s: float = Field(300, gt=0, le=86400, validation_alias="BOTARMY_COMMAND_TIMEOUT_S")
    command_cpu_s: int = Field(300, ge=1, validation_alias="BOTARMY_COMMAND_CPU_S")
    command_memory_mb: int = Field(1024, ge=64, validation_alias="BOTARMY_COMMAND_MEMORY_MB")
    command_processes: int = Field(64, ge=4, le=4096, validation_alias="BOTARMY_COMMAND_PROCESSES")
    command_file_mb: int = Field(64, ge=1, validation_alias="BOTARMY_COMMAND_FILE_MB")
    # Output: kept in the run's log and terminal (then cut, with a note), and in the command's log file (then the
    # command is stopped).
    command_output_kb: int = Field(1024, ge=1, validation_alias="BOTARMY_COMMAND_OUTPUT_KB")
    command_log_mb: int = Field(32, ge=1, validation_alias="BOTARMY_COMMAND_LOG_MB")
    max_concurrent_commands: int = Field(4, ge=1, le=100, validation_alias="BOTARMY_MAX_CONCURRENT_COMMANDS")
    # What one tab's terminal receives at most per second; a flood is shown at this pace, none of it dropped.
    terminal_bytes_per_second: int = Field(524_288, ge=1024, validation_alias="BOTARMY_TERMINAL_BYTES_PER_SECOND")

    # A project's revisions (agents.revision, core.codebase): what an agent is sent of the files, at most; how large a
    # zip of existing code may be; and whether a history may be pushed to a repository on this server's disk.
    context_tokens: int = Field(12_000, ge=1000, le=1_000_000, validation_alias="BOTARMY_CONTEXT_TOKENS")
    import_zip_mb: int = Field(10, ge=1, le=500, validation_alias="BOTARMY_IMPORT_ZIP_MB")
    import_files: int = Field(2000, ge=1, le=100_000, validation_alias="BOTARMY_IMPORT_FILES")
    import_total_mb: int = Field(50, ge=1, le=2000, validation_alias="BOTARMY_IMPORT_TOTAL_MB")
    push_to_paths: bool = Field(False, validation_alias="BOTARMY_PUSH_TO_PATHS")

    # Diagnostics: the bare-push latency floor page used by bench/live_path.py.
    bench_pages: bool = Field(False, validation_alias="BOTARMY_BENCH_PAGES")

    # Fault injection of the offline demo model, for tests and demos (see core/demo/faults.py).
    demo_faults: str = Field("", validation_alias="BOTARMY_DEMO_FAULTS")

    @field_validator("run_cost_soft_usd", mode="before")
    @classmethod
    def _blank_soft_budget_is_none(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("openai_api_key", "openai_base_url", "database_url", "redis_url", mode="before")
    @classmethod
    def _blank_is_absent(cls, value: str | None) -> str | None:
        return value.strip() or None if value else None

    @field_validator("prices")
    @classmethod
    def _prices_extend_the_defaults(cls, value: dict) -> dict:
        return {**DEFAULT_PRICES, **value}

    @property
    def offline_demo(self) -> bool:
        """Without a key the app answers with its own demo model."""
        return self.openai_api_key is None

    @property
    def allowed_origins(self) -> list[str]:
        return [origin.strip().rstrip("/") for origin in self.cors_origins.split(",") if origin.strip()]

    @property
    def scaled(self) -> bool:
        return self.database_url is not None or self.redis_url is not None

    @property
    def database_path(self) -> Path:
        return self.data_dir / "botarmy.sqlite3"
