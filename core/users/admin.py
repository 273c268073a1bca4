"""`python main.py users …`: manage named users and their API tokens from the server's shell.

    users add NAME [--no-password]     a user; the password is asked twice (or read from stdin's first line)
    users passwd NAME                  a new password (signs the user out everywhere)
    users remove NAME                  the user and their tokens (their runs stay in the database)
    users list
    users token NAME [--label LABEL]   print a new API token for NAME, and only that

Every command takes --data-dir PATH (default: BOTARMY_DATA_DIR or ./data); with BOTARMY_DATABASE_URL set it acts on
that PostgreSQL database instead, for every web instance at once. It works while the server runs.
"""

import argparse
import asyncio
import getpass
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Protocol

from core.domain.inputs import InputError
from core.settings import Settings
from core.storage.run_catalogue import RunCatalogue
from core.storage.user_store import UserStore

from . import accounts as users


class Stores(Protocol):
    """What the command line works on: the users, and the runs that the first user adopts."""

    users: UserStore
    catalogue: RunCatalogue
    close: Callable[[], Awaitable[None]]


OpenStores = Callable[[str | None, Path], Stores]  # (database URL or None, SQLite file) -> opened stores


def _password() -> str:
    if not sys.stdin.isatty():
        return sys.stdin.readline().rstrip("\r\n")
    first = getpass.getpass("Password: ")
    if getpass.getpass("Password again: ") != first:
        raise InputError("The two passwords differ.")
    return first


def _parser() -> argparse.ArgumentParser:
    # --data-dir is taken before or after the command; SUPPRESS keeps the command's copy from erasing the other.
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--data-dir", type=Path, default=argparse.SUPPRESS,
                        help="the server's data dir (default ./data or BOTARMY_DATA_DIR)")
    parser = argparse.ArgumentParser(prog="python main.py users", description="Manage BotArmy's users.",
                                     parents=[common])
    commands = parser.add_subparsers(dest="command", required=True)
    add = commands.add_parser("add", help="add a user", parents=[common])
    add.add_argument("name")
    add.add_argument("--no-password", action="store_true", help="a user for API tokens only, who cannot sign in")
    commands.add_parser("passwd", help="set a user's password", parents=[common]).add_argument("name")
    commands.add_parser("remove", help="remove a user and their tokens", parents=[common]).add_argument("name")
    commands.add_parser("list", help="list the users", parents=[common])
    token = commands.add_parser("token", help="print a new API token for a user", parents=[common])
    token.add_argument("name")
    token.add_argument("--label", default="command line")
    return parser


async def _run(stores: Stores, args: argparse.Namespace) -> str:
    """What to print on stdout; InputError for a refusal."""
    store = stores.users
    if args.command == "list":
        listed = await store.list_users()
        return "\n".join(f"{user.name}\t{'password' if user.has_password else 'API tokens only'}"
                         for user in listed) or "No users yet."
    if args.command == "add":
        users.check_name(args.name)  # before asking for a password
        password_hash = None if args.no_password else users.hash_password(_password())
        user = await users.add_user(store, args.name, password_hash)
        if adopted := await stores.catalogue.adopt_unowned_runs(user.user_id):
            print(f"{adopted} runs from before users existed now belong to {user.name}.", file=sys.stderr)
        return f"Added {user.name}."
    user = await store.find_user(args.name.strip())
    if user is None:
        raise InputError(f"There is no user named {args.name!r}.")
    if args.command == "passwd":
        await store.set_password(user.name, users.hash_password(_password()))
        return f"Changed the password of {user.name}; their sessions are signed out."
    if args.command == "remove":
        await store.remove_user(user.name)
        return f"Removed {user.name} and their API tokens."
    _, secret = await users.create_token(store, user.user_id, args.label)
    return secret


async def execute(stores: Stores, argv: list[str]) -> str:
    """What `python main.py users ARGV` prints, done on stores already open (and left open): for a caller that has
    the stores at hand rather than a shell. InputError for a refusal."""
    return await _run(stores, _parser().parse_args(argv))


def main(argv: list[str], open_stores: OpenStores) -> int:
    args = _parser().parse_args(argv)
    settings = Settings(**({"data_dir": args.data_dir} if "data_dir" in args else {}))
    url = settings.database_url and settings.database_url.get_secret_value()
    stores = open_stores(url, settings.database_path)

    async def run() -> str:
        try:
            return await _run(stores, args)
        finally:
            await stores.close()

    try:
        print(asyncio.run(run()))
    except InputError as error:
        print(error, file=sys.stderr)
        return 1
    return 0
