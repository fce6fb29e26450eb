from __future__ import annotations

from django import template

register = template.Library()


@register.filter
def krw(amount: int) -> str:
    """58300 → "58,300원"."""
    return f"{int(amount):,}원"
