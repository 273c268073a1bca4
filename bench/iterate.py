"""A revision on a project of 50 files / 5,000 lines of Python (generated, the same every run): what the context
sends the model against the whole project, how long a set of edits takes to apply, how long the repository takes
to rebuild from the log. Then the same through the pipeline's own parts: what each agent of a revision is sent
(agents.revision.prepare), a Developer's answer of ten SEARCH/REPLACE edits turned into the commit it records, and
a run's log (one FILES_COMMITTED per commit) parsed, folded and rebuilt into the history whose ids it checks.

    python bench/iterate.py [--commits 200] [--repeat 20]

Each time is the median of `--repeat` runs. The floors are measured in the same run: for edits, plain str.replace of
the same edits; for the history, hashing every file each commit writes (the least git must do, in memory) and the
last commit's files written to disk without git.
"""

import argparse
import hashlib
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from agents.revision import prepare  # noqa: E402
from agents.roles import ROLES, TEAM  # noqa: E402
from core.codebase.answers import answer_changes  # noqa: E402
from core.codebase.commits import files_committed  # noqa: E402
from core.codebase.context import estimate_tokens, file_block, select_context  # noqa: E402
from core.codebase.edits import Replace, apply_edits, render_edits  # noqa: E402
from core.codebase.history import History, Signature, Step  # noqa: E402
from core.codebase.project_history import history_of  # noqa: E402
from core.domain.custom import RunConfigured, custom  # noqa: E402
from core.domain.events import StoredEvent  # noqa: E402
from core.domain.fold import apply, fold  # noqa: E402
from core.domain.revision_events import RevisionOrigin, RevisionStarted  # noqa: E402
from core.domain.view import RunView  # noqa: E402
from core.llm.client import prompt_tokens  # noqa: E402

MODULES = ["orders", "invoices", "customers", "inventory", "shipping", "payments", "reports", "exporter", "pricing",
           "discounts", "taxes", "refunds", "catalog", "search", "accounts", "sessions", "emails", "webhooks",
           "scheduler", "audit", "settings", "storage", "cache", "metrics", "imports", "currencies", "addresses",
           "suppliers", "warehouses", "returns", "coupons", "loyalty", "reviews", "ratings", "wishlists",
           "notifications", "permissions", "roles", "exports_csv", "dashboards"]
REQUEST = "Add a CSV export of the invoices report, with a delimiter option, and test it"
AUTHORS = [Signature(name, f"{name.lower()}@botarmy.invalid") for name in ("Developer", "Tester", "Analyst")]


def module(name: str, rng: random.Random) -> str:
    """A module of exactly 100 lines: constants, a class with methods, functions."""
    title = name.replace("_", " ")
    lines = [f'"""The shop\'s {title}: records, rules and totals."""', "", "import dataclasses", "import decimal", "",
             f"{name.upper()}_LIMIT = {rng.randint(10, 999)}",
             f"{name.upper()}_RATE = decimal.Decimal('0.{rng.randint(1, 99):02}')", "", ""]
    cls = "".join(part.title() for part in name.split("_"))
    lines += ["@dataclasses.dataclass", f"class {cls}Record:", "    key: str", "    amount: decimal.Decimal",
              "    count: int = 0", ""]
    method = 0
    while len(lines) < 88:
        method += 1
        lines += [f"    def step_{method}(self, value: int) -> int:",
                  f'        """Step {method} of the {title} rule."""',
                  f"        total = value * {rng.randint(2, 9)} + self.count",
                  f"        if total > {name.upper()}_LIMIT:", f"            total -= {rng.randint(1, 50)}",
                  "        return total", ""]
    lines = lines[:88]
    while len(lines) < 100:
        n = len(lines)
        lines += ["", f"def {name}_total_{n}(records: list) -> decimal.Decimal:",
                  f'    """The sum of the {title} records\' amounts."""',
                  "    return sum((record.amount for record in records), decimal.Decimal(0))"]
    return "\n".join(lines[:100]) + "\n"


def test_module(name: str) -> str:
    cls = "".join(part.title() for part in name.split("_"))
    body = [f"from shop.{name} import {cls}Record"]
    for n in range(1, 25):
        body += ["", "", f"def test_step_{n}():", f"    assert {cls}Record('k', 1).step_1({n}) >= 0"]
    return "\n".join(body + ["", "", "# 24 tests, 100 lines"]) + "\n"


