"""The API's wire format: request bodies as validated on the way in, responses as documented.

The same models validate requests and describe the API in ``openapi.py``, so the
published document cannot drift from what the server checks.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from .services.passwords import MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH

Role = Literal["student", "teacher"]
Difficulty = Literal["easy", "medium", "hard"]
# A name has a visible character and no control characters. The account service
# checks this with readable messages; the pattern only documents it.
NAME_PATTERN = r"^[^\x00-\x1f\x7f-\x9f]*[^\s\x00-\x1f\x7f-\x9f][^\x00-\x1f\x7f-\x9f]*$"
Email = Annotated[str, Field(max_length=254, json_schema_extra={"format": "email"})]


class RequestBody(BaseModel):
    """A JSON request body: exact types, no unknown fields."""

    model_config = ConfigDict(extra="forbid", strict=True)


class Document(BaseModel):
    """A JSON response body."""


class RegisterRequest(RequestBody):
    email: Email
    password: Annotated[str, Field(min_length=MIN_PASSWORD_LENGTH, max_length=MAX_PASSWORD_LENGTH)]
    name: Annotated[
        str, Field(min_length=1, max_length=100, json_schema_extra={"pattern": NAME_PATTERN})
    ]
    role: Role = "student"
    invite_code: Annotated[
        str | None,
        Field(max_length=256, description="Required to register as a teacher."),
    ] = None


class LoginRequest(RequestBody):
    email: Annotated[str, Field(max_length=254)]
    password: Annotated[str, Field(max_length=MAX_PASSWORD_LENGTH)]


class ProgressUpdate(RequestBody):
    progress: Annotated[
        float, Field(ge=0, le=100, allow_inf_nan=False, description="Percent completed, 0 to 100.")
    ]
    mastery: Annotated[
        float, Field(ge=0, le=1, allow_inf_nan=False, description="Mastery, a fraction 0 to 1.")
    ]


class ExecuteRequest(RequestBody):
    code: Annotated[
        str, Field(description="Python source; larger than the configured limit is 413.")
    ]
    language: Literal["python"]


class ExecuteOut(Document):
    output: str = Field(description="Standard output and the text of cell results.")
    errors: str = Field(description="Standard error, tracebacks, and why a run was stopped.")
    execution_time: float = Field(description="Seconds, measured by the server.")
    status: Literal["ok", "error", "timeout", "memory_limit", "output_limit", "killed"]


class UserOut(Document):
    id: str
    email: str
    name: str
    role: Role


class LoginOut(Document):
    access_token: str
    token_type: Literal["bearer"]
    user: UserOut


class LessonOut(Document):
    id: str
    title: str
    content: str = Field(description="The lesson notebook as Markdown.")
    order: int


class ModuleOut(Document):
    id: str
    title: str
    description: str
    order: int
    lessons: list[LessonOut]


class ProgressOut(Document):
    id: str
    user_id: str
    module_id: str
    progress: float
    mastery: float


class ProgressListItem(Document):
    id: str
    module_id: str
    progress: float
    mastery: float
    completed: bool = Field(description="True once progress reaches 100.")


class ExerciseOut(Document):
    id: str
    title: str
    description: str
    topic: str
    difficulty: Difficulty
    content: str = Field(description="The prompt as Markdown, then the starter code.")


class ExerciseDetailOut(ExerciseOut):
    module_id: str
    prompt: str = Field(description="What to do, as Markdown.")
    starter_code: str = Field(description="The code the student starts from.")


class ExerciseCountsOut(Document):
    easy: int
    medium: int
    hard: int


class TopicOut(Document):
    topic: str
    exercises: ExerciseCountsOut = Field(description="How many exercises of each difficulty.")


class FieldProblemOut(Document):
    field: str
    message: str


class ErrorOut(Document):
    """The body of every error response."""

    code: str = Field(description="A stable snake_case identifier of the error.")
    message: str = Field(description="What went wrong, for people.")
    reason: str = Field(description="The HTTP reason phrase.")
    details: list[FieldProblemOut] = Field(
        description="One entry per invalid field; empty for other errors."
    )
