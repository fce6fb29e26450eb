"""django-axes hooks (AXES_USERNAME_CALLABLE in settings)."""

from __future__ import annotations

from django.http import HttpRequest

# Django's username column is 150 characters; axes stores attempts in a 255-character one.
USERNAME_MAX = 150


def attempt_username(request: HttpRequest, credentials: dict | None = None) -> str | None:
    """The username a failed login is recorded and locked out under, cut to a username's length.

    Axes writes whatever was typed: 5,000 characters in the username field made the login page a
    500 on PostgreSQL (value too long). No account has a longer name, so the cut loses nothing.
    """
    if credentials:
        value = credentials.get("username")
    else:
        value = getattr(request, "data", request.POST).get("username")
    if value is None:
        return None
    return str(value)[:USERNAME_MAX]
