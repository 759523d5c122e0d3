"""Chat over REST: messages, conversations and their members, read markers, the tutor switch."""

from __future__ import annotations

from jupyter_server.auth.decorator import allow_unauthenticated

from ..errors import FieldProblem, InvalidInputError
from ..schemas import (
    ChatMessageRequest,
    ConversationRequest,
    MembersRequest,
    ReadRequest,
    TutorSettingsUpdate,
)
from .base import LearnFlowHandler

MAX_PAGE_SIZE = 200
DEFAULT_PAGE_SIZE = 50


class ChatMessageHandler(LearnFlowHandler):
    @allow_unauthenticated
    async def post(self) -> None:
        """Post a message; a conversation id not seen before starts that conversation."""
        user = self.require_user()
        body = self.parse_body(ChatMessageRequest)

        message = await self.learnflow.chat.post_message(user, body.conversation_id, body.message)

        self.reply(message, status=201)


class ConversationCollectionHandler(LearnFlowHandler):
    @allow_unauthenticated
    async def get(self) -> None:
        """List the caller's conversations, the most recently active first."""
        user = self.require_user()

        self.reply(await self.run(self.learnflow.chat.list_conversations, user))

    @allow_unauthenticated
    async def post(self) -> None:
        """Start a conversation with a title and members."""
        user = self.require_user()
        body = self.parse_body(ConversationRequest)

        conversation = await self.learnflow.chat.create_conversation(
            user, title=body.title, members=body.members
        )

        self.set_header("Location", f"{self.request.path.rstrip('/')}/{conversation['id']}")
        self.reply(conversation, status=201)


class ConversationHandler(LearnFlowHandler):
    @allow_unauthenticated
    async def get(self, conversation_id: str) -> None:
        """Return one of the caller's conversations."""
        user = self.require_user()

        self.reply(await self.run(self.learnflow.chat.get_conversation, user, conversation_id))


class ConversationMembersHandler(LearnFlowHandler):
    @allow_unauthenticated
    async def post(self, conversation_id: str) -> None:
        """Add members (or the tutor); for the owner or a teacher who is a member."""
        user = self.require_user()
        body = self.parse_body(MembersRequest)

        conversation = await self.learnflow.chat.add_members(user, conversation_id, body.members)

        self.reply(conversation)


class ConversationMemberHandler(LearnFlowHandler):
    @allow_unauthenticated
    async def delete(self, conversation_id: str, member_id: str) -> None:
        """Remove a member or the tutor; members may remove themselves."""
        user = self.require_user()

        await self.learnflow.chat.remove_member(user, conversation_id, member_id)

        self.set_status(204)
        self.finish()


class ConversationMessagesHandler(LearnFlowHandler):
    @allow_unauthenticated
    async def get(self, conversation_id: str) -> None:
        """Page through a conversation's messages: the newest, before one, after one, or between."""
        user = self.require_user()
        limit = self._page_size()

        page = await self.run(
            self.learnflow.chat.history,
            user,
            conversation_id,
            before=self.get_query_argument("before", None),
            after=self.get_query_argument("after", None),
            limit=limit,
        )

        self.reply(page)

    def _page_size(self) -> int:
        text = self.get_query_argument("limit", str(DEFAULT_PAGE_SIZE))
        if not text.isascii() or not text.isdigit() or not 1 <= int(text) <= MAX_PAGE_SIZE:
            raise InvalidInputError(
                f"invalid request: limit: must be a whole number from 1 to {MAX_PAGE_SIZE}",
                problems=[
                    FieldProblem("limit", f"must be a whole number from 1 to {MAX_PAGE_SIZE}")
                ],
            )
        return int(text)


class ConversationReadHandler(LearnFlowHandler):
    @allow_unauthenticated
    async def post(self, conversation_id: str) -> None:
        """Move the caller's read marker; answer how many messages stay unread."""
        user = self.require_user()
        body = self.parse_body(ReadRequest)

        marker = await self.run(
            self.learnflow.chat.mark_read, user, conversation_id, body.message_id
        )

        self.reply(marker)


class TutorSettingsHandler(LearnFlowHandler):
    @allow_unauthenticated
    async def get(self) -> None:
        """Tell whether the tutor answers in this course."""
        self.require_user()

        self.reply(await self.run(self.learnflow.chat.tutor_settings))

    @allow_unauthenticated
    async def put(self) -> None:
        """Switch the tutor on or off for the whole course; teachers only."""
        teacher = self.require_teacher()
        body = self.parse_body(TutorSettingsUpdate)

        self.reply(await self.run(self.learnflow.chat.set_tutor_enabled, teacher, body.enabled))
