"""What a revision sends the model: a map of every file, and the files that matter to the request with their tests
and the README, within the token budget the card shows."""

from core.codebase.context import (
    Reason, estimate_tokens, file_block, file_map, render_map, select_context, top_level_names,
)
from core.codebase.content import Withheld

FILES = {
    "README.md": b"# Exporter\n\nExports rows.\n\n## Usage\n\n    exporter --format csv\n",
    "src/exporter/cli.py": b"import argparse\n\n\ndef main():\n    parser = argparse.ArgumentParser()\n"
                           b"    parser.add_argument('--format', default='json')\n",
    "src/exporter/csv_writer.py": b"import csv\n\nDELIMITER = ','\n\n\nclass CsvWriter:\n    def write(self, rows):\n"
                                  b"        return '\\n'.join(DELIMITER.join(row) for row in rows)\n",
    "src/exporter/json_writer.py": b"import json\n\n\ndef write_json(rows):\n    return json.dumps(rows)\n",
    "src/exporter/broken.py": b"def oops(:\n    pass\nclass Still:\n",
    "web/app.ts": b"export function render(rows: Row[]) {}\nexport class Table {}\nconst LIMIT = 3;\n",
    "tests/test_csv_writer.py": b"from exporter.csv_writer import CsvWriter\n\n\ndef test_write():\n"
                                b"    assert CsvWriter().write([['a', 'b']]) == 'a,b'\n",
    "tests/test_cli.py": b"from exporter import cli\n\n\ndef test_main():\n    assert cli.main\n",
    ".env": b"EXPORT_TOKEN=sk-live-secret-value\n",
    "assets/logo.png": b"\x89PNG\r\n\x1a\n\0\0\0",
}


def test_the_map_lists_every_file_with_its_size_and_names_and_withholds_secrets_and_binaries():
    entries = {entry.path: entry for entry in file_map(FILES)}
    assert entries["src/exporter/csv_writer.py"].names == ("DELIMITER", "class CsvWriter")
    assert entries["src/exporter/csv_writer.py"].lines == 8
    assert entries["README.md"].names == ("Exporter", "Usage")
    assert entries["web/app.ts"].names == ("render", "Table", "LIMIT")
    assert entries["src/exporter/broken.py"].names == ("oops", "Still")  # Python that does not parse: patterns
    assert entries[".env"].withheld is Withheld.SECRET and entries[".env"].names == ()
    assert entries["assets/logo.png"].withheld is Withheld.BINARY
    text = render_map(list(entries.values()))
    size = len(FILES["src/exporter/csv_writer.py"])
    assert f"- src/exporter/csv_writer.py (8 lines, {size} bytes): DELIMITER, class CsvWriter\n" in text
    assert "- .env (secrets file, 34 bytes: never shown)\n" in text
    assert "- assets/logo.png (binary, 11 bytes: not shown)\n" in text
    assert "sk-live" not in text


def test_files_the_caller_keeps_back_are_secrets_whatever_they_hold():
    entry = file_map({"config/settings.py": b"TOKEN = 'abc'\n"}, kept_back={"config/settings.py"})[0]
    assert entry.withheld is Withheld.SECRET and entry.names == ()


def test_the_files_that_match_the_request_come_first_then_their_tests_then_the_readme():
    context = select_context(FILES, "Let the CSV writer use a semicolon delimiter", budget=4_000)
    assert [(chosen.path, chosen.reason) for chosen in context.files][:3] == [
        ("src/exporter/csv_writer.py", Reason.MATCH), ("tests/test_csv_writer.py", Reason.TEST),
        ("src/exporter/json_writer.py", Reason.MATCH)]
    assert "README.md" in [chosen.path for chosen in context.files]
    assert "**File: `src/exporter/csv_writer.py`**\n```\nimport csv\n" in context.text
    assert "sk-live" not in context.text and "src/exporter/cli.py (" in context.text  # in the map, not sent


def test_a_request_that_names_nothing_gets_the_entry_points_and_the_readme():
    context = select_context(FILES, "Make it nicer", budget=4_000)
    assert [(chosen.path, chosen.reason) for chosen in context.files] == [
        ("src/exporter/cli.py", Reason.ENTRY), ("README.md", Reason.README)]


def test_a_request_that_names_nothing_gets_each_package_and_the_modules_it_imports():
    files = {"src/calc/__init__.py": b"from .ops import add\nfrom . import units, missing\n",
             "src/calc/ops.py": b"def add(a, b):\n    return a + b\n", "src/calc/units.py": b"METRE = 1\n",
             "src/calc/unused.py": b"X = 1\n", "tests/test_ops.py": b"from calc import add\n"}
    context = select_context(files, "Make it nicer", budget=4_000)
    assert [(chosen.path, chosen.reason) for chosen in context.files] == [
        ("src/calc/__init__.py", Reason.ENTRY), ("src/calc/ops.py", Reason.ENTRY), ("src/calc/units.py", Reason.ENTRY)]


def test_what_is_sent_fits_the_budget_and_the_card_says_how_much():
    for budget in (300, 600, 1_200, 4_000):
        context = select_context(FILES, "csv writer delimiter json", budget=budget)
        assert estimate_tokens(context.text) <= context.total <= budget
    wide = select_context(FILES, "csv writer delimiter json", budget=4_000)
    narrow = select_context(FILES, "csv writer delimiter json", budget=300)
    assert len(narrow.files) < len(wide.files)
    assert wide.summary == f"{len(wide.files)} files, {wide.total:,} of 4,000 tokens"


def test_a_map_too_long_for_half_the_budget_loses_its_names_then_its_tail():
    many = {f"pkg/module_{i:04}.py": f"def function_{i}():\n    return {i}\n".encode() for i in range(400)}
    context = select_context(many, "function 7", budget=2_000)
    assert context.map_tokens <= 1_000 and context.total <= 2_000
    assert ": def function_" not in context.text.split("\n\n")[0] and "- pkg/module_0000.py (2 lines" in context.text
    assert "more files" in context.text


def test_a_file_block_uses_a_fence_longer_than_any_in_the_file():
    block = file_block("docs/guide.md", "Run:\n\n```sh\nmake\n```\n")
    assert block.startswith("**File: `docs/guide.md`**\n````\n") and block.endswith("````\n")


def test_python_names_are_classes_functions_and_constants_at_the_top_level():
    source = "import os\nMAX = 3\nvalue = 4\n\n\nclass A:\n    def inner(self): ...\n\n\nasync def go():\n    pass\n"
    assert top_level_names("m.py", source) == ("MAX", "class A", "def go")
