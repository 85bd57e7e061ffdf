from django.contrib import admin
from django.urls import include, path

from claims.views.login import LoginView
from workbench import health

# Under /api/ these answer in the API's JSON error shape; elsewhere with Django's pages.
handler400 = "claims.api.errors.bad_request"
handler403 = "claims.api.errors.permission_denied"
handler404 = "claims.api.errors.page_not_found"
handler500 = "claims.api.errors.server_error"

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
