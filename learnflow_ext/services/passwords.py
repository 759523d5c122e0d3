"""Password hashing with argon2id."""

from __future__ import annotations

from argon2 import PasswordHasher as Argon2Hasher
from argon2 import Type
from argon2.exceptions import InvalidHashError, VerificationError

MIN_PASSWORD_LENGTH = 8
MAX_PASSWORD_LENGTH = 256


class PasswordHasher:
    """Hash and check passwords with argon2id; tell when a stored hash is out of date."""

    def __init__(self, *, time_cost: int, memory_cost_kib: int, parallelism: int) -> None:
        self._argon2 = Argon2Hasher(
            time_cost=time_cost,
            memory_cost=memory_cost_kib,
            parallelism=parallelism,
            type=Type.ID,
        )
        # Checked against when an account does not exist, so that a sign-in for an
        # unknown email costs as much time as one with a wrong password.
        self._decoy_hash = self._argon2.hash("learnflow decoy password")

    def hash(self, password: str) -> str:
        return self._argon2.hash(password)

    def verify(self, stored_hash: str | None, password: str) -> bool:
        """Return whether ``password`` matches ``stored_hash`` (or burn the same time if None)."""
        try:
            return self._argon2.verify(stored_hash or self._decoy_hash, password) and bool(
                stored_hash
            )
        except (VerificationError, InvalidHashError):
            return False

    def needs_rehash(self, stored_hash: str) -> bool:
        """Return whether the hash was made with other parameters than the current ones."""
        return self._argon2.check_needs_rehash(stored_hash)
