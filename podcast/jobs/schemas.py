"""What the jobs API answers: defined in ``podcast.core.job_schemas`` so that domain routes that
queue a job (a transcription) answer with the same shape."""

from __future__ import annotations

from podcast.core.job_schemas import JobList, JobRead

__all__ = ["JobList", "JobRead"]
