"""Validate many documents with a pool of worker processes.

saxonche keeps the GIL while it transforms, so threads give no parallelism: batches use
processes. Workers are *spawned* (a GraalVM isolate cannot be forked safely); each builds
its own :class:`Validator` with the same kit and disk cache — the first worker to compile a
schematron writes it to the cache, the others then only load it (writes are atomic). With
``preload`` each worker compiles the profiles as it starts, so that cost is paid once per
worker and not in the middle of the batch.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import Future, ProcessPoolExecutor, as_completed
from pathlib import Path
from types import TracebackType

from esante.cda.validate._kit import BODY_PROFILES, STRUCMIN, Kit, default_cache_dir
from esante.cda.validate._report import BatchItem
from esante.cda.validate._validator import Validator
from esante.errors import EsanteError

_worker: Validator | None = None


def _init_worker(
    kit: str, cache_dir: str | None, guards: bool, preload: tuple[str, ...] | None
) -> None:
    global _worker
    _worker = Validator(kit, cache_dir=Path(cache_dir) if cache_dir else None, guards=guards)
    if preload is not None:
        _worker.preload(preload or None)


def _validate_in_worker(path: Path, dmp: bool = False) -> BatchItem:
    assert _worker is not None, "worker not initialised"
    try:
        return BatchItem(path, report=_worker.validate(path, dmp=dmp))
    except EsanteError as exc:
        return BatchItem(path, error=exc)


class BatchValidator:
    """A pool of ``workers`` validating processes (use as a context manager).

    ``workers`` defaults to the number of CPUs. ``preload``: True compiles the profiles in
    each worker as it starts, a sequence of kit paths (``schematrons/CI-SIS_….sch``)
    compiles those too, False compiles on demand. The pool stays warm between calls to
    :meth:`validate_many`.
    """

    def __init__(
        self,
        kit: Path | str | None = None,
        *,
        workers: int | None = None,
        cache_dir: Path | None = None,
        guards: bool = True,
        preload: bool | Sequence[str] = True,
    ) -> None:
        located = Kit.locate(kit)
        if preload is True:
            names: tuple[str, ...] | None = ()
        elif preload is False:
            names = None
        else:
            names = (STRUCMIN, *BODY_PROFILES, *preload)
        cache = cache_dir if cache_dir is not None else default_cache_dir()
        self.workers = max(1, workers or os.cpu_count() or 1)
        self._pool = ProcessPoolExecutor(
            max_workers=self.workers,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=_init_worker,
            initargs=(str(located.root), str(cache), guards, names),
        )

    def validate_many(
        self,
        paths: Iterable[Path],
        *,
        dmp: bool = False,
        progress: Callable[[BatchItem], None] | None = None,
    ) -> list[BatchItem]:
        """Validate ``paths``; results in input order, ``progress`` called as each ends.

        ``dmp=True`` adds esante's DMP-feeding checks to each report.
        """
        ordered: Sequence[Path] = [Path(p) for p in paths]
        futures: dict[Future[BatchItem], int] = {
            self._pool.submit(_validate_in_worker, path, dmp): i for i, path in enumerate(ordered)
        }
        results: list[BatchItem | None] = [None] * len(ordered)
        for future in as_completed(futures):
            item = future.result()
            results[futures[future]] = item
            if progress is not None:
                progress(item)
        return [item for item in results if item is not None]

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)

    def __enter__(self) -> BatchValidator:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


def validate_many(
    paths: Iterable[Path],
    *,
    workers: int | None = None,
    kit: Path | str | None = None,
    cache_dir: Path | None = None,
    dmp: bool = False,
    progress: Callable[[BatchItem], None] | None = None,
) -> list[BatchItem]:
    """Validate many documents in ``workers`` processes; one :class:`BatchItem` per path.

    With ``workers=1`` the documents are validated in this process (no pool). A document
    that cannot be read gives an item with ``error`` set; the batch goes on.

    Raises :class:`KitError` when the kit is missing or incomplete.
    """
    ordered = [Path(p) for p in paths]
    if workers == 1:
        validator = Validator(
            kit, cache_dir=cache_dir if cache_dir is not None else default_cache_dir()
        )
        items: list[BatchItem] = []
        for path in ordered:
            try:
                item = BatchItem(path, report=validator.validate(path, dmp=dmp))
            except EsanteError as exc:
                item = BatchItem(path, error=exc)
            items.append(item)
            if progress is not None:
                progress(item)
        return items
    with BatchValidator(kit, workers=workers, cache_dir=cache_dir) as batch:
        return batch.validate_many(ordered, dmp=dmp, progress=progress)
