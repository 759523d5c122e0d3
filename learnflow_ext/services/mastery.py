"""How well a student knows a topic, estimated with Bayesian Knowledge Tracing.

Knowledge tracing (Corbett and Anderson, 1995) treats knowing a topic as a hidden yes
or no, and every graded attempt as noisy evidence of it. Four probabilities describe a
topic: that the student knows it before any practice (``p_init``), learns it at each
attempt (``p_learn``), passes without knowing it (``p_guess``), and fails although they
know it (``p_slip``). After each attempt the estimate is first corrected by Bayes' rule
for what the outcome shows, then raised by the chance of having learnt from the attempt.
A topic counts as mastered once the estimate reaches 0.95.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, fields

MASTERED_AT = 0.95
PARAMETERS = ("p_init", "p_learn", "p_guess", "p_slip")


@dataclass(frozen=True)
class KnowledgeTracing:
    """The four parameters of one topic, and the updates they define.

    The defaults lie in the ranges reported for programming and mathematics tutors:
    guessing at most 0.3 and slipping at most 0.1 keep a pass meaning more than a
    failure (Baker, Corbett and Aleven, 2008).
    """

    p_init: float = 0.25
    p_learn: float = 0.1
    p_guess: float = 0.2
    p_slip: float = 0.1

    def __post_init__(self) -> None:
        for parameter in fields(self):
            value = getattr(self, parameter.name)
            if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value < 1:
                raise ValueError(f"{parameter.name} must be a number in [0, 1)")
        if self.p_guess + self.p_slip >= 1:
            # Otherwise passing would be evidence of not knowing the topic.
            raise ValueError("p_guess + p_slip must be below 1")

    def update(self, p_known: float, passed: bool) -> float:
        """Return the probability the student knows the topic after one graded attempt."""
        if passed:
            shown = p_known * (1 - self.p_slip)
            evidence = shown / (shown + (1 - p_known) * self.p_guess)
        else:
            shown = p_known * self.p_slip
            evidence = shown / (shown + (1 - p_known) * (1 - self.p_guess))
        return evidence + (1 - evidence) * self.p_learn

    def trace(self, outcomes: Iterable[bool]) -> float:
        """Return the estimate after a student's attempts, oldest first."""
        p_known = self.p_init
        for passed in outcomes:
            p_known = self.update(p_known, passed)
        return p_known

    def chance_to_pass(self, p_known: float) -> float:
        """Return the probability that the next attempt passes."""
        return p_known * (1 - self.p_slip) + (1 - p_known) * self.p_guess


def is_mastered(p_known: float) -> bool:
    return p_known >= MASTERED_AT
