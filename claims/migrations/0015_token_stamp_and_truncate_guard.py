from django.db import migrations, models
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.state import StateApps

from claims.services.tokens import password_stamp
from workbench.dbtriggers import install, truncate_refused

APPEND_ONLY_TABLES = ("claims_review", "claims_evidencedecision", "claims_claimrevision", "claims_groupdecision")


def stamps_fill(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    """Tokens issued before this migration count as issued under their user's current password;
    a token without a grant row gets one with the read scope (what it was treated as before)."""
    auth_token = apps.get_model("knox", "AuthToken")
    token_grant = apps.get_model("claims", "TokenGrant")
    for token in auth_token.objects.select_related("user").iterator():
        token_grant.objects.update_or_create(token=token, defaults={"password_stamp": password_stamp(token.user)})


class Migration(migrations.Migration):
    dependencies = [("claims", "0014_job_outbox")]

    operations = [
        migrations.AddField(
            model_name="tokengrant",
            name="password_stamp",
            field=models.CharField(
                blank=True,
                default="",
                help_text="SHA-256 of the user's password hash when the token was made",
                max_length=64,
            ),
        ),
        migrations.RunPython(stamps_fill, migrations.RunPython.noop),
        migrations.RunPython(*install(*(truncate_refused(table) for table in APPEND_ONLY_TABLES))),
    ]
