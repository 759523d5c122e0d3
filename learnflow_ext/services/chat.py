"""Chat: conversations and their members, messages, read markers and the tutor's turns.

Only members of a conversation may read it or post to it. To anyone else, teachers
included, it does not exist: they get 404, so a conversation id tells nothing. A
message to a conversation id that does not exist yet starts that conversation, owned by
the sender. The owner, or a teacher who is a member, may add and remove members; any
member may leave, except the owner.

Messages are stored exactly as sent. Each stored change is delivered live through the
broker (``chat_delivery.py``) to the members' connections, on every server process.

The tutor is a member on request. It answers every message in a conversation where it
is the only other member, and messages that mention ``@tutor`` elsewhere, unless a
teacher has switched it off for the course.
"""

from __future__ import annotations

import asyncio
import logging
import re
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from ..database import Database
from ..errors import (
    ConflictError,
    FieldProblem,
    InvalidInputError,
    NotFoundError,
    PayloadTooLargeError,
    PermissionDeniedError,
    RateLimitedError,
)
from ..models import TUTOR_ID, ChatMessage, Conversation, ConversationMember, CourseSetting, User
from ..models.base import new_id, utc_now
from .chat_delivery import ChatBroker
from .chat_store import (
    CONVERSATION_ID,
    TUTOR_SETTING,
    check_title,
    conversation_views,
    derived_title,
    mark_read_up_to,
    members_of,
    membership,
    message_view,
    resolve_members,
    seq_of,
    tutor_enabled,
    unread_counts,
)
from .tutor import HISTORY_TURNS, TUTOR_NAME, Tutor

TUTOR_MENTION = re.compile(r"(?<![\w@])@tutor\b", re.IGNORECASE)


@dataclass(frozen=True)
class ChatLimits:
    #: Longest message, in characters; longer is 413.
    max_message_chars: int
    #: Messages one person may send within ``window_s``; more is 429.
    max_messages_per_window: int
    window_s: int


@dataclass(frozen=True)
class Posted:
    """A stored message, who must see it, and whether the tutor answers it."""

    view: dict[str, Any]
    members: list[str]
    tutor_answers: bool
    started_conversation: bool


