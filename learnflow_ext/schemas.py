"""The API's wire format: request bodies as validated on the way in, responses as documented.

The same models validate requests and describe the API in ``openapi.py``, so the
published document cannot drift from what the server checks.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from .services.chat_store import CONVERSATION_ID, MAX_TITLE_CHARS
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


class TopicMasteryOut(Document):
    topic: str
    p_known: float = Field(description="Probability the student knows the topic, 0 to 1.")
    attempts: int = Field(description="Graded submissions that counted towards it.")
    mastered: bool = Field(description="True once p_known reaches 0.95.")


class TopicOut(Document):
    topic: str
    exercises: ExerciseCountsOut = Field(description="How many exercises of each difficulty.")
    mastery: TopicMasteryOut | None = Field(
        description="The caller's mastery; null without a bearer token."
    )


class SubmissionRequest(RequestBody):
    code: Annotated[
        str,
        Field(
            description="Python source; larger than the configured limit is 413.",
            json_schema_extra={"pattern": r"^[^\x00]*$"},
        ),
    ]


class HiddenTestOut(Document):
    name: str = Field(description="The hidden test's function name.")
    passed: bool
    message: str = Field(
        description="For a failed test: the assertion's message, or the exercise's hint."
    )


SubmissionStatus = Literal[
    "passed", "failed", "error", "timeout", "memory_limit", "output_limit", "killed"
]


class SubmissionOut(Document):
    id: str
    exercise_id: str
    user_id: str
    status: SubmissionStatus
    score: float = Field(description="Share of the hidden tests passed, 0 to 1.")
    tests: list[HiddenTestOut]
    output: str = Field(description="What the program printed, cut to a limit.")
    errors: str = Field(description="Errors and tracebacks, cut to a limit.")
    execution_time: float = Field(description="Seconds, measured by the server.")
    code: str = Field(description="The code as submitted.")
    created_at: str = Field(description="When it was graded, ISO 8601 in UTC.")


class GradedSubmissionOut(SubmissionOut):
    mastery: TopicMasteryOut = Field(description="The caller's mastery of the topic, updated.")


class LessonCompletionOut(Document):
    lesson_id: str
    module_id: str
    completed_at: str = Field(description="When it was first completed, ISO 8601 in UTC.")


class NextStepOut(Document):
    kind: Literal["lesson", "exercise", "none"]
    id: str | None = Field(description="The lesson's or exercise's id; null for none.")
    title: str | None
    module_id: str | None
    topic: str | None
    difficulty: Difficulty | None = Field(description="For an exercise.")
    mastery: float | None = Field(description="The caller's mastery of the topic.")
    reason: str = Field(description="One sentence for the student.")


class ModuleFiguresOut(Document):
    module_id: str
    progress: float
    mastery: float
    completed: bool


class ClassStudentOut(Document):
    id: str
    name: str
    email: str
    modules: list[ModuleFiguresOut]
    topics: list[TopicMasteryOut]


class ExerciseResultsOut(Document):
    exercise_id: str
    title: str
    module_id: str
    topic: str
    difficulty: Difficulty
    attempts: int = Field(description="Submissions from every student.")
    students: int = Field(description="Students who submitted at least once.")
    students_passed: int = Field(description="Students who passed it at least once.")
    pass_rate: float | None = Field(
        description="students_passed / students; null when nobody tried it."
    )


class ClassProgressOut(Document):
    students: list[ClassStudentOut]
    exercises: list[ExerciseResultsOut]


class CourseProblemOut(Document):
    path: str = Field(description="The notebook or folder left out, relative to the course.")
    problem: str


class CourseReloadOut(Document):
    modules: int
    lessons: int
    exercises: int
    problems: list[CourseProblemOut]


class LessonDetailOut(LessonOut):
    module_id: str


# -- chat -------------------------------------------------------------------------------------

ConversationId = Annotated[
    str,
    Field(
        pattern=f"^{CONVERSATION_ID.pattern}$",
        description="1 to 64 letters, digits, '-' and '_'. A new id starts a conversation.",
    ),
]
MemberRef = Annotated[
    str,
    Field(
        min_length=1,
        max_length=254,
        description="An account id, an account's email, or 'tutor' for the tutor.",
    ),
]


# Text with a visible character and no NUL. The chat service checks this with readable
# messages; the pattern only documents it.
MESSAGE_PATTERN = r"^[^\x00]*[^\s\x00][^\x00]*$"


class ChatMessageRequest(RequestBody):
    message: str = Field(
        description="The text, stored verbatim; longer than the configured limit is 413.",
        json_schema_extra={"pattern": MESSAGE_PATTERN},
    )
    conversation_id: ConversationId


class ChatMessageOut(Document):
    id: str
    sender_id: str = Field(description="The sender's account id, or 'tutor'.")
    message: str = Field(description="The text exactly as sent.")
    timestamp: str = Field(description="When it was stored, ISO 8601 in UTC.")


class ConversationRequest(RequestBody):
    title: Annotated[
        str,
        Field(
            min_length=1,
            max_length=MAX_TITLE_CHARS,
            json_schema_extra={"pattern": NAME_PATTERN},
        ),
    ]
    members: Annotated[list[MemberRef], Field(max_length=500)] = []


class MembersRequest(RequestBody):
    members: Annotated[list[MemberRef], Field(min_length=1, max_length=500)]


class ReadRequest(RequestBody):
    message_id: Annotated[
        str | None,
        Field(max_length=64, description="Read up to this message; the newest when left out."),
    ] = None


class MemberOut(Document):
    id: str
    name: str
    role: Literal["student", "teacher", "tutor"]


class SourceOut(Document):
    kind: Literal["lesson", "exercise"]
    id: str
    title: str
    module_id: str
    url: str = Field(description="The lesson or exercise in this API.")


class ConversationMessageOut(ChatMessageOut):
    conversation_id: str
    sender_name: str
    sources: list[SourceOut] = Field(description="For the tutor: what it quoted.")


class ConversationOut(Document):
    id: str
    title: str
    owner_id: str
    tutor: bool = Field(description="Whether the tutor is a member.")
    members: list[MemberOut]
    created_at: str
    last_message: ConversationMessageOut | None
    unread: int = Field(description="Messages from others after the caller's read marker.")


class MessagePageOut(Document):
    messages: list[ConversationMessageOut] = Field(description="Oldest first.")
    has_more: bool = Field(description="Whether older messages (or newer, with after) remain.")


class ReadOut(Document):
    conversation_id: str
    unread: int


class TutorSettingsUpdate(RequestBody):
    enabled: bool


class TutorSettingsOut(Document):
    enabled: bool = Field(description="Whether the tutor answers, course-wide.")
    language_model: bool = Field(description="Whether a language model words its answers.")


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
