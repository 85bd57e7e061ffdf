"""Reviewer web interface routes (owned by the web UI work)."""

from django.urls import URLPattern, URLResolver

app_name = "claims"
urlpatterns: list[URLPattern | URLResolver] = []
