from django.contrib import admin
from django.urls import include, path

from claims.views.login import LoginView
from workbench import health

urlpatterns = [
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("admin/", admin.site.urls),
    # Before Django's own: the login with the sign-in lockout (claims/services/logins.py).
    path("accounts/login/", LoginView.as_view(), name="login"),
    path("accounts/", include("django.contrib.auth.urls")),
    path("api/v1/", include("claims.api.urls")),
    path("", include("claims.urls")),
]