class ChatService:
    """Keep conversations and messages, and deliver every change to the members live."""

    def __init__(
        self,
        database: Database,
        *,
        broker: ChatBroker,
        tutor: Tutor,
        limits: ChatLimits,
        log: logging.Logger,
    ) -> None:
        self.database = database
        self.broker = broker
        self.tutor = tutor
        self.limits = limits
        self.log = log
        self._tutor_turns: set[asyncio.Task[None]] = set()

    # -- conversations ---------------------------------------------------------------------------

    async def create_conversation(
        self, caller: dict[str, str], *, title: str, members: list[str]
    ) -> dict[str, Any]:
        """Start a conversation owned by ``caller`` with ``members``; return it."""
        conversation_id = await self.database.run(self._create, caller, title, members)
        self._announce(conversation_id, await self._member_ids(conversation_id), removed=[])
        return await self.database.run(self.get_conversation, caller, conversation_id)

    def _create(self, caller: dict[str, str], title: str, members: list[str]) -> str:
        title = check_title(title)
        with self.database.transaction() as session:
            user_ids, tutor = resolve_members(session, members)
            conversation = Conversation(
                id=new_id(), title=title, owner_id=caller["id"], tutor=tutor, created_at=utc_now()
            )
            session.add(conversation)
            session.flush()
            for user_id in dict.fromkeys([caller["id"], *user_ids]):
                session.add(ConversationMember(conversation_id=conversation.id, user_id=user_id))
            self.broker.notify(session, {"kind": "members", "conversation_id": conversation.id})
            return conversation.id

    def list_conversations(self, caller: dict[str, str]) -> list[dict[str, Any]]:
        """Return the caller's conversations, the most recently active first."""
        with self.database.transaction() as session:
            ids = session.scalars(
                select(ConversationMember.conversation_id).where(
                    ConversationMember.user_id == caller["id"]
                )
            ).all()
            views = conversation_views(session, caller["id"], list(ids))
        return sorted(
            views,
            key=lambda view: (view["last_message"] or {}).get("timestamp") or view["created_at"],
            reverse=True,
        )

    def get_conversation(self, caller: dict[str, str], conversation_id: str) -> dict[str, Any]:
        """Return one of the caller's conversations."""
        with self.database.transaction() as session:
            membership(session, caller["id"], conversation_id)
            return conversation_views(session, caller["id"], [conversation_id])[0]

    async def add_members(
        self, caller: dict[str, str], conversation_id: str, members: list[str]
    ) -> dict[str, Any]:
        """Add people (or the tutor) to a conversation; for its owner or a teacher in it."""
        await self.database.run(self._add_members, caller, conversation_id, members)
        self._announce(conversation_id, await self._member_ids(conversation_id), removed=[])
        return await self.database.run(self.get_conversation, caller, conversation_id)

    def _add_members(
        self, caller: dict[str, str], conversation_id: str, members: list[str]
    ) -> None:
        with self.database.transaction() as session:
            conversation = membership(session, caller["id"], conversation_id)
            self._check_may_manage(caller, conversation)
            user_ids, tutor = resolve_members(session, members)
            present = set(members_of(session, conversation_id))
            for user_id in dict.fromkeys(user_ids):
                if user_id not in present:
                    session.add(
                        ConversationMember(conversation_id=conversation_id, user_id=user_id)
                    )
            conversation.tutor = conversation.tutor or tutor
            self.broker.notify(session, {"kind": "members", "conversation_id": conversation_id})

    async def remove_member(
        self, caller: dict[str, str], conversation_id: str, member_id: str
    ) -> None:
        """Remove a member (or the tutor); any member may leave, except the owner."""
        await self.database.run(self._remove_member, caller, conversation_id, member_id)
        removed = [] if member_id == TUTOR_ID else [member_id]
        self._announce(conversation_id, await self._member_ids(conversation_id), removed=removed)

    def _remove_member(self, caller: dict[str, str], conversation_id: str, member_id: str) -> None:
        with self.database.transaction() as session:
            conversation = membership(session, caller["id"], conversation_id)
            if member_id != caller["id"]:
                self._check_may_manage(caller, conversation)
            if member_id == TUTOR_ID:
                conversation.tutor = False
            elif member_id == conversation.owner_id:
                raise ConflictError(
                    "the owner stays a member of their conversation", code="owner_cannot_leave"
                )
            elif member_id not in members_of(session, conversation_id):
                raise NotFoundError(f"no member with id {member_id!r}", code="member_not_found")
            else:
                session.execute(
                    delete(ConversationMember).where(
                        ConversationMember.conversation_id == conversation_id,
                        ConversationMember.user_id == member_id,
                    )
                )
            self.broker.notify(
                session,
                {"kind": "members", "conversation_id": conversation_id, "removed": [member_id]},
            )

    # -- messages --------------------------------------------------------------------------------

    async def post_message(
        self, caller: dict[str, str], conversation_id: str, text: str
    ) -> dict[str, str]:
        """Store a message from ``caller``, deliver it, and let the tutor answer if it should."""
        posted = await self.database.run(self._store, caller, conversation_id, text)

        if posted.started_conversation:
            self._announce(conversation_id, [caller["id"]], removed=[])
        self.broker.deliver(
            {"type": "message", "conversation_id": conversation_id, "message": posted.view},
            posted.members,
        )
        if posted.tutor_answers:
            turn = asyncio.create_task(self._tutor_turn(conversation_id, text))
            self._tutor_turns.add(turn)
            turn.add_done_callback(self._tutor_turns.discard)
        view = posted.view
        return {key: view[key] for key in ("id", "sender_id", "message", "timestamp")}

    def _store(self, caller: dict[str, str], conversation_id: str, text: str) -> Posted:
        self._check_message(text)
        if not CONVERSATION_ID.fullmatch(conversation_id):
            raise InvalidInputError(
                "conversation_id is not a valid id",
                problems=[
                    FieldProblem("conversation_id", "must be 1 to 64 letters, digits, '-' or '_'")
                ],
            )
        with self.database.transaction() as session:
            self._check_rate(session, caller["id"])
            started = self._start_if_new(session, caller, conversation_id, text)
            conversation = membership(session, caller["id"], conversation_id)
            message = ChatMessage(
                id=new_id(),
                conversation_id=conversation_id,
                sender_id=caller["id"],
                text=text,
                created_at=utc_now(),
            )
            session.add(message)
            session.flush()
            mark_read_up_to(session, caller["id"], conversation_id, message.seq)
            members = members_of(session, conversation_id)
            self.broker.notify(session, {"kind": "message", "seq": message.seq})
            answers = conversation.tutor and tutor_enabled(session)
            return Posted(
                view=message_view(message, caller["name"]),
                members=members,
                tutor_answers=answers and (len(members) == 1 or bool(TUTOR_MENTION.search(text))),
                started_conversation=started,
            )

    def _check_message(self, text: str) -> None:
        if len(text) > self.limits.max_message_chars:
            raise PayloadTooLargeError(
                f"the message is longer than {self.limits.max_message_chars} characters",
                code="message_too_long",
            )
        problem = None
        if not text.strip():
            problem = "must not be empty or only whitespace"
        elif "\x00" in text:
            problem = "must not contain NUL characters"
        if problem:
            raise InvalidInputError(
                f"invalid request: message: {problem}",
                problems=[FieldProblem("message", problem)],
            )

    def _check_rate(self, session: Session, user_id: str) -> None:
        # Locking the sender's row makes one person's posts take turns, on every server.
        session.execute(select(User.id).where(User.id == user_id).with_for_update())
        since = utc_now() - timedelta(seconds=self.limits.window_s)
        count, oldest = session.execute(
            select(func.count(), func.min(ChatMessage.created_at)).where(
                ChatMessage.sender_id == user_id, ChatMessage.created_at > since
            )
        ).one()
        if count >= self.limits.max_messages_per_window:
            wait = (oldest - since).total_seconds()
            raise RateLimitedError(
                f"at most {self.limits.max_messages_per_window} messages per "
                f"{self.limits.window_s} s; wait before sending more",
                retry_after_s=int(wait) + 1,
                code="too_many_messages",
            )

    def _start_if_new(
        self, session: Session, caller: dict[str, str], conversation_id: str, text: str
    ) -> bool:
        started = session.execute(
            self.database.insert(Conversation)
            .values(
                id=conversation_id,
                title=derived_title(text),
                owner_id=caller["id"],
                tutor=False,
                created_at=utc_now(),
            )
            .on_conflict_do_nothing()
            .returning(Conversation.id)
        ).scalar()
        if started is not None:
            session.add(
                ConversationMember(
                    conversation_id=conversation_id, user_id=caller["id"], joined_at=utc_now()
                )
            )
            session.flush()
        return started is not None

    def history(
        self,
        caller: dict[str, str],
        conversation_id: str,
        *,
        before: str | None = None,
        after: str | None = None,
        limit: int = 50,
    ) -> dict[str, Any]:
        """Return a page of messages, oldest first.

        The page holds the newest messages, or the newest before ``before``, or the
        oldest after ``after``; with both, the oldest between the two.
        """
        with self.database.transaction() as session:
            membership(session, caller["id"], conversation_id)
            query = (
                select(ChatMessage, User.name)
                .outerjoin(User, ChatMessage.sender_id == User.id)
                .where(ChatMessage.conversation_id == conversation_id)
            )
            if before is not None:
                before_seq = seq_of(session, conversation_id, before)
                query = query.where(ChatMessage.seq < before_seq)
            if after is not None:
                after_seq = seq_of(session, conversation_id, after)
                query = query.where(ChatMessage.seq > after_seq).order_by(ChatMessage.seq)
            else:
                query = query.order_by(ChatMessage.seq.desc())
            rows = session.execute(query.limit(limit + 1)).all()
        page = [message_view(message, name) for message, name in rows[:limit]]
        if after is None:
            page.reverse()
        return {"messages": page, "has_more": len(rows) > limit}

    def mark_read(
        self, caller: dict[str, str], conversation_id: str, message_id: str | None
    ) -> dict[str, Any]:
        """Mark the conversation read up to ``message_id``, or to its newest message."""
        with self.database.transaction() as session:
            membership(session, caller["id"], conversation_id)
            if message_id is None:
                seq = session.scalar(
                    select(func.coalesce(func.max(ChatMessage.seq), 0)).where(
                        ChatMessage.conversation_id == conversation_id
                    )
                )
            else:
                try:
                    seq = seq_of(session, conversation_id, message_id)
                except NotFoundError as error:
                    # The conversation exists; it is the body that names nothing.
                    problem = FieldProblem("message_id", "no message with this id here")
                    raise InvalidInputError(
                        f"message_id: no message with id {message_id!r} in this conversation",
                        problems=[problem],
                        code="unknown_message",
                    ) from error
            mark_read_up_to(session, caller["id"], conversation_id, seq)
            unread = unread_counts(session, caller["id"], [conversation_id])
        return {"conversation_id": conversation_id, "unread": unread.get(conversation_id, 0)}

    # -- the tutor -------------------------------------------------------------------------------

    def tutor_settings(self) -> dict[str, bool]:
        """Return whether the tutor answers, and whether a language model helps it."""
        with self.database.transaction() as session:
            enabled = tutor_enabled(session)
        return {"enabled": enabled, "language_model": self.tutor.language_model is not None}

    def set_tutor_enabled(self, caller: dict[str, str], enabled: bool) -> dict[str, bool]:
        """Switch the tutor on or off for the whole course."""
        with self.database.transaction() as session:
            setting = session.get(CourseSetting, TUTOR_SETTING) or CourseSetting(key=TUTOR_SETTING)
            setting.value = enabled
            setting.updated_by = caller["id"]
            setting.updated_at = utc_now()
            session.add(setting)
        self.log.info("chat: tutor switched %s by %s", "on" if enabled else "off", caller["id"])
        return self.tutor_settings()

    async def _tutor_turn(self, conversation_id: str, question: str) -> None:
        try:
            history = await self.database.run(self._recent_turns, conversation_id)
            answer = await self.tutor.answer(TUTOR_MENTION.sub("", question).strip(), history)
            stored = await self.database.run(self._store_answer, conversation_id, answer)
        except Exception:
            self.log.exception("chat: the tutor could not answer in %s", conversation_id)
            return
        if stored is not None:
            view, members = stored
            event = {"type": "message", "conversation_id": conversation_id, "message": view}
            self.broker.deliver(event, members)

    def _recent_turns(self, conversation_id: str) -> list[tuple[str, str]]:
        with self.database.transaction() as session:
            rows = session.execute(
                select(ChatMessage.sender_id, ChatMessage.text, User.name)
                .outerjoin(User, ChatMessage.sender_id == User.id)
                .where(ChatMessage.conversation_id == conversation_id)
                .order_by(ChatMessage.seq.desc())
                .limit(HISTORY_TURNS + 1)
            ).all()
        # The newest message is the question itself, which the tutor is given apart.
        return [
            ("assistant", text) if sender is None else ("user", f"{name}: {text}")
            for sender, text, name in reversed(rows[1:])
        ]

    def _store_answer(self, conversation_id: str, answer: Any) -> tuple[dict, list[str]] | None:
        with self.database.transaction() as session:
            conversation = session.get(Conversation, conversation_id)
            if conversation is None or not conversation.tutor:
                return None  # removed while it was thinking
            message = ChatMessage(
                id=new_id(),
                conversation_id=conversation_id,
                sender_id=None,
                text=answer.text,
                sources=answer.sources,
                created_at=utc_now(),
            )
            session.add(message)
            session.flush()
            self.broker.notify(session, {"kind": "message", "seq": message.seq})
            return message_view(message, TUTOR_NAME), members_of(session, conversation_id)

    # -- other processes -------------------------------------------------------------------------

    async def read_notice(self, notice: dict[str, Any]) -> list[tuple[dict[str, Any], list[str]]]:
        """Turn another server's notice into the events to deliver here, and their recipients."""
        if notice.get("kind") == "message":
            return await self.database.run(self._message_event, int(notice["seq"]))
        conversation_id = str(notice["conversation_id"])
        members = await self._member_ids(conversation_id)
        return self._membership_events(conversation_id, members, notice.get("removed", []))

    def _message_event(self, seq: int) -> list[tuple[dict[str, Any], list[str]]]:
        with self.database.transaction() as session:
            row = session.execute(
                select(ChatMessage, User.name)
                .outerjoin(User, ChatMessage.sender_id == User.id)
                .where(ChatMessage.seq == seq)
            ).one_or_none()
            if row is None:
                return []
            message, name = row
            event = {
                "type": "message",
                "conversation_id": message.conversation_id,
                "message": message_view(message, name),
            }
            return [(event, members_of(session, message.conversation_id))]

    async def shutdown(self) -> None:
        """Stop the tutor's unfinished answers and stop listening to other servers."""
        for turn in list(self._tutor_turns):
            turn.cancel()
        await asyncio.gather(*self._tutor_turns, return_exceptions=True)
        await self.broker.stop()

    # -- shared steps ----------------------------------------------------------------------------

    def _announce(self, conversation_id: str, members: list[str], *, removed: list[str]) -> None:
        for event, recipients in self._membership_events(conversation_id, members, removed):
            self.broker.deliver(event, recipients)

    @staticmethod
    def _membership_events(
        conversation_id: str, members: list[str], removed: list[str]
    ) -> list[tuple[dict[str, Any], list[str]]]:
        events = [({"type": "conversation", "conversation_id": conversation_id}, members)]
        if removed:
            events.append(({"type": "removed", "conversation_id": conversation_id}, removed))
        return events

    async def _member_ids(self, conversation_id: str) -> list[str]:
        def read() -> list[str]:
            with self.database.transaction() as session:
                return members_of(session, conversation_id)

        return await self.database.run(read)

    @staticmethod
    def _check_may_manage(caller: dict[str, str], conversation: Conversation) -> None:
        if caller["id"] != conversation.owner_id and caller["role"] != "teacher":
            raise PermissionDeniedError(
                "only the conversation's owner or a teacher may change its members",
                code="not_conversation_owner",
            )
