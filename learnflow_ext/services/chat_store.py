"""Chat in the database: the reads and checks every chat operation shares.

Each function takes the open ``Session`` of the caller's transaction, so a check and
the change it guards happen together. ``chat.py`` holds the operations themselves.
"""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import Session

from ..errors import ConflictError, FieldProblem, InvalidInputError, NotFoundError
from ..models import TUTOR_ID, ChatMessage, Conversation, ConversationMember, CourseSetting, User
from .auth import CONTROL_CHARACTERS, normalize_email
from .progress import UUID_PATTERN
from .tutor import TUTOR_NAME

CONVERSATION_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,63}")
MAX_TITLE_CHARS = 200
# A conversation started by its first message takes its title from that message.
DERIVED_TITLE_CHARS = 80
TUTOR_SETTING = "tutor_enabled"


def members_of(session: Session, conversation_id: str) -> list[str]:
    """Return the account ids of a conversation's members (the tutor is not one)."""
    return list(
        session.scalars(
            select(ConversationMember.user_id).where(
                ConversationMember.conversation_id == conversation_id
            )
        )
    )


def membership(session: Session, user_id: str, conversation_id: str) -> Conversation:
    """Return the conversation if ``user_id`` is a member; 404 otherwise."""
    conversation = None
    if CONVERSATION_ID.fullmatch(conversation_id) and session.get(
        ConversationMember, (conversation_id, user_id)
    ):
        conversation = session.get(Conversation, conversation_id)
    if conversation is None:
        raise NotFoundError(
            f"no conversation with id {conversation_id!r}", code="conversation_not_found"
        )
    return conversation


def resolve_members(session: Session, members: list[str]) -> tuple[list[str], bool]:
    """Return the account ids of ``members`` (ids or emails), and whether the tutor is one."""
    user_ids: list[str] = []
    tutor = False
    for position, member in enumerate(members):
        if member == TUTOR_ID:
            tutor = True
            continue
        user_id = None
        if UUID_PATTERN.fullmatch(member):
            user_id = session.scalar(select(User.id).where(User.id == member))
        elif "@" in member:
            try:
                email = normalize_email(member)
            except InvalidInputError:
                email = ""
            user_id = session.scalar(select(User.id).where(User.email == email))
        if user_id is None:
            problem = FieldProblem(f"members.{position}", f"no account with id or email {member!r}")
            raise InvalidInputError(
                f"{problem.field}: {problem.message}", problems=[problem], code="unknown_member"
            )
        user_ids.append(user_id)
    if tutor and not tutor_enabled(session):
        raise ConflictError(
            "a teacher has switched the tutor off for this course", code="tutor_disabled"
        )
    return user_ids, tutor


def seq_of(session: Session, conversation_id: str, message_id: str) -> int:
    """Return the position of a message in its conversation; 404 if it is not there."""
    seq = session.scalar(
        select(ChatMessage.seq).where(
            ChatMessage.id == message_id, ChatMessage.conversation_id == conversation_id
        )
    )
    if seq is None:
        raise NotFoundError(
            f"no message with id {message_id!r} in this conversation",
            code="message_not_found",
        )
    return seq


def mark_read_up_to(session: Session, user_id: str, conversation_id: str, seq: int) -> None:
    """Move a member's read marker forward to ``seq``; never back."""
    session.execute(
        update(ConversationMember)
        .where(
            ConversationMember.conversation_id == conversation_id,
            ConversationMember.user_id == user_id,
            ConversationMember.last_read_seq < seq,
        )
        .values(last_read_seq=seq)
    )


