from django.contrib import admin

from claims.models import Claim, Evidence, Job, Review


@admin.register(Claim)
class ClaimAdmin(admin.ModelAdmin[Claim]):
    list_display = ["id", "text", "status", "article", "extractor"]
    list_filter = ["status", "extractor"]
    search_fields = ["text"]
    readonly_fields = ["status", "version", "key"]


@admin.register(Review)
class ReviewAdmin(admin.ModelAdmin[Review]):
    list_display = ["id", "claim", "verdict", "reviewer", "created_at"]
    list_filter = ["verdict"]

    # Reviews are append-only (the database refuses changes); the admin only shows them.
    def has_change_permission(self, request: object, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: object, obj: object = None) -> bool:
        return False


@admin.register(Evidence)
class EvidenceAdmin(admin.ModelAdmin[Evidence]):
    list_display = ["id", "claim", "sentence", "stance", "method", "score", "decision"]
    list_filter = ["stance", "method", "decision"]


@admin.register(Job)
class JobAdmin(admin.ModelAdmin[Job]):
    list_display = ["id", "kind", "state", "done", "total", "created_at", "finished_at"]
    list_filter = ["kind", "state"]
