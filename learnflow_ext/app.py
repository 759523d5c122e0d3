"""The LearnFlow Jupyter server extension: its configuration, start-up and routes."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from jupyter_core.paths import jupyter_data_dir
from jupyter_server.extension.application import ExtensionApp
from traitlets import Bool, Float, Int, List, TraitError, Unicode, default, validate

from .database import Database, normalize_database_url
from .handlers.auth import (
    CurrentUserHandler,
    JupyterSignInHandler,
    LoginHandler,
    LogoutHandler,
    RegisterHandler,
)
from .handlers.base import NotFoundHandler, RemoteApiHandler
from .handlers.chat import (
    ChatMessageHandler,
    ConversationCollectionHandler,
    ConversationHandler,
    ConversationMemberHandler,
    ConversationMembersHandler,
    ConversationMessagesHandler,
    ConversationReadHandler,
    TutorSettingsHandler,
)
from .handlers.chat_socket import ChatSocketHandler
from .handlers.execution import ExecuteHandler
from .handlers.exercises import (
    ExerciseHandler,
    ExerciseNotebookHandler,
    SubmissionCollectionHandler,
    SubmissionHandler,
    TopicCollectionHandler,
    TopicExercisesHandler,
)
from .handlers.hub import HubCallbackHandler, HubLoginHandler, HubSignInHandler
from .handlers.modules import (
    LessonHandler,
    LessonNotebookHandler,
    ModuleCollectionHandler,
    ModuleHandler,
)
from .handlers.openapi import OpenAPIHandler
from .handlers.progress import (
    LessonCompletionHandler,
    ModuleProgressHandler,
    NextStepHandler,
    UserProgressHandler,
)
from .handlers.teacher import ClassProgressHandler, CourseReloadHandler
from .services.auth import AccountService
from .services.chat import ChatLimits, ChatService
from .services.chat_delivery import ChatBroker
from .services.content import load_course
from .services.courses import CourseService, IndexSummary
from .services.execution import ExecutionService
from .services.gateway import GatewayKernelPool
from .services.hub import HubSignIn, running_as_hub_service, running_in_hub_user_server
from .services.kernels import KernelPool, SandboxKernelPool
from .services.language_model import LanguageModel
from .services.passwords import PasswordHasher
from .services.progress import ProgressService
from .services.recommendations import RecommendationService
from .services.sandbox import probe_protections, python_problem_for
from .services.submissions import SubmissionService
from .services.throttle import LoginThrottleService, ThrottleRule
from .services.tokens import MIN_SECRET_BYTES, TokenSigner, load_or_create_secret
from .services.tutor import Tutor

API_ROOT = "learnflow/api"
#: What the error for a wrong URL setting shows as an example.
EXAMPLE_URLS = {
    "tutor_llm_url": "https://api.openai.com/v1",
    "gateway_url": "https://gateway.example.org:8888",
}
ID = r"(?P<{}>[^/]+)"

#: Every API route, relative to ``{base_url}learnflow/api``.
ROUTES: list[tuple[str, type]] = [
    ("/auth/register", RegisterHandler),
    ("/auth/login", LoginHandler),
    ("/auth/jupyter", JupyterSignInHandler),
    ("/auth/hub", HubSignInHandler),
    ("/auth/hub/login", HubLoginHandler),
    ("/auth/logout", LogoutHandler),
    ("/auth/me", CurrentUserHandler),
    ("/modules", ModuleCollectionHandler),
    (f"/modules/{ID.format('module_id')}", ModuleHandler),
    (f"/modules/{ID.format('module_id')}/progress", ModuleProgressHandler),
    (f"/progress/user/{ID.format('user_id')}", UserProgressHandler),
    (f"/lessons/{ID.format('lesson_id')}", LessonHandler),
    (f"/lessons/{ID.format('lesson_id')}/notebook", LessonNotebookHandler),
    (f"/lessons/{ID.format('lesson_id')}/complete", LessonCompletionHandler),
    ("/recommendations/next", NextStepHandler),
    ("/topics", TopicCollectionHandler),
    (f"/exercises/topic/{ID.format('topic')}", TopicExercisesHandler),
    (f"/exercises/{ID.format('exercise_id')}", ExerciseHandler),
    (f"/exercises/{ID.format('exercise_id')}/notebook", ExerciseNotebookHandler),
    (f"/exercises/{ID.format('exercise_id')}/submissions", SubmissionCollectionHandler),
    (
        f"/exercises/{ID.format('exercise_id')}/submissions/{ID.format('submission_id')}",
        SubmissionHandler,
    ),
    ("/code/execute", ExecuteHandler),
    ("/chat/message", ChatMessageHandler),
    ("/chat/conversations", ConversationCollectionHandler),
    (f"/chat/conversations/{ID.format('conversation_id')}", ConversationHandler),
    (f"/chat/conversations/{ID.format('conversation_id')}/members", ConversationMembersHandler),
    (
        f"/chat/conversations/{ID.format('conversation_id')}/members/{ID.format('member_id')}",
        ConversationMemberHandler,
    ),
    (f"/chat/conversations/{ID.format('conversation_id')}/messages", ConversationMessagesHandler),
    (f"/chat/conversations/{ID.format('conversation_id')}/read", ConversationReadHandler),
    ("/chat/tutor", TutorSettingsHandler),
    ("/class/progress", ClassProgressHandler),
    ("/course/reload", CourseReloadHandler),
    ("/openapi.json", OpenAPIHandler),
]

#: The WebSocket routes, which OpenAPI cannot describe (see handlers/chat_socket.py).
SOCKET_ROUTES: list[tuple[str, type]] = [("/chat/ws", ChatSocketHandler)]


def bundled_course_dir() -> Path:
    """Return the course shipped with LearnFlow: inside the wheel, or in a source checkout."""
    package_dir = Path(__file__).parent
    installed = package_dir / "notebooks"
    return installed if installed.is_dir() else package_dir.parent / "notebooks"


class LearnFlow(ExtensionApp):
    """courses as notebooks, progress and mastery, served as a REST API."""

    name = "learnflow"
    description = __doc__
    load_other_extensions = True

    #: The JupyterHub sign-in, when this server runs as a hub service.
    hub: HubSignIn | None = None

    course_dir = Unicode(
        help="""Directory of the course: one folder per module, lessons and exercises as
        notebooks (see docs/course-format.md). Defaults to the beginner Python course
        shipped with LearnFlow.""",
    ).tag(config=True)

    database_url = Unicode(
        help="""SQLAlchemy URL of LearnFlow's database, such as
        postgresql://learnflow:secret@db.example.org/learnflow. Defaults to the
        LEARNFLOW_DATABASE_URL environment variable, or else to an SQLite file in the
        Jupyter data directory. SQLite suits one server; use PostgreSQL for a class.""",
    ).tag(config=True)

    database_pool_size = Int(
        4,
        help="Database connections (and worker threads) kept for requests.",
    ).tag(config=True)

    jwt_secret = Unicode(
        help=f"""Secret that signs access tokens, at least {MIN_SECRET_BYTES} bytes. Defaults
        to the LEARNFLOW_JWT_SECRET environment variable; if that is empty too, one is
        generated on first start and kept, readable only by its owner, in the Jupyter
        data directory. Set it when several LearnFlow servers must accept each other's
        tokens.""",
    ).tag(config=True)

    token_lifetime_s = Int(
        12 * 3600,
        help="How long an access token stays valid, in seconds, before the user signs in again.",
    ).tag(config=True)

    teacher_invite_code = Unicode(
        "",
        help="""Code a person must give to register as a teacher. When empty, nobody can
        register as a teacher through the API; an operator creates teacher accounts
        with 'jupyter learnflow user add --role teacher'.""",
    ).tag(config=True)

    jupyter_teachers = List(
        Unicode(),
        help="""Jupyter user names who are teachers when JupyterLab signs them in to
        LearnFlow (POST /auth/jupyter). On a server with one shared token or password,
        the Jupyter user is the account that runs the server.""",
    ).tag(config=True)

    hub_teacher_group = Unicode(
        "learnflow-teachers",
        help="""When LearnFlow runs as a JupyterHub service: members of this hub group are
        teachers, as are hub admins. Everyone else the hub signs in is a student. Empty:
        only hub admins are teachers.""",
    ).tag(config=True)

    hub_service_name = Unicode(
        "learnflow",
        help="""In a JupyterHub user's server: the name of the hub service that runs
        LearnFlow for the class. JupyterLab then uses that service's API, at
        {hub base URL}services/{name}/learnflow/api, and this server serves no LearnFlow
        API of its own. Empty: this server serves its own, as outside a hub.""",
    ).tag(config=True)

    remote_api_url = Unicode(
        help="""URL of the LearnFlow API that JupyterLab on this server uses instead of
        one served here, such as /services/learnflow/learnflow/api. When set, this server
        opens no database and starts no kernels. Defaults to the LEARNFLOW_API_URL
        environment variable, else, in a JupyterHub user's server, to the API of the hub
        service hub_service_name.""",
    ).tag(config=True)

    allowed_origins = List(
        Unicode(),
        help="""Web origins (scheme, host and port, such as https://app.example.org) whose
        pages may call the API from a browser. Nothing is allowed by default.""",
    ).tag(config=True)

    login_max_failures = Int(
        5,
        help="Failed sign-ins for one account, within login_failure_window_s, before it is locked.",
    ).tag(config=True)

    login_max_failures_per_client = Int(
        20,
        help="Failed sign-ins from one client address, within the window, before it is locked.",
    ).tag(config=True)

    login_failure_window_s = Int(
        15 * 60,
        help="Seconds over which failed sign-ins are counted.",
    ).tag(config=True)

    login_lockout_s = Int(
        5 * 60,
        help="Seconds an account or client stays locked after too many failed sign-ins.",
    ).tag(config=True)

    max_request_body_bytes = Int(
        1024 * 1024,
        help="Largest request body the API accepts, in bytes; larger ones get 413.",
    ).tag(config=True)

    password_hash_time_cost = Int(3, help="argon2id iterations for password hashes.").tag(
        config=True
    )

    password_hash_memory_kib = Int(
        64 * 1024, help="argon2id memory for password hashes, in KiB."
    ).tag(config=True)

    password_hash_parallelism = Int(4, help="argon2id lanes for password hashes.").tag(config=True)

    # -- code execution ------------------------------------------------------------------------

    allow_unsandboxed_execution = Bool(
        False,
        help="""Run student code even when this machine cannot sandbox it (no bubblewrap,
        no namespaces or no seccomp). Quotas still apply, but student code could then read
        the server's files and reach the network. Only for a single trusted user.""",
    ).tag(config=True)

    execution_warm_kernels = Int(
        2, help="Sandboxed kernels kept started and waiting, so a first run starts at once."
    ).tag(config=True)

    execution_max_kernels = Int(
        16,
        help="""Most sandboxed kernels alive at once. Each active student holds one until it
        has been idle for execution_idle_timeout_s.""",
    ).tag(config=True)

    execution_idle_timeout_s = Int(
        600, help="Seconds after a student's last run before their kernel is shut down."
    ).tag(config=True)

    execution_max_concurrent_runs = Int(
        4, help="Runs executing at the same moment across all students; more wait in a queue."
    ).tag(config=True)

    execution_max_queued_runs = Int(
        32, help="Runs allowed to wait for their turn; beyond that requests get 503."
    ).tag(config=True)

    execution_max_runs_per_user = Int(
        2, help="Runs one student may have running or waiting at once; beyond that, 429."
    ).tag(config=True)

    gateway_url = Unicode(
        "",
        help="""URL of a Jupyter Enterprise Gateway that runs the students' kernels, such
        as https://gateway.example.org:8888. Its host needs LearnFlow's kernel spec
        (kernels/learnflow-python, installed with 'jupyter kernelspec install') and
        bubblewrap: the kernels get the same sandbox and limits there. Empty: kernels run
        on this machine.""",
    ).tag(config=True)

    gateway_auth_token = Unicode(
        help="""Token sent to the gateway (its EG_AUTH_TOKEN). Defaults to the
        LEARNFLOW_GATEWAY_AUTH_TOKEN environment variable; never logged.""",
    ).tag(config=True)

    gateway_kernel_name = Unicode(
        "learnflow-python", help="Name of LearnFlow's kernel spec on the gateway."
    ).tag(config=True)

    gateway_validate_cert = Bool(
        True, help="Check the gateway's TLS certificate (turn off only for a test gateway)."
    ).tag(config=True)

    gateway_request_timeout_s = Float(
        60.0, help="Seconds to wait for the gateway to answer a request, such as starting a kernel."
    ).tag(config=True)

    sandbox_uid_base = Int(
        900000,
        help="""When the server runs as root, each kernel runs as its own unprivileged uid
        from this number up (execution_max_kernels of them). No account needs to exist.""",
    ).tag(config=True)

    wall_time_limit_s = Float(10.0, help="Wall-clock seconds one run may take.").tag(config=True)

    cpu_time_limit_s = Float(5.0, help="CPU seconds one run may use.").tag(config=True)

    memory_limit_mb = Int(256, help="Memory one run may allocate, in MB.").tag(config=True)

    max_processes = Int(64, help="Processes and threads one run may start.").tag(config=True)

    max_file_size_mb = Int(1, help="Largest file one run may write, in MB.").tag(config=True)

    max_output_bytes = Int(
        1024 * 1024, help="Output (stdout and stderr) one run may print before it is stopped."
    ).tag(config=True)

    max_code_bytes = Int(
        64 * 1024, help="Largest program accepted by POST /code/execute; larger gets 413."
    ).tag(config=True)

    # -- chat --------------------------------------------------------------------------------

    chat_max_message_chars = Int(
        4000, help="Longest chat message, in characters; longer ones get 413."
    ).tag(config=True)

    chat_max_messages_per_window = Int(
        30, help="Chat messages one person may send within chat_rate_window_s; more get 429."
    ).tag(config=True)

    chat_rate_window_s = Int(60, help="Seconds over which chat messages are counted.").tag(
        config=True
    )

    chat_max_connections_per_user = Int(
        8, help="Live chat connections (WebSockets) one account may hold open at once."
    ).tag(config=True)

    chat_token_recheck_s = Int(
        60,
        help="""Seconds between checks of a live chat connection's token, so that signing
        out on another server, or deleting the account, ends the connection.""",
    ).tag(config=True)

    tutor_llm_url = Unicode(
        "",
        help="""Base URL of an OpenAI-compatible API (such as https://api.openai.com/v1, or a
        local vLLM, llama.cpp or Ollama server) whose model words the tutor's answers. The
        tutor still finds the course passages itself and tells the model to give hints,
        not answers. Empty: the tutor answers from the course alone, offline.""",
    ).tag(config=True)

    tutor_llm_model = Unicode(
        "", help="Model name sent to tutor_llm_url, such as gpt-4o-mini; empty for its default."
    ).tag(config=True)

    tutor_llm_api_key = Unicode(
        help="""API key for tutor_llm_url, sent as a bearer token. Defaults to the
        LEARNFLOW_TUTOR_LLM_API_KEY environment variable; never logged.""",
    ).tag(config=True)

    tutor_llm_timeout_s = Float(
        30.0, help="Seconds to wait for the language model before answering without it."
    ).tag(config=True)

    @default("gateway_auth_token")
    def _default_gateway_auth_token(self) -> str:
        return os.environ.get("LEARNFLOW_GATEWAY_AUTH_TOKEN", "")

    @default("jwt_secret")
    def _default_jwt_secret(self) -> str:
        return os.environ.get("LEARNFLOW_JWT_SECRET", "")

    @default("tutor_llm_api_key")
    def _default_tutor_llm_api_key(self) -> str:
        return os.environ.get("LEARNFLOW_TUTOR_LLM_API_KEY", "")

    @validate("tutor_llm_url", "gateway_url")
    def _check_http_url(self, proposal: dict[str, Any]) -> str:
        url, name = proposal["value"], proposal["trait"].name
        if url and (urlsplit(url).scheme not in ("http", "https") or not urlsplit(url).netloc):
            example = EXAMPLE_URLS[name]
            raise TraitError(f"LearnFlow.{name}: {url!r} is not an http(s) URL such as {example}")
        return url

    @default("remote_api_url")
    def _default_remote_api_url(self) -> str:
        from_environment = os.environ.get("LEARNFLOW_API_URL")
        if from_environment:
            return from_environment
        if running_in_hub_user_server() and self.hub_service_name:
            hub_base_url = os.environ.get("JUPYTERHUB_BASE_URL", "/")
            return f"{hub_base_url.rstrip('/')}/services/{self.hub_service_name}/{API_ROOT}"
        return ""

    @default("course_dir")
    def _default_course_dir(self) -> str:
        return str(bundled_course_dir())

    @default("database_url")
    def _default_database_url(self) -> str:
        from_environment = os.environ.get("LEARNFLOW_DATABASE_URL")
        if from_environment:
            return from_environment
        return f"sqlite:///{Path(jupyter_data_dir()) / 'learnflow' / 'learnflow.db'}"

    @validate("database_url")
    def _check_database_url(self, proposal: dict[str, Any]) -> str:
        try:
            normalize_database_url(proposal["value"])
        except Exception as error:
            raise TraitError(f"LearnFlow.database_url: {error}") from error
        return proposal["value"]

    @validate("jwt_secret")
    def _check_jwt_secret(self, proposal: dict[str, Any]) -> str:
        value = proposal["value"]
        if value and len(value.encode()) < MIN_SECRET_BYTES:
            raise TraitError(
                f"LearnFlow.jwt_secret must be at least {MIN_SECRET_BYTES} bytes; "
                "generate one with: python -c 'import secrets; print(secrets.token_hex(32))'"
            )
        return value

    @validate("wall_time_limit_s", "cpu_time_limit_s")
    def _check_time_limit(self, proposal: dict[str, Any]) -> float:
        if not 0 < proposal["value"] <= 3600:
            raise TraitError(f"LearnFlow.{proposal['trait'].name} must be between 0 and 3600 s")
        return proposal["value"]

    @validate("allowed_origins")
    def _check_allowed_origins(self, proposal: dict[str, Any]) -> list[str]:
        for origin in proposal["value"]:
            parts = urlsplit(origin)
            if (
                parts.scheme not in ("http", "https")
                or not parts.netloc
                or origin != (f"{parts.scheme}://{parts.netloc}")
            ):
                raise TraitError(
                    f"LearnFlow.allowed_origins: {origin!r} is not an origin like "
                    "https://app.example.org (no path, no wildcard)"
                )
        return proposal["value"]

    @validate(
        "token_lifetime_s",
        "login_max_failures",
        "login_max_failures_per_client",
        "login_failure_window_s",
        "login_lockout_s",
        "max_request_body_bytes",
        "database_pool_size",
        "password_hash_time_cost",
        "password_hash_memory_kib",
        "password_hash_parallelism",
        "execution_max_kernels",
        "execution_idle_timeout_s",
        "execution_max_concurrent_runs",
        "execution_max_runs_per_user",
        "memory_limit_mb",
        "max_processes",
        "max_file_size_mb",
        "max_output_bytes",
        "max_code_bytes",
        "chat_max_message_chars",
        "chat_max_messages_per_window",
        "chat_rate_window_s",
        "chat_max_connections_per_user",
        "chat_token_recheck_s",
    )
    def _check_positive(self, proposal: dict[str, Any]) -> int:
        if proposal["value"] < 1:
            raise TraitError(f"LearnFlow.{proposal['trait'].name} must be at least 1")
        return proposal["value"]

    # -- start-up ---------------------------------------------------------------------------

    def initialize_settings(self) -> None:
        """Open the database, bring its schema up to date, and index the course."""
        if self.remote_api_url:
            self._use_remote_api()
            return
        self.database = Database(self.database_url, pool_size=self.database_pool_size, log=self.log)
        self.log.info("database %s", self.database.display_url)
        self.database.upgrade_schema()

        self.accounts = self.account_service()
        self.courses = CourseService(self.database, log=self.log)
        self.progress = ProgressService(self.database, self.courses)
        self.recommendations = RecommendationService(self.courses)
        self.execution = self._execution_service()
        self.submissions = SubmissionService(
            self.database, courses=self.courses, progress=self.progress, execution=self.execution
        )
        self.chat = self._chat_service()
        self.hub = self._hub_sign_in()
        self._reloading = asyncio.Lock()

        summary = self.reload_course()
        self.log.info(
            "course loaded from %s: %d modules, %d lessons, %d exercises, %d problems",
            self.course_dir,
            summary.modules,
            summary.lessons,
            summary.exercises,
            summary.problems,
        )

    def _use_remote_api(self) -> None:
        """Point this server's JupyterLab at the API served elsewhere; serve none here."""
        page_config = self.serverapp.web_app.settings.setdefault("page_config_data", {})
        page_config["learnflowApiUrl"] = self.remote_api_url
        if running_in_hub_user_server():
            page_config["learnflowSignIn"] = "hub"
        self.log.info(
            "JupyterLab uses the LearnFlow API at %s; this server serves none itself",
            self.remote_api_url,
        )

    def _hub_sign_in(self) -> HubSignIn | None:
        if not running_as_hub_service():
            return None
        try:
            hub = HubSignIn(teacher_group=self.hub_teacher_group, log=self.log)
        except ImportError as error:
            raise RuntimeError(
                "LearnFlow runs as a JupyterHub service, but the jupyterhub package is "
                "missing for the sign-in through the hub: pip install 'learnflow[hub]'"
            ) from error
        self.log.info(
            "JupyterHub sign-in at %s (teachers: hub admins%s)",
            hub.oauth.hub_host + hub.oauth.hub_prefix,
            f" and group {self.hub_teacher_group!r}" if self.hub_teacher_group else "",
        )
        return hub

    def _run_limits(self) -> dict[str, Any]:
        """What one run may use, enforced inside each kernel."""
        return {
            "wall_time_s": self.wall_time_limit_s,
            "cpu_time_s": self.cpu_time_limit_s,
            "memory_mb": self.memory_limit_mb,
            "max_processes": self.max_processes,
            "max_file_size_mb": self.max_file_size_mb,
            "max_output_bytes": self.max_output_bytes,
        }

    def _execution_service(self) -> ExecutionService:
        if self.gateway_url:
            return self._service_for(self._gateway_pool(), refusal="")
        protections = probe_protections()
        allowed = protections.sufficient or self.allow_unsandboxed_execution
        if allowed and not protections.sufficient and protections.separate_uids:
            # Unsandboxed kernels run as their own uids, straight from the host's files.
            problem = python_problem_for(self.sandbox_uid_base)
            if problem:
                protections.problems.append(
                    f"{problem} (install Python where every user may read it)"
                )
                allowed = False
        pool, refusal = None, ""
        if allowed:
            pool = SandboxKernelPool(
                protections=protections,
                limits=self._run_limits(),
                warm_size=self.execution_warm_kernels,
                max_kernels=self.execution_max_kernels,
                idle_timeout_s=self.execution_idle_timeout_s,
                uid_base=self.sandbox_uid_base,
                log=self.log,
            )
        if protections.sufficient:
            self.log.info(
                "code execution: sandbox with %s; %d warm kernels, at most %d",
                protections.describe(),
                self.execution_warm_kernels,
                self.execution_max_kernels,
            )
        elif pool is not None:
            self.log.warning(
                "code execution WITHOUT a sandbox (allow_unsandboxed_execution): %s; "
                "protections left: %s",
                "; ".join(protections.problems),
                protections.describe(),
            )
        else:
            refusal = "code execution is disabled: " + "; ".join(protections.problems)
            self.log.warning("%s", refusal)
        return self._service_for(pool, refusal=refusal)

    def _gateway_pool(self) -> GatewayKernelPool:
        self.log.info(
            "code execution: kernels %r on the Enterprise Gateway at %s; "
            "%d warm kernels, at most %d",
            self.gateway_kernel_name,
            self.gateway_url,
            self.execution_warm_kernels,
            self.execution_max_kernels,
        )
        return GatewayKernelPool(
            url=self.gateway_url,
            auth_token=self.gateway_auth_token,
            kernel_name=self.gateway_kernel_name,
            validate_cert=self.gateway_validate_cert,
            request_timeout_s=self.gateway_request_timeout_s,
            limits=self._run_limits(),
            warm_size=self.execution_warm_kernels,
            max_kernels=self.execution_max_kernels,
            idle_timeout_s=self.execution_idle_timeout_s,
            log=self.log,
        )

    def _service_for(self, pool: KernelPool | None, *, refusal: str) -> ExecutionService:
        return ExecutionService(
            pool,
            refusal=refusal,
            max_code_bytes=self.max_code_bytes,
            max_in_flight_per_user=self.execution_max_runs_per_user,
            max_concurrent_runs=self.execution_max_concurrent_runs,
            max_queued_runs=self.execution_max_queued_runs,
            wall_time_limit_s=self.wall_time_limit_s,
            log=self.log,
        )

    def _chat_service(self) -> ChatService:
        language_model = None
        if self.tutor_llm_url:
            language_model = LanguageModel(
                url=self.tutor_llm_url,
                model=self.tutor_llm_model,
                api_key=self.tutor_llm_api_key,
                timeout_s=self.tutor_llm_timeout_s,
            )
        tutor = Tutor(
            self.database,
            api_root=f"{self.serverapp.base_url}{API_ROOT}",
            language_model=language_model,
            log=self.log,
        )
        broker = ChatBroker(self.database, log=self.log)
        self.log.info(
            "chat: live delivery %s; tutor answers %s",
            "across every server on this database"
            if broker.crosses_processes
            else "within this server (SQLite)",
            f"with {language_model.describe()}" if language_model else "from the course alone",
        )
        return ChatService(
            self.database,
            broker=broker,
            tutor=tutor,
            limits=ChatLimits(
                max_message_chars=self.chat_max_message_chars,
                max_messages_per_window=self.chat_max_messages_per_window,
                window_s=self.chat_rate_window_s,
            ),
            log=self.log,
        )

    def reload_course(self) -> IndexSummary:
        """Read the course directory again, index it, and let the tutor search it."""
        summary = self.courses.index(load_course(Path(self.course_dir)))
        self.chat.tutor.reindex()
        return summary

    async def reload_course_async(self) -> IndexSummary:
        """Re-index the course off the event loop, one reload at a time."""
        async with self._reloading:
            return await self.database.run(self.reload_course)

    def signing_secret(self) -> bytes:
        """Return the configured token secret, or the generated one kept in the data directory."""
        if self.jwt_secret:
            return self.jwt_secret.encode()
        return load_or_create_secret(
            Path(jupyter_data_dir()) / "learnflow" / "jwt_secret", self.log
        )

    def account_service(self, *, signing_secret: bytes | None = None) -> AccountService:
        """Build the account service from the traits; ``signing_secret`` replaces the stored one."""
        secret = signing_secret or self.signing_secret()
        hasher = PasswordHasher(
            time_cost=self.password_hash_time_cost,
            memory_cost_kib=self.password_hash_memory_kib,
            parallelism=self.password_hash_parallelism,
        )
        throttle = LoginThrottleService(
            per_account=ThrottleRule(
                self.login_max_failures, self.login_failure_window_s, self.login_lockout_s
            ),
            per_client=ThrottleRule(
                self.login_max_failures_per_client,
                self.login_failure_window_s,
                self.login_lockout_s,
            ),
        )
        return AccountService(
            self.database,
            hasher=hasher,
            signer=TokenSigner(secret, lifetime_s=self.token_lifetime_s),
            throttle=throttle,
            teacher_invite_code=self.teacher_invite_code,
            log=self.log,
        )

    def initialize_handlers(self) -> None:
        """Serve every API route under ``{base_url}learnflow/api``, and JSON 404s below it."""
        if self.remote_api_url:
            self.handlers.append((f"/{API_ROOT}(?:/.*)?", RemoteApiHandler))
            return
        routes = [*ROUTES, *SOCKET_ROUTES]
        self.handlers.extend((f"/{API_ROOT}{path}", handler) for path, handler in routes)
        self.handlers.append((f"/{API_ROOT}(?:/.*)?", NotFoundHandler))
        if running_as_hub_service():
            # Where JupyterHub sends the browser back after its sign-in.
            self.handlers.append(("/oauth_callback", HubCallbackHandler))

    async def _start_jupyter_server_extension(self, serverapp: Any) -> None:
        """Start the warm kernels and chat delivery once the event loop runs."""
        if self.remote_api_url:
            return
        if self.execution.pool is not None:
            self.execution.pool.start()
        await self.chat.broker.start(self.chat.read_notice)

    async def stop_extension(self) -> None:
        """Shut down every kernel, stop chat delivery and close the database connections."""
        if self.remote_api_url:
            return
        await self.execution.shutdown()
        await self.chat.shutdown()
        self.database.close()
