"""Reviewer web interface routes."""

from django.urls import URLPattern, URLResolver, path

from claims import views

app_name = "claims"
urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.article_list, name="article-list"),
    path("articles/<int:article_id>/", views.article_detail, name="article-detail"),
    path("claims/<int:claim_id>/", views.claim_detail, name="claim-detail"),
    path("evidence/<int:evidence_id>/decide/", views.evidence_decide, name="evidence-decide"),
    path("upload/", views.upload, name="upload"),
    path("jobs/<int:job_id>/", views.job_detail, name="job-detail"),
]
