from __future__ import annotations

from typing import Any


class ApplicationError(Exception):
    """An expected business-rule failure; views turn it into a form error or a 400."""

    def __init__(self, message: str, extra: dict[str, Any] | None = None, code: str = "invalid"):
        super().__init__(message)
        self.message = message
        self.extra = extra or {}
        self.code = code
