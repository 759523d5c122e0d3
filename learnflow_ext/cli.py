"""The ``jupyter learnflow`` command: course validation, database upgrades, accounts, serving.

Commands read the same configuration files as the server (``jupyter_server_config``
and ``jupyter_learnflow_config``), so they act on the same database.
"""

from __future__ import annotations

import getpass
import secrets
import sys
from pathlib import Path
from typing import ClassVar

from jupyter_core.application import JupyterApp
from traitlets import Unicode
from traitlets.config import Application

from . import __version__
from .app import LearnFlow
from .database import Database
from .errors import LearnFlowError
from .services.content import load_course


class LearnFlowCommand(JupyterApp):
    """Base of the commands: loads LearnFlow's configuration."""

    version = __version__
    classes: ClassVar[list[type]] = [LearnFlow]

    def load_config_file(self, suppress_errors: bool = True) -> None:
        """Read the server's configuration files too, where LearnFlow's settings live."""
        super().load_config_file(suppress_errors)
        for name in ("jupyter_server_config", "jupyter_learnflow_config"):
            Application.load_config_file(self, name, path=self.config_file_paths)

    def settings(self) -> LearnFlow:
        """Return LearnFlow's configuration as the server would see it."""
        return LearnFlow(config=self.config, log=self.log)

    def fail(self, message: str) -> None:
        print(f"error: {message}", file=sys.stderr)
        self.exit(1)


class ValidateCommand(LearnFlowCommand):
    name = "jupyter-learnflow-validate"
    description = "Check a course directory and list every problem; exit 1 if there are any."
    examples = "jupyter learnflow validate notebooks/"

    def start(self) -> None:
        if len(self.extra_args) != 1:
            self.fail("give exactly one course directory: jupyter learnflow validate DIR")
        course = load_course(Path(self.extra_args[0]))

        for problem in course.problems:
            print(f"{problem.path}: {problem.problem}")
        print(
            f"{len(course.modules)} modules, {course.lesson_count} lessons, "
            f"{course.exercise_count} exercises, {len(course.problems)} problems"
        )
        self.exit(1 if course.problems else 0)


class DatabaseUpgradeCommand(LearnFlowCommand):
    name = "jupyter-learnflow-db-upgrade"
    description = "Bring LearnFlow's database schema up to date (the server also does at start)."

    def start(self) -> None:
        database = Database(self.settings().database_url, log=self.log)
        try:
            database.upgrade_schema()
        finally:
            database.close()
        print(f"{database.display_url}: schema is up to date")


class DatabaseCommand(LearnFlowCommand):
    name = "jupyter-learnflow-db"
    description = "Manage LearnFlow's database."
    subcommands: ClassVar[dict[str, tuple[type, str]]] = {
        "upgrade": (DatabaseUpgradeCommand, DatabaseUpgradeCommand.description),
    }

    def start(self) -> None:
        if self.subapp is None:
            self.fail("name a database command: upgrade")
        super().start()


class UserAddCommand(LearnFlowCommand):
    name = "jupyter-learnflow-user-add"
    description = """Create an account of any role. The password is asked for, or read from
    the first line of standard input when it is not a terminal."""
    examples = "jupyter learnflow user add --email ada@example.org --name Ada --role teacher"

    email = Unicode(help="Email address of the new account.").tag(config=True)
    full_name = Unicode(help="Name shown to others.").tag(config=True)
    role = Unicode("student", help="student or teacher.").tag(config=True)

    aliases: ClassVar[dict[str, str]] = {
        "email": "UserAddCommand.email",
        "name": "UserAddCommand.full_name",
        "role": "UserAddCommand.role",
    }

    def start(self) -> None:
        if not self.email or not self.full_name:
            self.fail("--email and --name are required")
        password = self._read_password()

        settings = self.settings()
        settings.database = Database(settings.database_url, log=self.log)
        try:
            settings.database.upgrade_schema()
            # Creating an account signs no token: a throwaway secret spares the
            # command from creating or reading the server's own.
            accounts = settings.account_service(signing_secret=secrets.token_bytes(32))
            user = accounts.create_user(
                email=self.email, password=password, name=self.full_name, role=self.role
            )
        except LearnFlowError as error:
            problems = getattr(error, "problems", [])
            self.fail("; ".join(f"{p.field} {p.message}" for p in problems) or error.message)
        finally:
            settings.database.close()
        print(f"created {user['role']} {user['email']} with id {user['id']}")

    @staticmethod
    def _read_password() -> str:
        if sys.stdin.isatty():
            password = getpass.getpass("Password: ")
            if password != getpass.getpass("Repeat password: "):
                print("error: the passwords differ", file=sys.stderr)
                sys.exit(1)
            return password
        return sys.stdin.readline().rstrip("\n")


class UserCommand(LearnFlowCommand):
    name = "jupyter-learnflow-user"
    description = "Manage LearnFlow accounts."
    subcommands: ClassVar[dict[str, tuple[type, str]]] = {
        "add": (UserAddCommand, "Create an account of any role.")
    }

    def start(self) -> None:
        if self.subapp is None:
            self.fail("name a user command: add")
        super().start()


class LearnFlowCLI(LearnFlowCommand):
    name = "jupyter-learnflow"
    description = "Manage a LearnFlow installation."
    subcommands: ClassVar[dict[str, tuple[type, str]]] = {
        "validate": (ValidateCommand, ValidateCommand.description),
        "db": (DatabaseCommand, DatabaseCommand.description),
        "user": (UserCommand, UserCommand.description),
        "serve": (
            "learnflow_ext.serve.LearnFlowServer",
            "Serve LearnFlow alone, as a JupyterHub service or for external frontends.",
        ),
    }

    def start(self) -> None:
        if self.subapp is None:
            self.print_subcommands()
            self.exit(1)
        super().start()


main = LearnFlowCLI.launch_instance
