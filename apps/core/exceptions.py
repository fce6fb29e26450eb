from __future__ import annotations

from typing import Any


class ApplicationError(Exception):
    """An expected business-rule failure; views turn it into a form error or a 400."""

    # Codes that are not plain input errors, and the HTTP status the API answers them with.
    STATUS_BY_CODE = {
        "not_found": 404,
        "conversation_closed": 409,
        "conversation_open": 409,
        "already_rated": 409,
        "no_queue": 409,
        "conflict": 409,
    }

    def __init__(self, message: str, extra: dict[str, Any] | None = None, code: str = "invalid"):
        super().__init__(message)
        self.message = message
        self.extra = extra or {}
        self.code = code

    @property
    def status(self) -> int:
        return self.STATUS_BY_CODE.get(self.code, 400)
