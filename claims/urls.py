"""Reviewer web interface routes (owned by the web UI work)."""

app_name = "claims"
urlpatterns: list[URLPattern | URLResolver] = []
