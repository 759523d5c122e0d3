"""Knowledge tracing, checked against values worked out by hand."""

from __future__ import annotations

import pytest

from learnflow_ext.services.mastery import KnowledgeTracing, is_mastered

# p_init 0.25, p_learn 0.1, p_guess 0.2, p_slip 0.1.
DEFAULTS = KnowledgeTracing()


def test_pass_from_the_prior_gives_the_hand_computed_estimate() -> None:
    # Bayes: 0.25 * 0.9 / (0.25 * 0.9 + 0.75 * 0.2) = 0.6; learning: 0.6 + 0.4 * 0.1.
    assert DEFAULTS.update(0.25, passed=True) == pytest.approx(0.64)


def test_failure_from_the_prior_gives_the_hand_computed_estimate() -> None:
    # Bayes: 0.25 * 0.1 / (0.25 * 0.1 + 0.75 * 0.8) = 0.04; learning: 0.04 + 0.96 * 0.1.
    assert DEFAULTS.update(0.25, passed=False) == pytest.approx(0.136)


def test_three_passes_in_a_row_give_the_hand_computed_estimate() -> None:
    # 0.25 -> 0.64 -> 0.9 -> 0.81 / 0.83 + (0.02 / 0.83) * 0.1
    assert DEFAULTS.trace([True, True, True]) == pytest.approx(0.81 / 0.83 + 0.002 / 0.83)


def test_no_attempts_leave_the_prior() -> None:
    assert DEFAULTS.trace([]) == 0.25


def test_three_passes_in_a_row_reach_mastery_and_two_do_not() -> None:
    assert not is_mastered(DEFAULTS.trace([True, True]))
    assert is_mastered(DEFAULTS.trace([True, True, True]))


def test_a_failure_after_passes_lowers_the_estimate() -> None:
    before = DEFAULTS.trace([True, True])

    assert DEFAULTS.update(before, passed=False) < before


def test_chance_to_pass_mixes_knowing_and_guessing() -> None:
    # 0.5 * 0.9 + 0.5 * 0.2
    assert DEFAULTS.chance_to_pass(0.5) == pytest.approx(0.55)


def test_parameters_of_a_topic_override_the_defaults() -> None:
    eager = KnowledgeTracing(p_learn=0.5)

    # Bayes as above gives 0.6; learning: 0.6 + 0.4 * 0.5.
    assert eager.update(0.25, passed=True) == pytest.approx(0.8)


@pytest.mark.parametrize(
    "parameters",
    [{"p_init": 1.0}, {"p_learn": -0.1}, {"p_guess": 1.5}, {"p_slip": "0.1"}],
    ids=["init-one", "negative-learn", "guess-above-one", "slip-as-text"],
)
def test_parameter_outside_0_to_1_is_refused(parameters: dict[str, object]) -> None:
    with pytest.raises(ValueError, match="must be a number"):
        KnowledgeTracing(**parameters)  # type: ignore[arg-type]


def test_guess_and_slip_adding_up_to_1_are_refused() -> None:
    with pytest.raises(ValueError, match="p_guess \\+ p_slip"):
        KnowledgeTracing(p_guess=0.6, p_slip=0.4)
