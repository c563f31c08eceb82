"""Scale-out on Ray: the :class:`~qa.pipeline.executors.Executor` whose workers are Ray actors.

The driver (``process_batch``) plans the batch — hashes, skips what is stored — and stores each call as it comes
back, one transaction per call keyed by its content hash, so a retried file can never be stored twice. Each
actor holds one :class:`~qa.pipeline.processor.CallProcessor` (made by ``for_worker``: the driver's options at the
actor's CPU reservation) and loads its models once, on its first file. A file whose worker dies (killed, out of
memory) is given to a new worker, up to ``max_attempts`` times; then it is reported failed with that reason
(quarantined: the rest of the batch goes on). A model that cannot load stops the batch, as in-process.

Ray is optional (``pip install '.[ray]'``); without ``address`` a local Ray instance is started for the batch and
stopped after it. The workers' progress events come back with each file.
"""

from __future__ import annotations

import os
import sys
from collections import deque
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace

from qa.core.errors import ConfigError, ModelError
from qa.core.hooks import Hook
from qa.pipeline.executors import Failed, ItemResult, PlannedFile, failure_reason, run_one
from qa.pipeline.processor import CallProcessor

MAX_ATTEMPTS = 3


def _ray():
    try:
        import ray
    except ImportError:
        raise ConfigError("--executor ray needs Ray: pip install '.[ray]' (or run without --executor)") from None
    return ray


class Worker:
    """The actor's body: one processor, its models loaded on the first file and kept."""

    def __init__(self, processor: CallProcessor) -> None:
        self.processor = processor

    def run(self, item: PlannedFile) -> tuple[ItemResult, list]:
        events: list = []
        return run_one(item, self.processor, events.append), events

    def pid(self) -> int:
        return os.getpid()


@dataclass(frozen=True, slots=True)
class RayExecutor:
    address: str | None = None  # an existing cluster ("auto", "ray://host:10001"); None: a local one for the batch
    workers: int = 2
    cpus_per_worker: int = 1
    max_attempts: int = MAX_ATTEMPTS

    def execute(self, items: Sequence[PlannedFile], *, processor: CallProcessor, hook: Hook) -> Iterator[ItemResult]:
        if not 1 <= self.workers <= 256 or not 1 <= self.cpus_per_worker <= 64:
            raise ConfigError("--workers must be 1..256 and the CPUs per worker 1..64")
        ray = _ray()
        started_here = not ray.is_initialized()
        if started_here:
            ray.init(address=self.address, include_dashboard=False, log_to_driver=False,
                     num_cpus=None if self.address else self.workers * self.cpus_per_worker,
                     runtime_env={"env_vars": {"PYTHONPATH": os.pathsep.join(p for p in sys.path if p)}})
        try:
            yield from self._run(ray, list(items), processor, hook)
        finally:
            if started_here:
                ray.shutdown()

    def _run(self, ray, items: list[PlannedFile], processor: CallProcessor, hook: Hook) -> Iterator[ItemResult]:
        if not items:
            return
        actor_class = ray.remote(num_cpus=self.cpus_per_worker, max_restarts=0, max_task_retries=0)(Worker)
        shipped = ray.put(processor.for_worker(cpu_threads=self.cpus_per_worker))
        idle = [actor_class.remote(shipped) for _ in range(min(self.workers, len(items)))]
        queue = deque((item, 1) for item in items)
        pending: dict = {}  # object ref -> (item, actor, attempt)

        def submit() -> None:
            while queue and idle:
                item, attempt = queue.popleft()
                actor = idle.pop()
                pending[actor.run.remote(item)] = (item, actor, attempt)

        submit()
        while pending:
            (ref,), _ = ray.wait(list(pending), num_returns=1)
            item, actor, attempt = pending.pop(ref)
            result, died = self._result(ray, ref, item, attempt, queue, hook)
            # a worker that died is replaced by a new process (which loads the models again); only the file it was
            # on counts an attempt, never one that would have been sent to it next
            idle.append(actor_class.remote(shipped) if died else actor)
            if result is not None:
                yield result
            submit()

    def _result(self, ray, ref, item: PlannedFile, attempt: int, queue: deque,
                hook: Hook) -> tuple[ItemResult | None, bool]:
        """(the file's result, or None when it went back to the queue; whether its worker died)."""
        try:
            result, events = ray.get(ref)
        except ray.exceptions.RayTaskError as exc:  # run_one lets only ModelError (and interrupts) through
            cause = getattr(exc, "cause", None) or exc
            if isinstance(cause, ModelError):
                raise cause from None
            return Failed(item, failure_reason(cause, item.path), 0.0, attempts=attempt), False
        except ray.exceptions.RayActorError as exc:
            if attempt < self.max_attempts:
                queue.append((item, attempt + 1))
                return None, True
            return Failed(item, f"its worker died {attempt} times while processing it ({type(exc).__name__}); "
                          "quarantined: check the file (size, format), then `qa jobs retry`", 0.0,
                          attempts=attempt, quarantined=True), True
        for event in events:
            hook(event)
        return replace(result, attempts=attempt), False
