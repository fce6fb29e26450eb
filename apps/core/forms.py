"""Helpers for forms shown on pages without room for field errors."""

from __future__ import annotations

from django import forms


def form_errors_text(form: forms.BaseForm) -> str:
    """A form's errors as one flash line, each named by its field's label."""
    parts = []
    for name, errors in form.errors.items():
        label = form.fields[name].label if name in form.fields else ""
        text = " ".join(str(error) for error in errors)
        parts.append(f"{label}: {text}" if label else text)
    return " ".join(parts)
