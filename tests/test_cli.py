"""The ``jupyter learnflow`` command and the extension's registration, run as an operator would."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from sqlalchemy import create_engine, inspect, select
from sqlalchemy.orm import Session

from learnflow_ext import __version__
from learnflow_ext.app import bundled_course_dir
from learnflow_ext.database import Database
from learnflow_ext.models import Base, User
from learnflow_ext.services.content import load_course

PASSWORD = "correct horse battery"
ANSI_COLOUR = re.compile(r"\x1b\[[0-9;]*m")


def isolated_env(home: Path) -> dict[str, str]:
    """Return an environment whose Jupyter configuration and data all live under ``home``."""
    env = {
        **os.environ,
        "JUPYTER_CONFIG_DIR": str(home / "config"),
        "JUPYTER_DATA_DIR": str(home / "data"),
        "JUPYTER_RUNTIME_DIR": str(home / "runtime"),
    }
    env.pop("LEARNFLOW_DATABASE_URL", None)
    return env


@pytest.fixture
def jupyter_env(tmp_path: Path) -> dict[str, str]:
    return isolated_env(tmp_path)


@pytest.fixture
def database_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'learnflow.db'}"


def jupyter(
    *args: str, env: dict[str, str], stdin: str = "", cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["jupyter", *args],
        input=stdin,
        capture_output=True,
        text=True,
        env=env,
        cwd=cwd,
        timeout=60,
        check=False,
    )


def add_user(
    env: dict[str, str],
    database_url: str,
    *,
    email: str = "tess@example.org",
    name: str = "Tess Teacher",
    role: str = "teacher",
    password: str = PASSWORD,
) -> subprocess.CompletedProcess[str]:
    return jupyter(
        "learnflow",
        "user",
        "add",
        f"--email={email}",
        f"--name={name}",
        f"--role={role}",
        f"--LearnFlow.database_url={database_url}",
        env=env,
        stdin=f"{password}\n",
    )


def upgrade_schema(database_url: str) -> None:
    database = Database(database_url)
    try:
        database.upgrade_schema()
    finally:
        database.close()


def stored_users(database_url: str) -> list[User]:
    engine = create_engine(database_url)
    try:
        with Session(engine) as session:
            return list(session.scalars(select(User)))
    finally:
        engine.dispose()


def table_names(database_url: str) -> set[str]:
    engine = create_engine(database_url)
    try:
        return set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


# -- validate -----------------------------------------------------------------------------------


def test_validate_bundled_course_exits_0_and_prints_counts(jupyter_env: dict[str, str]) -> None:
    course = load_course(bundled_course_dir())

    finished = jupyter("learnflow", "validate", str(bundled_course_dir()), env=jupyter_env)

    assert finished.returncode == 0, finished.stderr
    assert finished.stdout == (
        f"{len(course.modules)} modules, {course.lesson_count} lessons, "
        f"{course.exercise_count} exercises, 0 problems\n"
    )


def test_validate_course_with_broken_notebooks_exits_1_and_lists_each(
    jupyter_env: dict[str, str], tmp_path: Path
) -> None:
    course_dir = Path(shutil.copytree(bundled_course_dir(), tmp_path / "course"))
    (course_dir / "01-values-and-variables" / "lesson-04-broken.ipynb").write_text("not json")
    (course_dir / "03-loops" / "exercise-02-fizzbuzz.ipynb").write_text("{}")

    finished = jupyter("learnflow", "validate", str(course_dir), env=jupyter_env)

    assert finished.returncode == 1
    problem_lines = finished.stdout.splitlines()[:-1]
    assert [line.split(": ")[0] for line in problem_lines] == [
        "01-values-and-variables/lesson-04-broken.ipynb",
        "03-loops/exercise-02-fizzbuzz.ipynb",
    ]
    assert finished.stdout.splitlines()[-1].endswith(", 2 problems")


def test_validate_missing_directory_exits_1(jupyter_env: dict[str, str], tmp_path: Path) -> None:
    finished = jupyter("learnflow", "validate", str(tmp_path / "nowhere"), env=jupyter_env)

    assert finished.returncode == 1
    assert f"{tmp_path / 'nowhere'}: is not a directory" in finished.stdout


def test_validate_without_directory_exits_nonzero_and_says_why(
    jupyter_env: dict[str, str],
) -> None:
    finished = jupyter("learnflow", "validate", env=jupyter_env)

    assert finished.returncode != 0
    assert "course directory" in finished.stderr


# -- db upgrade ---------------------------------------------------------------------------------


def test_db_upgrade_creates_every_table(jupyter_env: dict[str, str], database_url: str) -> None:
    finished = jupyter(
        "learnflow", "db", "upgrade", f"--LearnFlow.database_url={database_url}", env=jupyter_env
    )

    assert finished.returncode == 0, finished.stderr
    assert table_names(database_url) == {*Base.metadata.tables, "alembic_version"}


def test_db_upgrade_reads_database_url_from_server_config(
    jupyter_env: dict[str, str], database_url: str
) -> None:
    config_dir = Path(jupyter_env["JUPYTER_CONFIG_DIR"])
    config_dir.mkdir()
    (config_dir / "jupyter_server_config.json").write_text(
        json.dumps({"LearnFlow": {"database_url": database_url}})
    )

    finished = jupyter("learnflow", "db", "upgrade", env=jupyter_env)

    assert finished.returncode == 0, finished.stderr
    assert "users" in table_names(database_url)


def test_db_upgrade_without_configuration_uses_jupyter_data_dir(
    jupyter_env: dict[str, str],
) -> None:
    finished = jupyter("learnflow", "db", "upgrade", env=jupyter_env)

    assert finished.returncode == 0, finished.stderr
    database = Path(jupyter_env["JUPYTER_DATA_DIR"]) / "learnflow" / "learnflow.db"
    assert "users" in table_names(f"sqlite:///{database}")


def test_db_without_subcommand_exits_nonzero(jupyter_env: dict[str, str]) -> None:
    finished = jupyter("learnflow", "db", env=jupyter_env)

    assert finished.returncode != 0


# -- user add -----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def added_teacher(
    tmp_path_factory: pytest.TempPathFactory,
) -> tuple[subprocess.CompletedProcess[str], str]:
    """Run ``user add --role teacher`` once; return how it finished and the database URL."""
    home = tmp_path_factory.mktemp("added-teacher")
    database_url = f"sqlite:///{home / 'learnflow.db'}"
    finished = add_user(isolated_env(home), database_url, role="teacher", password=PASSWORD)
    return finished, database_url


def test_user_add_teacher_creates_teacher_account(
    added_teacher: tuple[subprocess.CompletedProcess[str], str],
) -> None:
    finished, database_url = added_teacher

    assert finished.returncode == 0, finished.stderr
    assert [(user.email, user.name, user.role) for user in stored_users(database_url)] == [
        ("tess@example.org", "Tess Teacher", "teacher")
    ]


def test_user_add_password_from_stdin_verifies_against_stored_hash(
    added_teacher: tuple[subprocess.CompletedProcess[str], str],
) -> None:
    _, database_url = added_teacher

    [user] = stored_users(database_url)

    assert user.password_hash.startswith("$argon2id$")
    assert PasswordHasher().verify(user.password_hash, PASSWORD)


def test_user_add_prints_account_but_never_password(
    added_teacher: tuple[subprocess.CompletedProcess[str], str],
) -> None:
    finished, _ = added_teacher

    assert finished.stdout.startswith("created teacher tess@example.org with id ")
    assert PASSWORD not in finished.stdout + finished.stderr


def test_user_add_without_role_creates_student(
    jupyter_env: dict[str, str], database_url: str
) -> None:
    finished = jupyter(
        "learnflow",
        "user",
        "add",
        "--email=sam@example.org",
        "--name=Sam",
        f"--LearnFlow.database_url={database_url}",
        env=jupyter_env,
        stdin=f"{PASSWORD}\n",
    )

    assert finished.returncode == 0, finished.stderr
    assert [user.role for user in stored_users(database_url)] == ["student"]


@pytest.mark.parametrize(
    ("field", "value", "complaint"),
    [
        ("password", "short", "password"),
        ("email", "not-an-email", "email"),
        ("role", "admin", "role"),
    ],
)
def test_user_add_invalid_field_exits_1_and_creates_nothing(
    jupyter_env: dict[str, str], database_url: str, field: str, value: str, complaint: str
) -> None:
    upgrade_schema(database_url)

    finished = add_user(jupyter_env, database_url, **{field: value})

    assert finished.returncode == 1
    assert f"error: {complaint}" in finished.stderr
    assert stored_users(database_url) == []


def test_user_add_existing_email_exits_1_and_keeps_first_account(
    jupyter_env: dict[str, str], database_url: str
) -> None:
    add_user(jupyter_env, database_url, name="First", role="teacher")

    finished = add_user(jupyter_env, database_url, name="Second", role="student")

    assert finished.returncode == 1
    assert [(user.name, user.role) for user in stored_users(database_url)] == [("First", "teacher")]


@pytest.mark.parametrize("missing", ["--email", "--name"])
def test_user_add_without_email_or_name_exits_1(
    jupyter_env: dict[str, str], database_url: str, missing: str
) -> None:
    options = {"--email": "--email=sam@example.org", "--name": "--name=Sam"}
    del options[missing]

    finished = jupyter(
        "learnflow",
        "user",
        "add",
        *options.values(),
        f"--LearnFlow.database_url={database_url}",
        env=jupyter_env,
        stdin=f"{PASSWORD}\n",
    )

    assert finished.returncode == 1
    assert "--email and --name are required" in finished.stderr


# -- registration with Jupyter ------------------------------------------------------------------


def test_server_extension_list_shows_learnflow_enabled_and_ok(
    jupyter_env: dict[str, str],
) -> None:
    finished = jupyter("server", "extension", "list", env=jupyter_env)

    lines = [ANSI_COLOUR.sub("", line).strip() for line in finished.stdout.splitlines()]
    assert finished.returncode == 0, finished.stderr
    assert "learnflow_ext enabled" in lines
    assert f"learnflow_ext {__version__} OK" in lines
