"""LearnFlow's settings: what they refuse, and where their defaults come from."""

from __future__ import annotations

import pytest
from traitlets import TraitError

from learnflow_ext.app import LearnFlow


@pytest.mark.parametrize(
    ("name", "example"),
    [
        ("tutor_llm_url", "https://api.openai.com/v1"),
        ("gateway_url", "https://gateway.example.org:8888"),
    ],
)
@pytest.mark.parametrize("value", ["ftp://example.org", "example.org:8888", "https://"])
def test_a_url_setting_that_is_not_an_http_url_is_refused_with_an_example(
    name: str, example: str, value: str
) -> None:
    with pytest.raises(TraitError, match=f"LearnFlow.{name}: .* such as {example}"):
        LearnFlow(**{name: value})


@pytest.mark.parametrize(
    ("name", "variable"),
    [
        ("jwt_secret", "LEARNFLOW_JWT_SECRET"),
        ("gateway_auth_token", "LEARNFLOW_GATEWAY_AUTH_TOKEN"),
        ("remote_api_url", "LEARNFLOW_API_URL"),
    ],
)
def test_a_setting_left_unset_comes_from_its_environment_variable(
    monkeypatch: pytest.MonkeyPatch, name: str, variable: str
) -> None:
    monkeypatch.setenv(variable, "x" * 40)

    assert getattr(LearnFlow(), name) == "x" * 40


def test_a_hub_users_server_uses_the_hub_services_api(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("LEARNFLOW_API_URL", raising=False)
    monkeypatch.setenv("JUPYTERHUB_USER", "ada")
    monkeypatch.setenv("JUPYTERHUB_BASE_URL", "/school/")

    assert LearnFlow().remote_api_url == "/school/services/learnflow/learnflow/api"


def test_a_server_outside_a_hub_serves_its_own_api(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("LEARNFLOW_API_URL", raising=False)
    monkeypatch.delenv("JUPYTERHUB_USER", raising=False)

    assert LearnFlow().remote_api_url == ""