def project() -> dict[str, str]:
    rng = random.Random(25)
    files = {f"src/shop/{name}.py": module(name, rng) for name in MODULES}
    files |= {f"tests/test_{name}.py": test_module(name) for name in MODULES[:10]}
    return files


def edits(files: dict[str, str], drift: str) -> list[Replace]:
    """Ten edits of ten modules: each changes one method's arithmetic, written as a model would (with `drift`)."""
    chosen = []
    for name in MODULES[:10]:
        text = files[f"src/shop/{name}.py"]
        lines = text.splitlines(keepends=True)
        start = next(i for i, line in enumerate(lines) if "def step_2(" in line)
        search = lines[start:start + 6]
        replace = search[:2] + ["        total = value * 10 + self.count\n"] + search[3:]
        if drift == "indentation":  # the model dropped the class's indentation, uniformly
            search, replace = [line[4:] for line in search], [line[4:] for line in replace]
        elif drift == "fuzzy":  # the model misremembered one line
            search = search[:2] + ["        total = value * 7 + self.count  # as it remembered it\n"] + search[3:]
        chosen.append(Replace(f"src/shop/{name}.py", "".join(search), "".join(replace)))
    return chosen


def median_ms(call, repeat: int) -> float:
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        call()
        samples.append((time.perf_counter() - started) * 1000)
    return statistics.median(samples)


def steps(files: dict[str, str], commits: int) -> list[Step]:
    """The first commit writes the project; each next one changes one to three modules, as agents' steps do."""
    rng = random.Random(7)
    current = {path: text.encode() for path, text in files.items()}
    result = [Step(AUTHORS[0], "Developer: first version", 1_700_000_000, dict(current))]
    for n in range(1, commits):
        changes = {}
        for path in rng.sample(sorted(current), rng.randint(1, 3)):
            current[path] = current[path] + f"# revision note {n}\n".encode()
            changes[path] = current[path]
        result.append(Step(AUTHORS[n % 3], f"step {n}", 1_700_000_000 + 60 * n, changes))
    return result


