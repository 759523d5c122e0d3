"""Running students' Python code in sandboxed kernels, within quotas and fair limits."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import defaultdict
from typing import Any

from ..errors import (
    FieldProblem,
    InvalidInputError,
    PayloadTooLargeError,
    RateLimitedError,
    ServiceUnavailableError,
)
from .kernels import GRACE_S, KernelDiedError, KernelPool

LANGUAGES = ("python",)
STATUSES = ("ok", "error", "timeout", "memory_limit", "output_limit", "killed")
QUOTA_STATUSES = ("timeout", "memory_limit", "output_limit", "killed")


class ExecutionService:
    """Run code for a user on their own sandboxed kernel and report what happened."""

    def __init__(
        self,
        pool: KernelPool | None,
        *,
        refusal: str,
        max_code_bytes: int,
        max_in_flight_per_user: int,
        max_concurrent_runs: int,
        max_queued_runs: int,
        wall_time_limit_s: float,
        log: logging.Logger,
    ) -> None:
        self.pool = pool
        self.refusal = refusal
        self.max_code_bytes = max_code_bytes
        self.max_in_flight_per_user = max_in_flight_per_user
        self.max_queued_runs = max_queued_runs
        self.wall_time_limit_s = wall_time_limit_s
        self.log = log
        self._running = asyncio.Semaphore(max_concurrent_runs)
        self._waiting = 0
        self._in_flight: defaultdict[str, int] = defaultdict(int)
        self._user_locks: dict[str, asyncio.Lock] = {}

    async def execute(self, *, user_id: str, code: str, language: str) -> dict[str, Any]:
        """Run ``code`` and return output, errors, execution time and status."""
        if language not in LANGUAGES:
            raise InvalidInputError(
                f"language {language!r} is not supported",
                problems=[FieldProblem("language", f"must be one of {', '.join(LANGUAGES)}")],
            )
        result = await self._admit(user_id, code, None)
        del result["tests"]
        return result

    async def grade(
        self, *, user_id: str, code: str, tests: str, names: list[str]
    ) -> dict[str, Any]:
        """Run ``code`` as a program, then the hidden ``tests`` against it, in a fresh process.

        ``names`` are the test functions to call, in order. Returns what ``execute`` does,
        and under ``tests`` each test's name, pass or fail and message, or None when the
        run ended before it could report them.
        """
        return await self._admit(user_id, code, {"tests": tests, "names": names})

    async def _admit(
        self, user_id: str, code: str, grading: dict[str, Any] | None
    ) -> dict[str, Any]:
        """Run ``code`` once the user's and the server's limits allow it."""
        if len(code.encode()) > self.max_code_bytes:
            raise PayloadTooLargeError(
                f"the code is larger than {self.max_code_bytes} bytes", code="code_too_large"
            )
        if self.pool is None:
            raise ServiceUnavailableError(self.refusal, code="execution_unavailable")
        if self._in_flight[user_id] >= self.max_in_flight_per_user:
            raise RateLimitedError(
                "you already have code running; wait for it to finish",
                retry_after_s=1,
                code="too_many_runs",
            )
        if self._would_wait(user_id) and self._waiting >= self.max_queued_runs:
            raise ServiceUnavailableError(
                "the server is running too much code right now; try again shortly",
                retry_after_s=2,
                code="execution_queue_full",
            )

        self._in_flight[user_id] += 1
        try:
            return await self._run_in_turn(user_id, code, grading)
        finally:
            self._in_flight[user_id] -= 1
            if not self._in_flight[user_id]:
                del self._in_flight[user_id]
                self._user_locks.pop(user_id, None)

    def _would_wait(self, user_id: str) -> bool:
        user_lock = self._user_locks.get(user_id)
        return self._running.locked() or (user_lock is not None and user_lock.locked())

    async def _run_in_turn(
        self, user_id: str, code: str, grading: dict[str, Any] | None
    ) -> dict[str, Any]:
        self._waiting += 1
        try:
            user_lock = self._user_locks.setdefault(user_id, asyncio.Lock())
            await user_lock.acquire()
            try:
                await self._running.acquire()
            except BaseException:
                user_lock.release()
                raise
        finally:
            self._waiting -= 1
        try:
            return await self._run(user_id, code, grading)
        finally:
            self._running.release()
            user_lock.release()

    async def _run(self, user_id: str, code: str, grading: dict[str, Any] | None) -> dict[str, Any]:
        assert self.pool is not None
        kernel = await self.pool.kernel_for(user_id)
        kernel.busy = True
        started = time.monotonic()
        test_results = None
        try:
            timeout_s = self.wall_time_limit_s + GRACE_S
            result = await kernel.run(code, timeout_s=timeout_s, grading=grading)
            status, output, errors = result.status, result.stdout, result.stderr
            test_results = result.tests
            if status not in STATUSES:
                self.log.warning("kernel of user %s reported unknown status %r", user_id, status)
                status = "error"
        except KernelDiedError as error:
            status, output = "killed", ""
            errors = "Stopped: the program crashed the Python process running it.\n"
            self.log.warning("kernel of user %s died: %s; replacing it", user_id, error)
            await self.pool.discard(kernel)
        finally:
            kernel.busy = False
            kernel.last_used = time.monotonic()
        elapsed = time.monotonic() - started

        if status in QUOTA_STATUSES:
            self.log.warning("stopped a run of user %s: %s after %.2f s", user_id, status, elapsed)
        return {
            "output": output,
            "errors": errors,
            "execution_time": round(elapsed, 4),
            "status": status,
            "tests": test_results,
        }

    async def shutdown(self) -> None:
        if self.pool is not None:
            with contextlib.suppress(Exception):
                await self.pool.shutdown()
