"""Map botocore failures onto one error type the rest of the portal understands.

Callers branch on `retryable` only (Celery retries, the NLU circuit breaker), never on botocore
classes, so no module outside `apps/integrations/aws/` needs to import botocore.
"""

from __future__ import annotations

from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    ConnectionClosedError,
    ConnectTimeoutError,
    EndpointConnectionError,
    ReadTimeoutError,
)

# Transient on AWS's side or ours: trying again later can succeed.
RETRYABLE_CODES = frozenset(
    {
        "ThrottlingException",
        "Throttling",
        "TooManyRequestsException",
        "RequestLimitExceeded",
        "ServiceQuotaExceededException",
        "LimitExceededException",
        "InternalServerException",
        "InternalFailureException",
        "InternalServiceError",
        "ServiceUnavailable",
        "ServiceUnavailableException",
        "DependencyFailedException",
        "BadGatewayException",
    }
)
# Our request or our configuration is wrong: retrying sends the same mistake again.
PERMANENT_CODES = frozenset(
    {
        "AccessDeniedException",
        "ValidationException",
        "ResourceNotFoundException",
        "BadRequestException",
        "ConflictException",
        "InvalidParameterException",
        "InvalidRequestException",
        "UnrecognizedClientException",
    }
)
_TRANSIENT_TRANSPORT = (
    ReadTimeoutError,
    ConnectTimeoutError,
    EndpointConnectionError,
    ConnectionClosedError,
)


class IntegrationError(Exception):
    """An AWS call failed; `retryable` says whether trying again later may succeed."""

    def __init__(self, message: str, *, retryable: bool, code: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.retryable = retryable
        self.code = code

    def __repr__(self) -> str:
        return f"IntegrationError({self.message!r}, retryable={self.retryable}, code={self.code!r})"

    def __reduce__(self) -> tuple:
        # Keyword-only arguments: pickle (Celery results) would otherwise lose them.
        return (_rebuild_integration_error, (self.message, self.retryable, self.code))


def _rebuild_integration_error(message: str, retryable: bool, code: str) -> IntegrationError:
    return IntegrationError(message, retryable=retryable, code=code)


def _from_client_error(exc: ClientError) -> IntegrationError:
    error = exc.response.get("Error", {})
    code = str(error.get("Code", ""))
    status = int(exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode") or 0)
    if code in RETRYABLE_CODES:
        retryable = True
    elif code in PERMANENT_CODES:
        retryable = False
    else:
        # Unknown codes: trust the HTTP status class (429 and 5xx are transient).
        retryable = status == 429 or status >= 500
    return IntegrationError(error.get("Message") or str(exc), retryable=retryable, code=code)


def wrap_client_error(exc: Exception) -> IntegrationError:
    """Translate a botocore exception (ClientError or transport error) into IntegrationError."""
    if isinstance(exc, IntegrationError):
        return exc
    if isinstance(exc, ClientError):
        return _from_client_error(exc)
    if isinstance(exc, _TRANSIENT_TRANSPORT):
        return IntegrationError(str(exc), retryable=True, code=type(exc).__name__)
    if isinstance(exc, BotoCoreError):
        # NoCredentialsError, ParamValidationError, ...: configuration, not weather.
        return IntegrationError(str(exc), retryable=False, code=type(exc).__name__)
    return IntegrationError(str(exc), retryable=False, code=type(exc).__name__)
