"""What every worker process starts with, importable without numpy.

The zygote is started before the grader imports anything heavy (so its boot overlaps with the
grader's own imports); the grader's side of it needs only this module.
"""

from __future__ import annotations

CONFINEMENT_FAILED = 111  # exit status of a worker whose confinement could not be applied
CONFINEMENT_MARK = "grader: could not confine the worker:"  # how the zygote logs the reason


def base_env() -> dict[str, str]:
    """Nothing of the grader's environment: tokens, paths and CI secrets stay out of the worker."""
    return {
        "PATH": "/usr/local/bin:/usr/bin:/bin",
        "LANG": "C.UTF-8",
        "PYTHONHASHSEED": "0",
        "PYTHONDONTWRITEBYTECODE": "1",
        # One BLAS thread: deterministic sums, no thread pools eating the address-space limit.
        "OPENBLAS_NUM_THREADS": "1",
        "OMP_NUM_THREADS": "1",
        "MKL_NUM_THREADS": "1",
    }
