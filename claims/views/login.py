"""The sign-in screen: Django's login view with the lockout form; a locked-out attempt is a 429."""

from __future__ import annotations

from django.contrib.auth import views as auth_views
from django.http import HttpResponse

from claims.forms import LockoutAuthenticationForm


class LoginView(auth_views.LoginView):
    form_class = LockoutAuthenticationForm

    def form_invalid(self, form: LockoutAuthenticationForm) -> HttpResponse:  # type: ignore[override]
        response = super().form_invalid(form)
        if form.retry_after:
            # A status and Retry-After that scripts and monitoring can see, not only the words.
            response.status_code = 429
            response["Retry-After"] = str(form.retry_after)
        return response
