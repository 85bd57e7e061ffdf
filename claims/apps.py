from django.apps import AppConfig


class ClaimsConfig(AppConfig):
    name = "claims"
    verbose_name = "Claims: claims, evidence, reviews, jobs"

    def ready(self) -> None:
        # Jobs and the webhook outbox send tasks by name (they must not import claims.tasks,
        # which imports them), so every process registers the tasks once the models are loaded.
        # Django's load order forces this import here: claims.tasks needs the models.
        from claims import tasks  # noqa: F401
