"""LearnFlow's database tables, as SQLAlchemy 2 typed models."""

from .base import Base
from .course import DIFFICULTIES, Exercise, Lesson, Module
from .progress import ModuleProgress
from .user import ROLES, LoginThrottle, RevokedToken, User

__all__ = [
    "DIFFICULTIES",
    "ROLES",
    "Base",
    "Exercise",
    "Lesson",
    "LoginThrottle",
    "Module",
    "ModuleProgress",
    "RevokedToken",
    "User",
]
