"""How failed jobs are retried.

Procrastinate's `RetryStrategy` waits `exponential_wait ** (attempts + 1)` seconds with no ceiling, so
it can neither start at 1 s nor stop growing; this strategy does both.
"""

from __future__ import annotations

from procrastinate import BaseRetryStrategy, RetryDecision
from procrastinate.jobs import Job


class CappedExponentialRetry(BaseRetryStrategy):
    """Retry on any exception after 1 s, 2 s, 4 s … at most `max_wait` s; give up after `max_attempts` runs."""

    def __init__(self, *, max_attempts: int = 10, max_wait: int = 300) -> None:
        self.max_attempts = max_attempts
        self.max_wait = max_wait

    def wait_after(self, attempts: int) -> int:
        """Seconds before the next run, once `attempts` earlier runs (this one excluded) have failed."""
        return min(2**attempts, self.max_wait)

    def get_retry_decision(self, *, exception: BaseException, job: Job) -> RetryDecision | None:
        # `job.attempts` counts the runs before this one: this run is number attempts + 1.
        if job.attempts + 1 >= self.max_attempts:
            return None  # the job ends `failed`, where operators see it
        return RetryDecision(retry_in={"seconds": self.wait_after(job.attempts)})
