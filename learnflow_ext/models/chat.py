"""Chat: conversations, their members, their messages, and course-wide chat settings."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, UTCDateTime, new_id, utc_now

#: The id the built-in tutor goes by, as a member and as a sender. Account ids are
#: UUIDs, so no account can ever have it.
TUTOR_ID = "tutor"


class Conversation(Base):
    """A conversation between members: classmates, teachers and, on request, the tutor."""

    __tablename__ = "chat_conversations"

    #: Chosen by the client that started it (``POST /chat/message``) or a random UUID.
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    #: Title shown in conversation lists.
    title: Mapped[str] = mapped_column(String(200))
    #: Who started it; the owner may add and remove members.
    owner_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    #: Whether the tutor is a member and answers questions here.
    tutor: Mapped[bool] = mapped_column(Boolean, default=False)
    #: When it was started.
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utc_now)


class ConversationMember(Base):
    """A person's membership of a conversation, and how far they have read it."""

    __tablename__ = "chat_members"

    conversation_id: Mapped[str] = mapped_column(
        ForeignKey("chat_conversations.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[str] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    #: ``seq`` of the newest message the member has read; 0 before any.
    last_read_seq: Mapped[int] = mapped_column(Integer, default=0)
    #: When they joined.
    joined_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utc_now)


class ChatMessage(Base):
    """One message, stored verbatim. Messages are never edited."""

    __tablename__ = "chat_messages"
    __table_args__ = (
        Index("ix_chat_messages_conversation_seq", "conversation_id", "seq"),
        Index("ix_chat_messages_sender_created", "sender_id", "created_at"),
    )

    #: Order of arrival across all conversations; paging and read markers use it.
    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    #: Random id, the one clients see.
    id: Mapped[str] = mapped_column(String(36), unique=True, default=new_id)
    #: The conversation it was posted to.
    conversation_id: Mapped[str] = mapped_column(
        ForeignKey("chat_conversations.id", ondelete="CASCADE")
    )
    #: The account that sent it; null for the tutor.
    sender_id: Mapped[str | None] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), nullable=True
    )
    #: The text exactly as sent: clients show it as text or sanitised Markdown.
    text: Mapped[str] = mapped_column(Text)
    #: For the tutor's answers: the lessons and exercises it quoted.
    sources: Mapped[list[dict[str, Any]] | None] = mapped_column(JSON, nullable=True)
    #: When it was stored.
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utc_now)

    @property
    def sender(self) -> str:
        """Return the sender's account id, or the tutor's id."""
        return self.sender_id or TUTOR_ID

    def to_reply(self) -> dict[str, str]:
        """Return the message as ``POST /chat/message`` documents it."""
        return {
            "id": self.id,
            "sender_id": self.sender,
            "message": self.text,
            "timestamp": self.created_at.isoformat(),
        }


class CourseSetting(Base):
    """A setting a teacher changes for the whole course, such as switching off the tutor."""

    __tablename__ = "course_settings"

    #: Name of the setting, such as ``tutor_enabled``.
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    #: Its value, as JSON.
    value: Mapped[Any] = mapped_column(JSON)
    #: The teacher who last changed it.
    updated_by: Mapped[str | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), nullable=True
    )
    #: When it last changed.
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utc_now, onupdate=utc_now)
