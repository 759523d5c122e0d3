"""Email rules and password hashing, without a server."""

from __future__ import annotations

import pytest

from learnflow_ext.app import LearnFlow
from learnflow_ext.errors import InvalidInputError
from learnflow_ext.services.auth import check_name, normalize_email
from learnflow_ext.services.passwords import PasswordHasher


@pytest.mark.parametrize(
    ("given", "stored"),
    [
        (" Ada@Example.ORG ", "ada@example.org"),
        ("student@school.local", "student@school.local"),
        ("tester@lab.test", "tester@lab.test"),
        ("first.last+tag@example.org", "first.last+tag@example.org"),
    ],
)
def test_normalize_email_valid_address_is_trimmed_and_lowercased(given: str, stored: str) -> None:
    assert normalize_email(given) == stored


@pytest.mark.parametrize(
    "given", ["", "plain", "a@b@c.org", "a@.local", "a@x..org", "a b@example.org", "a@\x00.org"]
)
def test_normalize_email_invalid_address_is_refused(given: str) -> None:
    with pytest.raises(InvalidInputError) as refused:
        normalize_email(given)

    assert refused.value.problems[0].field == "email"


@pytest.mark.parametrize("name", ["", "   ", "x" * 101, "tab\tin name", "nul\x00"])
def test_check_name_refuses_empty_long_or_control_characters(name: str) -> None:
    with pytest.raises(InvalidInputError):
        check_name(name)


def test_check_name_trims_spaces() -> None:
    assert check_name("  Ada Lovelace ") == "Ada Lovelace"


def test_default_password_hash_is_argon2id_with_library_defaults() -> None:
    settings = LearnFlow()
    hasher = PasswordHasher(
        time_cost=settings.password_hash_time_cost,
        memory_cost_kib=settings.password_hash_memory_kib,
        parallelism=settings.password_hash_parallelism,
    )

    stored = hasher.hash("correct horse battery")

    assert stored.startswith("$argon2id$v=19$m=65536,t=3,p=4$")


def test_password_verify_rejects_wrong_password() -> None:
    hasher = PasswordHasher(time_cost=1, memory_cost_kib=1024, parallelism=1)

    assert not hasher.verify(hasher.hash("right password"), "wrong password")


def test_password_verify_without_stored_hash_is_false_even_for_decoy() -> None:
    hasher = PasswordHasher(time_cost=1, memory_cost_kib=1024, parallelism=1)

    assert not hasher.verify(None, "learnflow decoy password")


def test_password_hash_with_other_parameters_needs_rehash() -> None:
    old = PasswordHasher(time_cost=1, memory_cost_kib=1024, parallelism=1)
    new = PasswordHasher(time_cost=2, memory_cost_kib=2048, parallelism=1)

    assert new.needs_rehash(old.hash("correct horse battery"))
