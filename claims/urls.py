"""Reviewer web interface routes (owned by the web UI work)."""

from django.urls import path

app_name = "claims"
urlpatterns: list = []
