"""Background jobs: rows with items, run by Celery workers through ``runner.job_run``.

``state`` is the life of every job, ``ingest`` and ``match`` the work of each kind. Jobs
call services; services never call jobs; ``claims.tasks`` adapts ``runner`` to Celery.
"""