def main(commits: int, repeat: int) -> None:
    files = project()
    lines = sum(text.count("\n") for text in files.values())
    print(f"Project: {len(files)} files, {lines:,} lines of Python; request: \"{REQUEST}\"\n")

    whole = sum(estimate_tokens(file_block(path, text)) for path, text in files.items())
    context = select_context({path: text.encode() for path, text in files.items()}, REQUEST)
    print("| what the model is sent | files | tokens | share of the whole project |")
    print("|---|---:|---:|---:|")
    print(f"| whole project | {len(files)} | {whole:,} | 100 % |")
    print(f"| context (map + chosen files, budget {context.budget:,}) | {len(context.files)} | {context.total:,} | "
          f"{100 * context.total / whole:.0f} % |")
    print(f"\nChosen: {', '.join(f'{chosen.path} ({chosen.reason})' for chosen in context.files)}\n")

    print(f"| applying 10 edits to 10 files (median of {repeat}) | ms | × floor |")
    print("|---|---:|---:|")
    exact = edits(files, "none")

    def floor_apply():
        tree = dict(files)
        for edit in exact:
            tree[edit.path] = tree[edit.path].replace(edit.search, edit.replace, 1)
    floor = median_ms(floor_apply, repeat)
    print(f"| floor: str.replace of the same edits | {floor:.3f} | 1.0× |")
    for drift in ("none", "indentation", "fuzzy"):
        chosen = edits(files, drift)
        matched = {applied.match for applied in apply_edits(files, chosen).applied}
        took = median_ms(lambda chosen=chosen: apply_edits(files, chosen), repeat)
        print(f"| apply_edits, drift: {drift} (matched: {', '.join(sorted(matched))}) | {took:.3f} | "
              f"{took / floor:.0f}× |")

    history_steps = steps(files, commits)
    print(f"\n| rebuilding the repository from {commits} commits (median of {max(3, repeat // 4)}) | ms | × floor |")
    print("|---|---:|---:|")
    rounds = max(3, repeat // 4)

    def floor_memory():  # the least any git must do: hash every file each commit writes, as a blob
        for step in history_steps:
            for data in step.changes.values():
                hashlib.sha1(b"blob %d\0" % len(data) + data).digest()
    memory_floor = median_ms(floor_memory, rounds)
    print(f"| floor: SHA-1 of every file every commit writes | {memory_floor:.2f} | 1.0× |")
    built = median_ms(lambda: History.build(history_steps), rounds)
    print(f"| in memory (dulwich MemoryRepo): every commit id | {built:.2f} | {built / memory_floor:.0f}× |")
    history = History.build(history_steps)
    with tempfile.TemporaryDirectory() as scratch:
        counter = iter(range(10 ** 6))

        def floor_disk():
            root = Path(scratch) / f"plain{next(counter)}"
            for path, data in history.files().items():
                (root / path).parent.mkdir(parents=True, exist_ok=True)
                (root / path).write_bytes(data)
        disk_floor = median_ms(floor_disk, rounds)
        print(f"| floor: the last commit's files written to disk without git | {disk_floor:.2f} | 1.0× |")
        written = median_ms(lambda: History.build(history_steps).write(Path(scratch) / f"repo{next(counter)}"), rounds)
        print(f"| built in memory, then written to disk as a repository with its work tree | {written:.2f} | "
              f"{written / disk_floor:.0f}× |")
        zipped = median_ms(lambda: history.zip("shop"), rounds)
        print(f"| the zip with .git (from a built history) | {zipped:.2f} | {zipped / disk_floor:.0f}× |")

    pipeline(files, history_steps, repeat)


def run_log(history_steps: list[Step]) -> tuple[RunView, list[str]]:
    """A run whose log commits every step (as agents' steps do), then begins revision 2 with the request: its view,
    and its log as the store keeps it (JSON, one event a line)."""
    view, log = RunView(run_id="bench"), []

    def append(payload) -> None:
        stored = StoredEvent(run_id="bench", seq=len(log) + 1, event=custom(payload))
        log.append(stored.model_dump_json())
        apply(view, stored)

    append(RunConfigured(brief="A shop's back office"))
    for step in history_steps:
        append(files_committed(view, step.author.name.lower(), step.author.name, step.message,
                               {path: data.decode() for path, data in step.changes.items()}, time_s=step.time))
    append(RevisionStarted(revision=2, request=REQUEST, origin=RevisionOrigin.CHANGE))
    return view, log


def pipeline(files: dict[str, str], history_steps: list[Step], repeat: int) -> None:
    view, log = run_log(history_steps)
    whole = sum(estimate_tokens(file_block(path, text)) for path, text in files.items())
    print(f"\n| what each agent is sent in revision 2 (prepare) | files shown | context tokens | whole prompt tokens | "
          f"share of the whole project ({whole:,} tokens) |")
    print("|---|---:|---:|---:|---:|")
    for role in ROLES:
        prepared = prepare(role, view, view.brief, view.run_id, 1, None)
        sent = prompt_tokens(prepared.inputs.messages(role))
        context = prepared.context
        print(f"| {role.title} | {len(context.files) if context else 0} | {context.tokens if context else 0:,} | "
              f"{sent:,} | {100 * sent / whole:.0f} % |")

    developer = next(member for member in TEAM.members if member.name == "developer")
    answer = "# Changes\n\n" + render_edits(edits(files, "indentation"))
    took = median_ms(lambda: answer_changes(developer, answer, view.files), repeat)
    recorded = median_ms(lambda: files_committed(view, "developer", "Developer", "Update the code",
                                                 answer_changes(developer, answer, view.files)), repeat)
    print(f"\n| a Developer's answer of 10 edits (median of {repeat}) | ms |")
    print("|---|---:|")
    print(f"| parsed and applied to the view's files, all or none (answer_changes) | {took:.2f} |")
    print(f"| … and recorded as its FILES_COMMITTED, commit id computed (files_committed) | {recorded:.2f} |")

    rounds = max(3, repeat // 4)
    parsed = median_ms(lambda: [StoredEvent.model_validate_json(line) for line in log], rounds)
    folded = median_ms(lambda: fold("bench", [StoredEvent.model_validate_json(line) for line in log]), rounds)
    rebuilt = median_ms(lambda: history_of(fold("bench", [StoredEvent.model_validate_json(line) for line in log])),
                        rounds)
    size = sum(len(line) for line in log)
    print(f"\n| the repository rebuilt from the run's log: {len(log)} events, {size / 1e6:.1f} MB "
          f"(median of {rounds}) | ms |")
    print("|---|---:|")
    print(f"| the log parsed | {parsed:.0f} |")
    print(f"| parsed and folded (the view's files and commits) | {folded:.0f} |")
    print(f"| parsed, folded and the history rebuilt, every id checked against the log's (history_of) | "
          f"{rebuilt:.0f} |")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--commits", type=int, default=200)
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    main(args.commits, args.repeat)
