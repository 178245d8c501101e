"""Glue between Snakemake scripts and the package: logging, clean errors, no partial outputs.

Every ``workflow/scripts/*.py`` calls :func:`run_step` with a function that takes the
``snakemake`` object. A user-fixable problem (:class:`~proteosig.errors.InputError`) is
printed as one line, without traceback; any other failure keeps its traceback in the
rule's log. Either way the step's outputs are deleted so nothing half-written survives.
"""

from __future__ import annotations

import logging
import shutil
import sys
import time
import traceback
from collections.abc import Callable
from pathlib import Path

from proteosig.errors import InputError

log = logging.getLogger("proteosig")


def _configure_logging(log_path: str | None) -> None:
    handlers: list[logging.Handler] = [logging.StreamHandler(sys.stderr)]
    if log_path:
        Path(log_path).parent.mkdir(parents=True, exist_ok=True)
        handlers.append(logging.FileHandler(log_path, mode="w"))
    # Our messages at INFO; third-party libraries (matplotlib's font manager) at WARNING.
    logging.basicConfig(
        level=logging.WARNING,
        format="%(asctime)s %(levelname)s %(message)s",
        handlers=handlers,
        force=True,
    )
    log.setLevel(logging.INFO)


def _remove(paths) -> None:
    for path in paths:
        path = Path(path)
        if path.is_dir():
            shutil.rmtree(path, ignore_errors=True)
        elif path.exists():
            path.unlink()


def run_step(snakemake, step: Callable, *, name: str | None = None) -> None:
    """Run ``step(snakemake)`` with logging to the rule's log file and clean failure."""
    log_path = snakemake.log[0] if len(snakemake.log) else None
    _configure_logging(log_path)
    label = name or getattr(snakemake, "rule", "step")
    started = time.perf_counter()
    try:
        step(snakemake)
    except InputError as err:
        _remove(snakemake.output)
        log.error("%s", err.message)
        sys.stderr.write(f"\nproteosig error: {err.message}\n\n")
        sys.stderr.flush()
        raise SystemExit(1) from None  # the message says all a user needs: no traceback
    except Exception:
        _remove(snakemake.output)
        log.error("unexpected failure in %s:\n%s", label, traceback.format_exc())
        sys.stderr.write(
            f"\nproteosig error: step {label!r} failed unexpectedly; the traceback is in "
            f"{log_path}. Please report it with that log.\n\n"
        )
        sys.stderr.flush()
        raise SystemExit(1) from None
    log.info("%s finished in %.1f s", label, time.perf_counter() - started)
