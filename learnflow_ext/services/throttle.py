"""Slowing down password guessing: failed sign-ins lock an account or a client for a while."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ..database import Database
from ..errors import RateLimitedError
from ..models import LoginThrottle
from ..models.base import utc_now


@dataclass(frozen=True)
class ThrottleRule:
    """At most ``max_failures`` failures within ``window_s``; then a lock for ``lockout_s``."""

    max_failures: int
    window_s: int
    lockout_s: int


class LoginThrottleService:
    """Count failed sign-ins per account and per client address, in the database.

    Counting in the database means several server processes sharing one database
    enforce one limit together.
    """

    def __init__(self, *, per_account: ThrottleRule, per_client: ThrottleRule) -> None:
        self.per_account = per_account
        self.per_client = per_client

    def keys(self, email: str, client_address: str) -> dict[str, ThrottleRule]:
        """Return the counters a sign-in attempt for ``email`` from ``client_address`` touches."""
        keys = {f"client:{client_address}": self.per_client}
        if email:
            keys[f"account:{email}"] = self.per_account
        return keys

    def ensure_allowed(self, session: Session, keys: dict[str, ThrottleRule]) -> None:
        """Raise ``RateLimitedError`` if any of ``keys`` is locked right now."""
        now = utc_now()
        waits = [
            (row.locked_until - now).total_seconds()
            for key in keys
            if (row := session.get(LoginThrottle, key)) is not None
            and row.locked_until is not None
            and row.locked_until > now
        ]
        if waits:
            retry_after_s = math.ceil(max(waits))
            raise RateLimitedError(
                f"too many failed sign-in attempts; try again in {retry_after_s} seconds",
                retry_after_s=retry_after_s,
                code="too_many_login_attempts",
            )

    def record_failure(self, database: Database, keys: dict[str, ThrottleRule]) -> None:
        """Count a failed attempt against each of ``keys``, locking those over their limit."""
        try:
            with database.transaction() as session:
                self._count_failure(session, keys)
        except IntegrityError:
            # A concurrent failure created the same counter first; count on top of it.
            with database.transaction() as session:
                self._count_failure(session, keys)

    def _count_failure(self, session: Session, keys: dict[str, ThrottleRule]) -> None:
        now = utc_now()
        for key, rule in keys.items():
            row = session.get(LoginThrottle, key, with_for_update=True)
            if row is None:
                row = LoginThrottle(key=key, failures=0, window_started_at=now)
                session.add(row)
            if _expired(row.window_started_at, rule.window_s, now):
                row.failures = 0
                row.window_started_at = now
                row.locked_until = None
            row.failures += 1
            if row.failures >= rule.max_failures:
                row.locked_until = now + timedelta(seconds=rule.lockout_s)
                row.failures = 0
                row.window_started_at = now

    def clear(self, session: Session, keys: dict[str, ThrottleRule]) -> None:
        """Forget the account's failures after a successful sign-in.

        The client's count is kept: otherwise signing in to one's own account between
        guesses would reset it.
        """
        for key in keys:
            if key.startswith("account:") and (row := session.get(LoginThrottle, key)):
                session.delete(row)


def _expired(started_at: datetime, window_s: int, now: datetime) -> bool:
    return now - started_at > timedelta(seconds=window_s)
