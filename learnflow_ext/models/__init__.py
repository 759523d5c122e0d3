"""LearnFlow's database tables, as SQLAlchemy 2 typed models."""

from .base import Base
from .chat import TUTOR_ID, ChatMessage, Conversation, ConversationMember, CourseSetting
from .course import DIFFICULTIES, Exercise, Lesson, Module
from .progress import ModuleProgress
from .submission import SUBMISSION_STATUSES, LessonCompletion, Submission, TopicMastery
from .user import ROLES, ExternalIdentity, LoginThrottle, RevokedToken, User

__all__ = [
    "DIFFICULTIES",
    "ROLES",
    "SUBMISSION_STATUSES",
    "TUTOR_ID",
    "Base",
    "ChatMessage",
    "Conversation",
    "ConversationMember",
    "CourseSetting",
    "Exercise",
    "ExternalIdentity",
    "Lesson",
    "LessonCompletion",
    "LoginThrottle",
    "Module",
    "ModuleProgress",
    "RevokedToken",
    "Submission",
    "TopicMastery",
    "User",
]
