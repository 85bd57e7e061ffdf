"""Reviewer web interface routes."""

from django.urls import URLPattern, URLResolver, path

from claims import views

app_name = "claims"
urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.article_list, name="article-list"),
    path("dashboard/", views.dashboard, name="dashboard"),
    path("queue/", views.review_queue, name="queue"),
    path("queue/release/", views.queue_release, name="queue-release"),
    path("search/", views.search, name="search"),
    path("articles/<int:article_id>/", views.article_detail, name="article-detail"),
    path("articles/<int:article_id>/claims/add/", views.claim_add, name="claim-add"),
    path("claims/<int:claim_id>/", views.claim_detail, name="claim-detail"),
    path("claims/<int:claim_id>/edit/", views.claim_edit, name="claim-edit"),
    path("claims/<int:claim_id>/split/", views.claim_split, name="claim-split"),
    path("claims/<int:claim_id>/delete/", views.claim_delete, name="claim-delete"),
    path("claims/<int:claim_id>/group/", views.claim_group, name="claim-group"),
    path("claims/<int:claim_id>/restore/", views.claim_restore, name="claim-restore"),
    path("evidence/<int:evidence_id>/decide/", views.evidence_decide, name="evidence-decide"),
    path("groups/", views.group_list, name="group-list"),
    path("groups/<int:group_id>/", views.group_detail, name="group-detail"),
    path("groups/<int:group_id>/merge/", views.group_merge, name="group-merge"),
    path("groups/<int:group_id>/split/", views.group_split, name="group-split"),
    path("groups/<int:group_id>/canonical/", views.group_canonical, name="group-canonical"),
    path("upload/", views.upload, name="upload"),
    path("jobs/recompute/", views.recompute, name="recompute"),
    path("jobs/<int:job_id>/", views.job_detail, name="job-detail"),
    path("jobs/<int:job_id>/progress/", views.job_progress, name="job-progress"),
]
