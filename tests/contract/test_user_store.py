"""The user store's contract (core.storage.user_store), run against every implementation: SQLite, PostgreSQL and
memory; with the rules of core.users.accounts on top, as the server and the `users` command line use them."""

import pytest

from core.domain.inputs import InputError
from core.users import accounts


@pytest.fixture
def users(any_store):
    return any_store.users


async def test_names_are_unique_and_found_in_any_case(users):
    dave = await accounts.add_user(users, "Dave", None)
    assert dave.name == "Dave" and dave.user_id.startswith(accounts.NAMED_PREFIX) and dave.epoch == 0
    with pytest.raises(InputError, match="A user named 'DAVE' exists already."):
        await accounts.add_user(users, "DAVE", None)
    assert await users.add_user("u-other", "dAVE", None, 1) is None
    assert await users.find_user("dave") == dave == await users.find_user("DAVE")
    assert await users.user_by_id(dave.user_id) == dave
    assert await users.find_user("nobody") is None and await users.user_by_id("u-nobody") is None


async def test_a_name_must_look_like_one(users):
    for name in ("", "  ", "no spaces please", "-leading", "x" * 65, "naïve"):
        with pytest.raises(InputError, match="1 to 64 letters"):
            await accounts.add_user(users, name, None)
    assert (await accounts.add_user(users, "  padded  ", None)).name == "padded"
    assert await users.list_users() == [await users.find_user("padded")]


async def test_users_are_listed_by_name_whatever_its_case(users):
    for name in ("carol", "Bob", "alice"):
        await accounts.add_user(users, name, None)
    assert [user.name for user in await users.list_users()] == ["alice", "Bob", "carol"]


async def test_a_password_hash_is_kept_and_a_new_one_signs_the_user_out(users):
    password_hash = accounts.hash_password("correct horse battery")
    erin = await accounts.add_user(users, "erin", password_hash)
    assert erin.has_password
    found, kept = await users.password_hash_of("ERIN")
    assert found == erin and accounts.password_matches(kept, "correct horse battery")
    assert not accounts.password_matches(kept, "wrong horse battery")
    assert await users.password_hash_of("nobody") == (None, None)
    assert await users.set_password("Erin", accounts.hash_password("another long one"))
    changed = await users.find_user("erin")
    assert changed.epoch == erin.epoch + 1 and changed.has_password
    assert accounts.password_matches((await users.password_hash_of("erin"))[1], "another long one")
    assert await users.set_password("erin", None) and not (await users.find_user("erin")).has_password
    assert not await users.set_password("nobody", None)


async def test_a_token_is_found_by_its_secret_and_only_its_hash_is_kept(backend, users):
    frank = await accounts.add_user(users, "frank", None)
    token, secret = await accounts.create_token(users, frank.user_id, "  my   laptop ")
    assert secret.startswith(accounts.TOKEN_PREFIX) and token.label == "my laptop"
    assert token.hint == secret[:8] + "…" and token.last_used_ms is None
    found = await accounts.token_owner(users, secret)
    assert (found.user_id, found.token_id, found.last_used_ms) == (frank.user_id, token.token_id, None)
    assert await users.token_by_hash(secret) is None, "the store knows tokens by their hash only"
    assert await accounts.token_owner(users, secret + "x") is None
    assert await accounts.token_owner(users, "not-a-token") is None
    kept = backend.kept()
    assert accounts.token_digest(secret) in kept and secret not in kept


async def test_tokens_are_listed_oldest_first_used_and_revoked_by_their_owner_only(users):
    grace = await accounts.add_user(users, "grace", None)
    heidi = await accounts.add_user(users, "heidi", None)
    first, secret = await accounts.create_token(users, grace.user_id, "")
    second, _ = await accounts.create_token(users, grace.user_id, "x" * 100)
    assert first.label == "API token" and len(second.label) == accounts.MAX_TOKEN_LABEL_CHARS
    assert [t.token_id for t in await users.list_tokens(grace.user_id)] == [first.token_id, second.token_id]
    assert await users.list_tokens(heidi.user_id) == []
    await users.mark_token_used(first.token_id, 1234)
    assert (await accounts.token_owner(users, secret)).last_used_ms == 1234
    assert (await users.list_tokens(grace.user_id))[0].last_used_ms == 1234
    assert not await users.revoke_token(heidi.user_id, first.token_id), "not heidi's token"
    assert await users.revoke_token(grace.user_id, first.token_id)
    assert not await users.revoke_token(grace.user_id, first.token_id)
    assert await accounts.token_owner(users, secret) is None
    assert [t.token_id for t in await users.list_tokens(grace.user_id)] == [second.token_id]


async def test_a_removed_user_takes_their_tokens_along(users):
    ivan = await accounts.add_user(users, "ivan", None)
    judy = await accounts.add_user(users, "judy", None)
    _, ivans = await accounts.create_token(users, ivan.user_id, "ci")
    _, judys = await accounts.create_token(users, judy.user_id, "ci")
    assert await users.remove_user("IVAN") == ivan
    assert await users.remove_user("ivan") is None
    assert await users.find_user("ivan") is None and await users.user_by_id(ivan.user_id) is None
    assert await accounts.token_owner(users, ivans) is None and await users.list_tokens(ivan.user_id) == []
    assert (await accounts.token_owner(users, judys)).user_id == judy.user_id
    assert (await accounts.add_user(users, "ivan", None)).user_id != ivan.user_id, "the name is free again"
