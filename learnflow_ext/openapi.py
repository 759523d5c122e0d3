"""The OpenAPI 3.1 document of LearnFlow's REST API, built from the wire-format models."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from . import __version__
from .schemas import (
    ChatMessageOut,
    ChatMessageRequest,
    ClassProgressOut,
    ConversationMessageOut,
    ConversationOut,
    ConversationRequest,
    CourseReloadOut,
    ErrorOut,
    ExecuteOut,
    ExecuteRequest,
    ExerciseCountsOut,
    ExerciseDetailOut,
    ExerciseOut,
    GradedSubmissionOut,
    LessonCompletionOut,
    LessonDetailOut,
    LoginOut,
    LoginRequest,
    MembersRequest,
    MessagePageOut,
    ModuleOut,
    NextStepOut,
    ProgressListItem,
    ProgressOut,
    ProgressUpdate,
    ReadOut,
    ReadRequest,
    RegisterRequest,
    RequestBody,
    SubmissionOut,
    SubmissionRequest,
    TopicOut,
    TutorSettingsOut,
    TutorSettingsUpdate,
    UserOut,
)

ERROR_DESCRIPTIONS = {
    400: "The body is not a JSON object.",
    401: "No valid bearer token; or, on a public route, a bearer token that is not valid.",
    403: "The caller may not do this (a student on a teachers' route, say).",
    404: "Nothing with this id (in the path, or an account or message the body names).",
    409: "Clashes with what is stored.",
    413: "The body is too large.",
    422: "A field breaks the rules; `details` names each one.",
    429: "Too many attempts, runs or messages; wait `Retry-After` seconds.",
    503: "Code execution is unavailable or saturated; `Retry-After` says when to retry.",
}

#: Path parameters are non-empty and never contain a slash.
PATH_PARAMETER = {"type": "string", "minLength": 1, "pattern": "^[^/]+$"}


# An nbformat 4 notebook; nbformat's own schema describes the rest.
NOTEBOOK: dict[str, Any] = {
    "type": "object",
    "required": ["nbformat", "nbformat_minor", "metadata", "cells"],
    "properties": {
        "nbformat": {"const": 4},
        "nbformat_minor": {"type": "integer"},
        "metadata": {
            "type": "object",
            "description": "Under learnflow: kind (lesson or exercise), id and module_id.",
        },
        "cells": {"type": "array", "items": {"type": "object"}},
    },
}


def _ref(model: type[BaseModel]) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{model.__name__}"}


def _json(schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _operation(
    summary: str,
    *,
    ok: tuple[int, dict[str, Any] | None, str],
    errors: tuple[int, ...],
    body: type[BaseModel] | None = None,
    bearer: bool = False,
    parameters: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    status, schema, description = ok
    responses: dict[str, Any] = {
        str(status): _json(schema, description) if schema else {"description": description}
    }
    for error in sorted({*errors, 401}):
        responses[str(error)] = _json(_ref(ErrorOut), ERROR_DESCRIPTIONS[error])
    for status in (429, 503):
        if status in errors:
            responses[str(status)]["headers"] = {
                "Retry-After": {"schema": {"type": "integer"}, "description": "Seconds to wait."}
            }
    operation: dict[str, Any] = {"summary": summary, "responses": responses}
    if body is not None:
        operation["requestBody"] = {
            "required": True,
            "content": {"application/json": {"schema": _ref(body)}},
        }
    if parameters:
        operation["parameters"] = parameters
    operation["security"] = [{"bearerAuth": []}] if bearer else [{}, {"bearerAuth": []}]
    return operation


def _path_parameter(name: str, description: str) -> dict[str, Any]:
    return {
        "name": name,
        "in": "path",
        "required": True,
        "description": description,
        "schema": PATH_PARAMETER,
    }


def _components() -> dict[str, Any]:
    models: list[type[BaseModel]] = [
        RegisterRequest,
        ExecuteRequest,
        ExecuteOut,
        LoginRequest,
        ProgressUpdate,
        UserOut,
        LoginOut,
        ModuleOut,
        ProgressOut,
        ProgressListItem,
        TopicOut,
        ExerciseCountsOut,
        ExerciseDetailOut,
        ExerciseOut,
        SubmissionRequest,
        SubmissionOut,
        GradedSubmissionOut,
        LessonCompletionOut,
        NextStepOut,
        ClassProgressOut,
        CourseReloadOut,
        LessonDetailOut,
        ChatMessageRequest,
        ChatMessageOut,
        ConversationRequest,
        MembersRequest,
        ReadRequest,
        ConversationOut,
        ConversationMessageOut,
        MessagePageOut,
        ReadOut,
        TutorSettingsUpdate,
        TutorSettingsOut,
        ErrorOut,
    ]
    schemas: dict[str, Any] = {}
    for model in models:
        mode = "validation" if issubclass(model, RequestBody) else "serialization"
        schema = model.model_json_schema(ref_template="#/components/schemas/{model}", mode=mode)
        schemas.update(schema.pop("$defs", {}))
        schemas[model.__name__] = schema
    return schemas


def build_openapi(api_url: str) -> dict[str, Any]:
    """Return the OpenAPI document for the API served at ``api_url``."""
    module_id = _path_parameter("module_id", "Module id, as in GET /modules.")
    lesson_id = _path_parameter("lesson_id", "Lesson id, as in GET /modules.")
    conversation_id = _path_parameter("conversation_id", "Conversation id.")
    modules = {"type": "array", "items": _ref(ModuleOut)}
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "LearnFlow API",
            "version": __version__,
            "description": (
                "Accounts, the course, progress, exercises and chat of LearnFlow. Send "
                "the access token from POST /auth/login as 'Authorization: Bearer <token>'. "
                "Every error has the ErrorOut body. New chat messages also arrive live on "
                "the WebSocket /chat/ws (see the README)."
            ),
        },
        "servers": [{"url": api_url}],
        "paths": {
            "/auth/register": {
                "post": _operation(
                    "Create an account (a teacher account needs the invite code)",
                    body=RegisterRequest,
                    ok=(201, _ref(UserOut), "The new account."),
                    errors=(400, 403, 409, 413, 422),
                )
            },
            "/auth/login": {
                "post": _operation(
                    "Exchange email and password for an access token",
                    body=LoginRequest,
                    ok=(200, _ref(LoginOut), "An access token and the account."),
                    errors=(400, 413, 422, 429),
                )
            },
            "/auth/jupyter": {
                "post": _operation(
                    "Sign in as the person this Jupyter server has signed in (its pages only)",
                    ok=(200, _ref(LoginOut), "An access token and the account."),
                    errors=(401, 403, 503),
                )
            },
            "/auth/hub": {
                "get": _operation(
                    "Sign in as the person JupyterHub signed in (LearnFlow as a hub service)",
                    ok=(200, _ref(LoginOut), "An access token and the account."),
                    errors=(401, 404, 503),
                )
            },
            "/auth/hub/login": {
                "get": _operation(
                    "Start the sign-in through JupyterHub's OAuth (browsers; redirects to the hub)",
                    ok=(302, None, "To the hub, which sends the browser back to /auth/hub."),
                    errors=(404,),
                )
            },
            "/auth/logout": {
                "post": _operation(
                    "Revoke the token this request is made with",
                    bearer=True,
                    ok=(204, None, "The token no longer works."),
                    errors=(401,),
                )
            },
            "/auth/me": {
                "get": _operation(
                    "The account that holds the token",
                    bearer=True,
                    ok=(200, _ref(UserOut), "The account."),
                    errors=(401,),
                )
            },
            "/modules": {
                "get": _operation(
                    "Every module in course order, with its lessons",
                    ok=(200, modules, "The modules."),
                    errors=(),
                )
            },
            "/modules/{module_id}": {
                "get": _operation(
                    "One module with its lessons",
                    parameters=[module_id],
                    ok=(200, _ref(ModuleOut), "The module."),
                    errors=(404,),
                )
            },
            "/modules/{module_id}/progress": {
                "put": _operation(
                    "Set the caller's progress and mastery in a module",
                    bearer=True,
                    parameters=[module_id],
                    body=ProgressUpdate,
                    ok=(200, _ref(ProgressOut), "The stored progress."),
                    errors=(400, 404, 413, 422),
                )
            },
            "/progress/user/{user_id}": {
                "get": _operation(
                    "A user's progress in every module (students: their own only)",
                    bearer=True,
                    parameters=[_path_parameter("user_id", "Account id.")],
                    ok=(
                        200,
                        {"type": "array", "items": _ref(ProgressListItem)},
                        "One entry per module the user has progress in.",
                    ),
                    errors=(403, 404),
                )
            },
            "/lessons/{lesson_id}": {
                "get": _operation(
                    "One lesson as Markdown, with its module",
                    parameters=[lesson_id],
                    ok=(200, _ref(LessonDetailOut), "The lesson."),
                    errors=(404,),
                )
            },
            "/lessons/{lesson_id}/notebook": {
                "get": _operation(
                    "A lesson's notebook, without outputs, to open in the student's workspace",
                    parameters=[lesson_id],
                    ok=(200, NOTEBOOK, "The notebook."),
                    errors=(404,),
                )
            },
            "/lessons/{lesson_id}/complete": {
                "post": _operation(
                    "Mark a lesson completed by the caller (again: no change)",
                    bearer=True,
                    parameters=[lesson_id],
                    ok=(200, _ref(LessonCompletionOut), "The completion."),
                    errors=(404,),
                )
            },
            "/recommendations/next": {
                "get": _operation(
                    "The caller's next lesson or exercise, chosen from their mastery",
                    bearer=True,
                    ok=(200, _ref(NextStepOut), "The next step and why."),
                    errors=(),
                )
            },
            "/topics": {
                "get": _operation(
                    "Every topic of the course, with its exercises per difficulty and the "
                    "caller's mastery",
                    ok=(200, {"type": "array", "items": _ref(TopicOut)}, "The topics."),
                    errors=(),
                )
            },
            "/exercises/topic/{topic}": {
                "get": _operation(
                    "A topic's exercises, without hidden tests or solutions",
                    parameters=[
                        _path_parameter("topic", "Topic id, such as loops."),
                        {
                            "name": "difficulty",
                            "in": "query",
                            "required": False,
                            "schema": {"type": "string", "enum": ["easy", "medium", "hard"]},
                        },
                    ],
                    ok=(
                        200,
                        {"type": "array", "items": _ref(ExerciseOut)},
                        "The exercises; empty for an unknown topic.",
                    ),
                    errors=(422,),
                )
            },
            "/exercises/{exercise_id}": {
                "get": _operation(
                    "One exercise, without hidden tests or solution",
                    parameters=[_path_parameter("exercise_id", "Exercise id.")],
                    ok=(200, _ref(ExerciseDetailOut), "The exercise."),
                    errors=(404,),
                )
            },
            "/exercises/{exercise_id}/notebook": {
                "get": _operation(
                    "A notebook of the exercise's prompt and starter code, and nothing else",
                    parameters=[_path_parameter("exercise_id", "Exercise id.")],
                    ok=(200, NOTEBOOK, "The notebook."),
                    errors=(404,),
                )
            },
            "/exercises/{exercise_id}/submissions": {
                "post": _operation(
                    "Grade code against the exercise's hidden tests in the sandbox",
                    bearer=True,
                    parameters=[_path_parameter("exercise_id", "Exercise id.")],
                    body=SubmissionRequest,
                    ok=(
                        201,
                        _ref(GradedSubmissionOut),
                        "The stored, graded submission; Location is its URL.",
                    ),
                    errors=(400, 404, 413, 422, 429, 503),
                ),
                "get": _operation(
                    "The caller's submissions of the exercise, oldest first (teachers: "
                    "any student's with user_id)",
                    bearer=True,
                    parameters=[
                        _path_parameter("exercise_id", "Exercise id."),
                        {
                            "name": "user_id",
                            "in": "query",
                            "required": False,
                            "description": "A student's account id; teachers only.",
                            "schema": {"type": "string"},
                        },
                    ],
                    ok=(
                        200,
                        {"type": "array", "items": _ref(SubmissionOut)},
                        "The submissions.",
                    ),
                    errors=(403, 404),
                ),
            },
            "/exercises/{exercise_id}/submissions/{submission_id}": {
                "get": _operation(
                    "One submission: the caller's own, or any student's for a teacher",
                    bearer=True,
                    parameters=[
                        _path_parameter("exercise_id", "Exercise id."),
                        _path_parameter("submission_id", "Submission id."),
                    ],
                    ok=(200, _ref(SubmissionOut), "The submission."),
                    errors=(404,),
                )
            },
            "/code/execute": {
                "post": _operation(
                    "Run Python code in the caller's own sandboxed kernel",
                    bearer=True,
                    body=ExecuteRequest,
                    ok=(200, _ref(ExecuteOut), "What the run printed, and how it ended."),
                    errors=(400, 413, 422, 429, 503),
                )
            },
            "/chat/message": {
                "post": _operation(
                    "Post a message; a conversation id not seen before starts it",
                    bearer=True,
                    body=ChatMessageRequest,
                    ok=(201, _ref(ChatMessageOut), "The stored message."),
                    errors=(400, 404, 413, 422, 429),
                )
            },
            "/chat/conversations": {
                "get": _operation(
                    "The caller's conversations, the most recently active first",
                    bearer=True,
                    ok=(200, {"type": "array", "items": _ref(ConversationOut)}, "The list."),
                    errors=(),
                ),
                "post": _operation(
                    "Start a conversation with a title and members",
                    bearer=True,
                    body=ConversationRequest,
                    ok=(201, _ref(ConversationOut), "The conversation; Location is its URL."),
                    errors=(400, 409, 413, 422),
                ),
            },
            "/chat/conversations/{conversation_id}": {
                "get": _operation(
                    "One of the caller's conversations",
                    bearer=True,
                    parameters=[conversation_id],
                    ok=(200, _ref(ConversationOut), "The conversation."),
                    errors=(404,),
                )
            },
            "/chat/conversations/{conversation_id}/members": {
                "post": _operation(
                    "Add members or the tutor (the owner, or a teacher who is a member)",
                    bearer=True,
                    parameters=[conversation_id],
                    body=MembersRequest,
                    ok=(200, _ref(ConversationOut), "The conversation with its members."),
                    errors=(400, 403, 404, 409, 413, 422),
                )
            },
            "/chat/conversations/{conversation_id}/members/{member_id}": {
                "delete": _operation(
                    "Remove a member or the tutor; any member may leave, except the owner",
                    bearer=True,
                    parameters=[
                        conversation_id,
                        _path_parameter("member_id", "Account id, or 'tutor'."),
                    ],
                    ok=(204, None, "Removed."),
                    errors=(403, 404, 409),
                )
            },
            "/chat/conversations/{conversation_id}/messages": {
                "get": _operation(
                    "A page of messages, oldest first: the newest, or before or after one",
                    bearer=True,
                    parameters=[
                        conversation_id,
                        *(
                            {
                                "name": name,
                                "in": "query",
                                "required": False,
                                "description": description,
                                "schema": schema,
                            }
                            for name, description, schema in (
                                ("before", "A message id: the page before it.", {"type": "string"}),
                                ("after", "A message id: the page after it.", {"type": "string"}),
                                (
                                    "limit",
                                    "Messages per page.",
                                    {"type": "integer", "minimum": 1, "maximum": 200},
                                ),
                            )
                        ),
                    ],
                    ok=(200, _ref(MessagePageOut), "The page."),
                    errors=(404, 422),
                )
            },
            "/chat/conversations/{conversation_id}/read": {
                "post": _operation(
                    "Mark the conversation read up to a message (the newest if none is named)",
                    bearer=True,
                    parameters=[conversation_id],
                    body=ReadRequest,
                    ok=(200, _ref(ReadOut), "What stays unread."),
                    errors=(400, 404, 413, 422),
                )
            },
            "/chat/tutor": {
                "get": _operation(
                    "Whether the tutor answers in this course",
                    bearer=True,
                    ok=(200, _ref(TutorSettingsOut), "The tutor's settings."),
                    errors=(),
                ),
                "put": _operation(
                    "Teachers: switch the tutor on or off for the whole course",
                    bearer=True,
                    body=TutorSettingsUpdate,
                    ok=(200, _ref(TutorSettingsOut), "The tutor's settings."),
                    errors=(400, 403, 413, 422),
                ),
            },
            "/class/progress": {
                "get": _operation(
                    "Teachers: every student's progress and mastery, every exercise's results",
                    bearer=True,
                    ok=(200, _ref(ClassProgressOut), "The class."),
                    errors=(403,),
                )
            },
            "/course/reload": {
                "post": _operation(
                    "Teachers: read the course directory again after editing notebooks",
                    bearer=True,
                    ok=(200, _ref(CourseReloadOut), "What loaded, and each notebook left out."),
                    errors=(403,),
                )
            },
            "/openapi.json": {
                "get": _operation(
                    "This document",
                    ok=(200, {"type": "object"}, "The OpenAPI document."),
                    errors=(),
                )
            },
        },
        "components": {
            "schemas": _components(),
            "securitySchemes": {
                "bearerAuth": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}
            },
        },
    }
