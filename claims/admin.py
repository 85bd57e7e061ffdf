from django.contrib import admin
from django.http import HttpRequest

from claims.forms import LockoutAdminAuthenticationForm
from claims.models import ChecklistItem, Claim, Evidence, Job, Rating, Review, ScorerCalibration

# The admin's login tells a locked-out user so, like the web login (claims/services/logins.py).
admin.site.login_form = LockoutAdminAuthenticationForm


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


@admin.register(Rating)
class RatingAdmin(admin.ModelAdmin[Rating]):
    """The newsroom's rating scale. A rating reviews already use keeps what it meant: its slug, value,
    summary and published name are fixed (add a new rating and retire this one to change them)."""

    list_display = ["label", "slug", "alternate_name", "rating_value", "summary", "position", "active"]
    list_editable = ["position", "active"]
    ordering = ["position", "id"]

    def get_readonly_fields(self, request: HttpRequest, obj: Rating | None = None) -> list[str]:
        if obj is not None and Review.objects.filter(rating=obj).exists():
            return ["slug", "alternate_name", "rating_value", "summary"]
        return []


@admin.register(Evidence)
class EvidenceAdmin(admin.ModelAdmin[Evidence]):
    list_display = ["id", "claim", "sentence", "stance", "method", "score", "decision"]
    list_filter = ["stance", "method", "decision"]


@admin.register(Job)
class JobAdmin(admin.ModelAdmin[Job]):
    list_display = ["id", "kind", "state", "done", "total", "created_at", "finished_at"]
    list_filter = ["kind", "state"]


@admin.register(ScorerCalibration)
class ScorerCalibrationAdmin(admin.ModelAdmin[ScorerCalibration]):
    """Every calibration of link probabilities, the active one first, with the figures it was chosen on."""

    list_display = ["id", "active", "source", "created_at", "auto_at", "suggest_at", "auto_precision", "auto_recall"]
    list_filter = ["active", "source"]
    ordering = ["-active", "-created_at"]
    readonly_fields = ["created_at", "source", "scorer", "active", "fitted", "validation"]

    @admin.display(description="auto links from p")
    def auto_at(self, obj: ScorerCalibration) -> object:
        return obj.fitted.get("auto_at")

    @admin.display(description="suggested from p")
    def suggest_at(self, obj: ScorerCalibration) -> object:
        return obj.fitted.get("suggest_at")

    @admin.display(description="auto precision (out of fold)")
    def auto_precision(self, obj: ScorerCalibration) -> object:
        return obj.validation.get("auto_precision")

    @admin.display(description="auto recall (out of fold)")
    def auto_recall(self, obj: ScorerCalibration) -> object:
        return obj.validation.get("auto_recall")

    # A calibration is a record of what decided links: fitted by the command or the task, never edited.
    def has_add_permission(self, request: object) -> bool:
        return False

    def has_change_permission(self, request: object, obj: object = None) -> bool:
        return False


@admin.register(ChecklistItem)
class ChecklistItemAdmin(admin.ModelAdmin[ChecklistItem]):
    """The newsroom's per-claim checklist: steps in order; retire a step (active off) rather than delete it,
    since claims keep their ticks of it."""

    list_display = ["label", "position", "active"]
    list_editable = ["position", "active"]
    list_filter = ["active"]

    def has_delete_permission(self, request: object, obj: object = None) -> bool:
        return False
