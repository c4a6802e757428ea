"""Render farm on Dask distributed: several jobs, and long shots split into segments, across
worker processes on this machine (``--workers N``) or a cluster (``--scheduler tcp://HOST:PORT``).
Modules: ``submit`` (the submitting side), ``tasks`` (what workers run), ``cluster``."""

from .submit import render_jobs

__all__ = ["render_jobs"]
