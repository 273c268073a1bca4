"""A zip of existing code is hostile until proven otherwise: real hostile zips are refused with one sentence, or
their bad entries left out with one sentence each; a real small project comes through whole, its tests passing,
its secrets and binaries kept but never shown to the model."""

import os
import stat
import subprocess
import sys
import zipfile

import pytest

from core.codebase.content import Withheld
from core.codebase.context import select_context
from core.codebase.importing import ImportLimits, ImportRefused, Skip, read_project_zip
from tests.support.zips import FAKE_KEY, PNG, PROJECT, deflated, entry, raw_zip, zeros_bomb, zip_of

def refusal(data: bytes, limits: ImportLimits = ImportLimits()) -> str:
    with pytest.raises(ImportRefused) as caught:
        read_project_zip(data, limits)
    return str(caught.value)


# --- a real project -------------------------------------------------------------------------------------------------

def test_a_real_project_comes_through_whole_and_its_own_tests_pass(tmp_path):
    project = read_project_zip(zip_of(PROJECT, entries=[(zipfile.ZipInfo("calc-main/assets/logo.png"), PNG)]))
    assert sorted(project.files) == [".env", "README.md", "assets/logo.png", "pyproject.toml", "src/calc/__init__.py",
                                     "src/calc/ops.py", "tests/test_ops.py"]  # GitHub's top folder taken off
    assert project.files["assets/logo.png"] == PNG
    assert project.withheld == {".env", "assets/logo.png"}
    assert [(note.path, note.reason) for note in project.notes] == [
        (".git", Skip.GIT), ("vendor/lib/.git", Skip.GIT), ("__MACOSX", Skip.MACOS),
        (".env", Withheld.SECRET), ("assets/logo.png", Withheld.BINARY)]
    assert project.notes[0].sentence == "The git folder .git was left out: BotArmy keeps the project's own history."
    assert project.notes[3].sentence == (".env looks like a secrets file: it is kept in the project but never sent "
                                         "to the model.")
    for path, content in project.files.items():
        (tmp_path / path).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / path).write_bytes(content)
    done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"], cwd=tmp_path,
                          capture_output=True, text=True, timeout=120, check=False,
                          env={**os.environ, "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"})
    assert done.returncode == 0 and "1 passed" in done.stdout, done.stdout + done.stderr


def test_what_the_model_is_sent_of_an_imported_project_never_holds_its_secrets_or_binaries():
    project = read_project_zip(zip_of(PROJECT, entries=[(zipfile.ZipInfo("calc-main/assets/logo.png"), PNG)]))
    context = select_context(project.files, "add an API key setting to the env and the logo", budget=50_000,
                             kept_back=project.withheld)
    assert FAKE_KEY not in context.text and "IHDR" not in context.text
    assert "- .env (secrets file, 56 bytes: never shown)" in context.text
    assert {chosen.path for chosen in context.files}.isdisjoint({".env", "assets/logo.png"})


def test_secrets_files_are_withheld_by_name_and_private_keys_by_content():
    project = read_project_zip(zip_of({
        "id_rsa": "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n-----END OPENSSH PRIVATE KEY-----\n",
        "certs/server.pem": "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n",
        ".env.production": "DB_PASSWORD=hunter2\n",
        "deploy/key.txt": "-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA\n-----END RSA PRIVATE KEY-----\n",
        "app.py": "print('hi')\n",
    }))
    assert project.withheld == {"id_rsa", "certs/server.pem", ".env.production", "deploy/key.txt"}


def test_binary_files_are_kept_as_bytes_and_withheld():
    latin1 = "café crème\n".encode("latin-1")
    project = read_project_zip(zip_of({"data/blob.bin": bytes(range(256)), "notes.txt": latin1, "ok.py": "x = 1\n"}))
    assert project.files["data/blob.bin"] == bytes(range(256)) and project.files["notes.txt"] == latin1
    assert project.withheld == {"data/blob.bin", "notes.txt"}
    assert {note.reason for note in project.notes} == {Withheld.BINARY}


# --- paths ----------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("name", ["../../etc/passwd", "proj/../../outside.txt", "..\\..\\windows\\evil.txt",
                                  "/etc/cron.d/evil", "\\\\server\\share\\x", "C:/Windows/evil.dll", "C:evil.txt"])
def test_a_path_leading_outside_the_project_refuses_the_whole_zip(name):
    sentence = refusal(zip_of({"ok.py": "x = 1\n", name: "owned\n"}))
    assert sentence.startswith("The zip holds a path that leads outside the project (")
    assert sentence.endswith("); nothing was imported.")


def test_links_devices_and_pipes_are_left_out_with_a_sentence_each():
    project = read_project_zip(zip_of({"proj/ok.py": "x = 1\n"}, entries=[
        entry("proj/passwd", stat.S_IFLNK, b"/etc/passwd"),
        entry("proj/dev/sda", stat.S_IFBLK), entry("proj/tty", stat.S_IFCHR), entry("proj/pipe", stat.S_IFIFO)]))
    assert list(project.files) == ["ok.py"]
    assert [(note.path, note.reason) for note in project.notes] == [
        ("passwd", Skip.SYMLINK), ("dev/sda", Skip.SPECIAL), ("tty", Skip.SPECIAL), ("pipe", Skip.SPECIAL)]
    assert project.notes[0].sentence == "passwd is a symbolic link; it was left out."