def unread_counts(session: Session, user_id: str, conversation_ids: list[str]) -> dict[str, int]:
    """Count, per conversation, the messages from others after the member's read marker."""
    rows = session.execute(
        select(ChatMessage.conversation_id, func.count())
        .join(
            ConversationMember,
            (ConversationMember.conversation_id == ChatMessage.conversation_id)
            & (ConversationMember.user_id == user_id),
        )
        .where(
            ChatMessage.conversation_id.in_(conversation_ids),
            ChatMessage.seq > ConversationMember.last_read_seq,
            or_(ChatMessage.sender_id.is_(None), ChatMessage.sender_id != user_id),
        )
        .group_by(ChatMessage.conversation_id)
    ).all()
    return dict(rows)  # type: ignore[arg-type]


def conversation_views(
    session: Session, user_id: str, conversation_ids: list[str]
) -> list[dict[str, Any]]:
    """Return the conversations as the caller sees them, in the order of the ids."""
    if not conversation_ids:
        return []
    conversations = session.scalars(
        select(Conversation).where(Conversation.id.in_(conversation_ids))
    ).all()
    members: dict[str, list[dict[str, str]]] = {id_: [] for id_ in conversation_ids}
    for conversation_id, member_id, name, role in session.execute(
        select(ConversationMember.conversation_id, User.id, User.name, User.role)
        .join(User, ConversationMember.user_id == User.id)
        .where(ConversationMember.conversation_id.in_(conversation_ids))
        .order_by(ConversationMember.joined_at, User.name)
    ):
        members[conversation_id].append({"id": member_id, "name": name, "role": role})
    newest = (
        select(func.max(ChatMessage.seq))
        .where(ChatMessage.conversation_id.in_(conversation_ids))
        .group_by(ChatMessage.conversation_id)
    )
    last = {
        message.conversation_id: message_view(message, name)
        for message, name in session.execute(
            select(ChatMessage, User.name)
            .outerjoin(User, ChatMessage.sender_id == User.id)
            .where(ChatMessage.seq.in_(newest))
        )
    }
    unread = unread_counts(session, user_id, conversation_ids)
    by_id = {
        conversation.id: {
            "id": conversation.id,
            "title": conversation.title,
            "owner_id": conversation.owner_id,
            "tutor": conversation.tutor,
            "members": members[conversation.id]
            + (
                [{"id": TUTOR_ID, "name": TUTOR_NAME, "role": "tutor"}]
                if conversation.tutor
                else []
            ),
            "created_at": conversation.created_at.isoformat(),
            "last_message": last.get(conversation.id),
            "unread": unread.get(conversation.id, 0),
        }
        for conversation in conversations
    }
    return [by_id[id_] for id_ in conversation_ids if id_ in by_id]


def tutor_enabled(session: Session) -> bool:
    """Whether the tutor answers in this course (it does until a teacher says otherwise)."""
    setting = session.get(CourseSetting, TUTOR_SETTING)
    return setting is None or bool(setting.value)


def message_view(message: ChatMessage, sender_name: str | None) -> dict[str, Any]:
    """Return a message as history and live events show it."""
    return {
        **message.to_reply(),
        "conversation_id": message.conversation_id,
        "sender_name": TUTOR_NAME if message.sender_id is None else (sender_name or ""),
        "sources": message.sources or [],
    }


def check_title(title: str) -> str:
    """Return ``title`` trimmed, or raise ``InvalidInputError``."""
    problem = None
    if CONTROL_CHARACTERS.search(title):
        problem = "must not contain control characters"
    elif not title.strip() or len(title.strip()) > MAX_TITLE_CHARS:
        problem = f"must be 1 to {MAX_TITLE_CHARS} visible characters"
    if problem:
        raise InvalidInputError(
            f"invalid request: title: {problem}", problems=[FieldProblem("title", problem)]
        )
    return title.strip()


def derived_title(text: str) -> str:
    """Return a title for a conversation started by the message ``text``."""
    first_line = CONTROL_CHARACTERS.sub(" ", text.strip().splitlines()[0]).strip()
    if len(first_line) > DERIVED_TITLE_CHARS:
        first_line = first_line[: DERIVED_TITLE_CHARS - 1].rstrip() + "…"
    return first_line or "Conversation"
