"""Reviewer web interface routes."""

from django.urls import URLPattern, URLResolver, path

from claims.views import articles, claim_pages, dashboard, desk, finding, groups, hand_links, jobs, queue

app_name = "claims"
urlpatterns: list[URLPattern | URLResolver] = [
    path("", articles.article_list, name="article-list"),
    path("dashboard/", dashboard.dashboard, name="dashboard"),
    path("queue/", queue.review_queue, name="queue"),
    path("queue/release/", queue.queue_release, name="queue-release"),
    path("queue/list/", queue.queue_list, name="queue-list"),
    path("mentions/", desk.mentions, name="mentions"),
    path("search/", finding.search, name="search"),
    path("entities/<path:key>/", finding.entity_detail, name="entity-detail"),
    path("articles/<int:article_id>/", articles.article_detail, name="article-detail"),
    path("articles/<int:article_id>/claims/add/", articles.claim_add, name="claim-add"),
    path("claims/<int:claim_id>/", claim_pages.claim_detail, name="claim-detail"),
    path("claims/<int:claim_id>/edit/", claim_pages.claim_edit, name="claim-edit"),
    path("claims/<int:claim_id>/split/", claim_pages.claim_split, name="claim-split"),
    path("claims/<int:claim_id>/delete/", claim_pages.claim_delete, name="claim-delete"),
    path("claims/<int:claim_id>/group/", groups.claim_group, name="claim-group"),
    path("claims/<int:claim_id>/restore/", claim_pages.claim_restore, name="claim-restore"),
    path("claims/<int:claim_id>/assign/", desk.claim_assign, name="claim-assign"),
    path("claims/<int:claim_id>/comments/", desk.claim_comment, name="claim-comment"),
    path("claims/<int:claim_id>/checklist/", desk.claim_check, name="claim-check"),
    path("evidence/<int:evidence_id>/decide/", claim_pages.evidence_decide, name="evidence-decide"),
    path("articles/<int:article_id>/link/", hand_links.evidence_link, name="evidence-link"),
    path("articles/<int:article_id>/link/claims/", hand_links.evidence_link_claims, name="evidence-link-claims"),
    path("claims/<int:claim_id>/evidence/decide/", hand_links.evidence_bulk_decide, name="evidence-bulk-decide"),
    path("groups/", groups.group_list, name="group-list"),
    path("groups/<int:group_id>/", groups.group_detail, name="group-detail"),
    path("groups/<int:group_id>/merge/", groups.group_merge, name="group-merge"),
    path("groups/<int:group_id>/merge/search/", groups.group_merge_search, name="group-merge-search"),
    path("groups/<int:group_id>/split/", groups.group_split, name="group-split"),
    path("groups/<int:group_id>/canonical/", groups.group_canonical, name="group-canonical"),
    path("upload/", jobs.upload, name="upload"),
    path("jobs/recompute/", jobs.recompute, name="recompute"),
    path("jobs/<int:job_id>/", jobs.job_detail, name="job-detail"),
    path("jobs/<int:job_id>/progress/", jobs.job_progress, name="job-progress"),
]