def test_two_entries_that_normalise_to_one_name_refuse_the_zip():
    assert refusal(zip_of({"a/caf\u00e9.txt": "1", "a/cafe\u0301.txt": "2", "b.txt": "3"})) == \
        "The zip holds two files named a/café.txt; nothing was imported."
    assert refusal(zip_of({"src/x.py": "1", "src\\x.py": "2", "README.md": "3"})) == \
        "The zip holds two files named src/x.py; nothing was imported."
    assert refusal(zip_of({"src": "1", "src/x.py": "2"})) == \
        "The zip holds src both as a file and as a folder; nothing was imported."


def test_names_without_the_utf8_flag_are_read_as_utf8_when_they_are_and_as_cp437_otherwise():
    plain = deflated(b"x\n")
    project = read_project_zip(raw_zip(
        {"name": "na\u00efve.txt".encode(), **plain},  # UTF-8 bytes, flag not set (as many tools write)
        {"name": "caf\u00e9.txt".encode("latin-1"), **plain},  # Latin-1: not UTF-8, read as zipfile reads it
        {"name": "e\u0301t\u00e9.txt".encode(), "flags": 0x800, **plain},  # flagged UTF-8, decomposed: made NFC
        {"name": b"bell\x07.txt", **plain}))
    assert sorted(project.files) == ["caf\u0398.txt", "na\u00efve.txt", "\u00e9t\u00e9.txt"]
    assert [(note.reason, note.sentence) for note in project.notes] == [
        (Skip.BAD_NAME, "A file whose name cannot be used (bell\\x07.txt) was left out.")]


# --- limits and bombs -----------------------------------------------------------------------------------------------

def test_ten_thousand_files_are_refused_from_the_central_directory():
    assert refusal(zip_of({f"f{i}.txt": "" for i in range(10_000)})) == \
        "The zip holds 10,000 files; at most 2,000 are accepted."


def test_a_zip_bomb_is_refused_from_its_headers_before_anything_is_decompressed():
    bomb = raw_zip({"name": b"proj/ok.py", **deflated(b"x = 1\n")}, {"name": b"proj/zeros.txt", **zeros_bomb(200)})
    assert len(bomb) < 300_000
    assert refusal(bomb) == "The zip's files add up to 200 MB uncompressed; at most 100 MB is accepted."


def test_many_files_under_the_per_file_limit_that_add_up_past_the_total_are_refused():
    members = [{"name": f"part{i}.bin".encode(), **zeros_bomb(5)} for i in range(21)]
    assert refusal(raw_zip(*members)) == "The zip's files add up to 105 MB uncompressed; at most 100 MB is accepted."


@pytest.mark.parametrize("claimed", [1_000, 1 << 20])
def test_a_bomb_whose_headers_lie_about_its_size_is_stopped_by_the_bytes_actually_decompressed(claimed):
    bomb = {**zeros_bomb(50), "size": claimed}  # 50 MB of zeros that claims to be small
    sentence = refusal(raw_zip({"name": b"ok.py", **deflated(b"x = 1\n")}, {"name": b"small.txt", **bomb}))
    assert sentence in ("small.txt holds more data than the zip's header says: the zip is damaged or built to fill "
                        "the disk; nothing was imported.",
                        "small.txt cannot be read from the zip (it is damaged); nothing was imported.")


def test_a_file_over_the_per_file_limit_is_left_out_and_the_rest_imported():
    project = read_project_zip(raw_zip({"name": b"ok.py", **deflated(b"x = 1\n")},
                                       {"name": b"data/huge.csv", **zeros_bomb(6)}))
    assert list(project.files) == ["ok.py"]
    assert project.notes[0].sentence == "data/huge.csv is 6 MB; files over 5 MB are left out."


def test_limits_are_parameters():
    small = ImportLimits(zip_bytes=10_000, files=3, total_bytes=1_000, file_bytes=500)
    assert refusal(zip_of({"a": "1", "b": "2", "c": "3", "d": "4"}), small) == \
        "The zip holds 4 files; at most 3 are accepted."
    assert refusal(zip_of({"a": "x" * 400, "b": "y" * 400, "c": "z" * 400}), small) == \
        "The zip's files add up to 1.2 KB uncompressed; at most 1,000 bytes is accepted."
    assert refusal(bytes(20_000), small) == "The zip is 20 KB; at most 9.8 KB is accepted."


# --- broken and empty zips ------------------------------------------------------------------------------------------

def test_what_is_not_a_zip_or_holds_nothing_usable_gets_a_sentence():
    assert refusal(b"PK\3\4 this is not really a zip") == "The file is not a zip archive, or it is damaged."
    assert refusal(zip_of({})) == "The zip holds no files to import."
    assert refusal(zip_of({"proj/.git/HEAD": "ref: refs/heads/main\n"})) == \
        "None of the zip's files can be imported: each is a link, too large, or in a folder left out."


def test_an_encrypted_entry_is_left_out():
    project = read_project_zip(raw_zip({"name": b"ok.py", **deflated(b"x = 1\n")},
                                       {"name": b"secret.txt", "flags": 0x1, **deflated(b"garbage")}))
    assert list(project.files) == ["ok.py"]
    assert project.notes[0].sentence == "secret.txt is encrypted; it was left out."


def test_a_damaged_member_refuses_the_zip():
    member = deflated(b"print('hello')\n" * 100)
    member["crc"] ^= 0xFFFF
    assert refusal(raw_zip({"name": b"app.py", **member})) == \
        "app.py cannot be read from the zip (it is damaged); nothing was imported."
