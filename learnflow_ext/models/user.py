"""Accounts, the outside identities that sign some of them in, revoked tokens, throttles."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, UTCDateTime, new_id, utc_now

ROLES = ("student", "teacher")


class User(Base):
    """A person with a LearnFlow account."""

    __tablename__ = "users"
    __table_args__ = (CheckConstraint("role IN ('student', 'teacher')", name="role"),)

    #: Random id, used in URLs and as the ``sub`` of the user's tokens.
    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    #: Email address, trimmed and lower-cased, so it is unique regardless of case.
    email: Mapped[str] = mapped_column(String(254), unique=True)
    #: Name shown to classmates and teachers.
    name: Mapped[str] = mapped_column(String(100))
    #: ``student`` or ``teacher``.
    role: Mapped[str] = mapped_column(String(16))
    #: argon2id hash in PHC format; the password itself is never stored.
    password_hash: Mapped[str] = mapped_column(String(255))
    #: When the account was created.
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utc_now)

    def to_dict(self) -> dict[str, str]:
        return {"id": self.id, "email": self.email, "name": self.name, "role": self.role}


class ExternalIdentity(Base):
    """Who an account is to a system that vouches for people, such as the Jupyter server.

    An account made this way has no password: it is signed in only through that system.
    """

    __tablename__ = "external_identities"

    #: The system that vouches, such as ``jupyter``.
    provider: Mapped[str] = mapped_column(String(32), primary_key=True)
    #: The person's user name in that system.
    subject: Mapped[str] = mapped_column(String(255), primary_key=True)
    #: The LearnFlow account it signs in.
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    #: When the identity was first seen.
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utc_now)


class RevokedToken(Base):
    """A token signed out before it expired; kept only until it would have expired."""

    __tablename__ = "revoked_tokens"

    #: The ``jti`` claim of the revoked token.
    jti: Mapped[str] = mapped_column(String(64), primary_key=True)
    #: The token's own expiry; after it the row can be deleted.
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)


class LoginThrottle(Base):
    """Failed sign-in attempts for one account or one client address."""

    __tablename__ = "login_throttles"

    #: ``account:<email>`` or ``client:<address>``.
    key: Mapped[str] = mapped_column(String(320), primary_key=True)
    #: Failures counted since ``window_started_at``.
    failures: Mapped[int] = mapped_column(Integer, default=0)
    #: Start of the current counting window.
    window_started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    #: Sign-ins are refused until this time, when set.
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
