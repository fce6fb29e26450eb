"""The NLU seam used by the dialog: local ranker or Amazon Lex V2 (DESIGN.md §5, §8).

`get_nlu_backend(index_provider)` returns the backend `settings.NLU_BACKEND` names. Both answer
with an `NluResult`: ANSWER the single candidate, CLARIFY between the candidates, or FALLBACK.

Candidate keys are what the dialog resolves:
  * "faq:<pk>"          FAQ intent `FAQ_<pk>`;
  * "scenario:<code>"   scenario intent named by the scenario's `code` — the CODE, not the pk,
                        because Lex only knows codes; the dialog looks scenarios up by code.
Lex candidates carry the intent name as their label (Lex knows no display names); the dialog
shows the FAQ question / scenario name it resolves from the key.

The Lex backend sits behind a `CircuitBreaker` whose state lives in Django's cache, so every
process sharing a Redis cache sees one state (locmem: one per process). Any Lex failure, and
every request while the breaker is open, is answered by the local backend with degraded=True;
the "nlu" health check then reports "degraded".

Callers pass PII-masked text: with NLU_BACKEND=lex it leaves the portal for AWS unchanged.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Protocol, TypeVar

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured

from apps.integrations.aws.errors import IntegrationError
from apps.integrations.aws.lex import (
    FALLBACK_INTENT,
    LexResult,
    LexRuntime,
    Resolver,
    get_lex_runtime,
)
from apps.monitoring import health
from apps.scenarios.models import LEX_NAME_RE

if TYPE_CHECKING:
    from apps.nlu.ranker import Candidate

logger = logging.getLogger(__name__)

ANSWER, CLARIFY, FALLBACK = "ANSWER", "CLARIFY", "FALLBACK"
LOCAL, LEX = "local", "lex"
CLOSED, OPEN, HALF_OPEN = "closed", "open", "half_open"

# Lex confidence bands: answer outright, offer the plausible intents, or fall back.
LEX_ANSWER_CONFIDENCE = 0.8
LEX_CLARIFY_CONFIDENCE = 0.5
CLARIFY_MAX = 3
RANK_K = 3
# The local twin of Lex sees up to this many ranked documents (Lex returns five).
RESOLVER_K = 5

_FAQ_INTENT = re.compile(r"FAQ_(\d+)")
_LEX_NAME = re.compile(LEX_NAME_RE)

T = TypeVar("T")


class CandidateLike(Protocol):
    @property
    def key(self) -> str: ...
    @property
    def label(self) -> str: ...
    @property
    def score(self) -> float: ...


class Ranker(Protocol):
    """What a backend needs of an index: apps.nlu.ranker.Index, or EmptyIndex before content."""

    def rank(self, text: str, k: int = 3) -> list[Candidate]: ...


@dataclass(frozen=True)
class NluCandidate:
    key: str
    label: str
    score: float


@dataclass(frozen=True)
class NluResult:
    action: str  # ANSWER | CLARIFY | FALLBACK
    candidates: list[CandidateLike]
    backend: str  # who answered: "local" | "lex"
    degraded: bool = False  # Lex was configured but the local backend answered
    slots: dict[str, str | None] = field(default_factory=dict)


class NluBackend(Protocol):
    def understand(
        self, *, text: str, session_id: str, session_state: dict | None = None
    ) -> NluResult: ...


# --- intent names <-> candidate keys ------------------------------------------------------------


def key_for_intent(name: str | None) -> str | None:
    """Map "FAQ_12" -> "faq:12", a scenario code -> "scenario:<code>", anything else -> None."""
    if not name or name == FALLBACK_INTENT:
        return None
    if match := _FAQ_INTENT.fullmatch(name):
        return f"faq:{match.group(1)}"
    if _LEX_NAME.fullmatch(name):
        return f"scenario:{name}"
    return None  # e.g. AMAZON.* built-ins: not ours to answer


def intent_for_key(key: str) -> str | None:
    """Inverse of key_for_intent: "faq:12" -> "FAQ_12", "scenario:<code>" -> "<code>"."""
    kind, _, ident = key.partition(":")
    if kind == "faq":
        return f"FAQ_{ident}"
    if kind == "scenario":
        return ident
    return None


# --- local ---------------------------------------------------------------------------------------


class LocalNluBackend:
    """The in-process ranker (apps.nlu.ranker) over whatever index the provider returns now."""

    def __init__(self, index_provider: Callable[[], Ranker]) -> None:
        # A provider, not an index: the index is rebuilt when content is published.
        self._index_provider = index_provider

    def understand(
        self, *, text: str, session_id: str, session_state: dict | None = None
    ) -> NluResult:
        # Lazy: ranker pulls in scikit-learn and kiwipiepy, which Lex-only code never needs.
        from apps.nlu.ranker import decide

        candidates = self._index_provider().rank(text, k=RANK_K)
        decision = decide(candidates)
        return NluResult(decision.action, list(decision.candidates), LOCAL)


def index_resolver(index_provider: Callable[[], Ranker]) -> Resolver:
    """A LocalLexRuntime resolver answering with the local ranker's scores as Lex intents."""

    def resolve(text: str) -> list[tuple[str, float]]:
        ranked = index_provider().rank(text, k=RESOLVER_K)
        pairs = [(intent_for_key(c.key), c.score) for c in ranked]
        return [(name, score) for name, score in pairs if name]

    return resolve


# --- circuit breaker -----------------------------------------------------------------------------


def _cached(operation: Callable[[], T], default: T) -> T:
    # The breaker must never break the chat: without a cache, behave as if closed.
    try:
        return operation()
    except Exception:  # noqa: BLE001  Redis down is a degraded cache, not a failed chat turn
        logger.warning("circuit breaker cache unavailable", exc_info=True)
        return default


class CircuitBreaker:
    """Consecutive-failure breaker whose state lives in Django's cache.

    closed: calls go through; `failure_threshold` failures (a success resets the count, and
    the count is forgotten `reset_seconds` after its first failure) open it.
    open: no calls for `reset_seconds`.
    half_open: one caller (cache.add is atomic) makes a trial call; success closes the
    breaker, failure opens it again. Times are wall-clock so processes can compare them.
    """

    def __init__(
        self,
        name: str = LEX,
        *,
        failure_threshold: int = 3,
        reset_seconds: float = 30,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.name = name
        self.failure_threshold = failure_threshold
        self.reset_seconds = reset_seconds
        self._clock = clock

    def _key(self, part: str) -> str:
        return f"nlu:breaker:{self.name}:{part}"

    @property
    def _ttl(self) -> int:
        return max(1, int(self.reset_seconds + 0.999))

    def _opened_at(self) -> float | None:
        return _cached(lambda: cache.get(self._key("opened_at")), None)

    def state(self) -> str:
        opened_at = self._opened_at()
        if opened_at is None:
            return CLOSED
        if self._clock() - opened_at < self.reset_seconds:
            return OPEN
        return HALF_OPEN

    def allow_request(self) -> bool:
        state = self.state()
        if state == CLOSED:
            return True
        if state == OPEN:
            return False
        # Only the caller that wins the atomic add probes Lex; the rest stay on local.
        return _cached(lambda: cache.add(self._key("trial"), 1, timeout=self._ttl), False)

    def record_success(self) -> None:
        keys = [self._key("failures"), self._key("opened_at"), self._key("trial")]
        _cached(lambda: cache.delete_many(keys), None)

    def record_failure(self) -> None:
        now = self._clock()
        _cached(lambda: cache.set(self._key("last_failure"), now, timeout=self._ttl), None)
        if self.state() != CLOSED:
            self._open(now)  # the half-open trial failed: wait another full period
        elif self._count_failure() >= self.failure_threshold:
            self._open(now)

    def failed_recently(self) -> bool:
        last = _cached(lambda: cache.get(self._key("last_failure")), None)
        return last is not None and self._clock() - last < self.reset_seconds

    def _count_failure(self) -> int:
        key = self._key("failures")

        def incr() -> int:
            cache.add(key, 0, timeout=self._ttl)
            try:
                return cache.incr(key)  # atomic on Redis, so concurrent processes add up
            except ValueError:  # expired between add and incr
                cache.set(key, 1, timeout=self._ttl)
                return 1

        return _cached(incr, 0)

    def _open(self, now: float) -> None:
        def write() -> None:
            # No timeout: it stays open/half-open until a trial call succeeds.
            cache.set(self._key("opened_at"), now, timeout=None)
            cache.delete_many([self._key("failures"), self._key("trial")])

        _cached(write, None)
        logger.warning("NLU circuit breaker %r open for %ss", self.name, self.reset_seconds)


def lex_breaker() -> CircuitBreaker:
    """The breaker guarding Lex; instances share state through the cache."""
    return CircuitBreaker(LEX)


# --- Lex -----------------------------------------------------------------------------------------


def _candidate(intent_name: str, confidence: float) -> NluCandidate | None:
    key = key_for_intent(intent_name)
    return NluCandidate(key, intent_name, confidence) if key else None


def _clarify_candidates(result: LexResult, top: NluCandidate) -> list[CandidateLike]:
    # Offer the other plausible intents too (Lex lists them by falling confidence).
    others = [
        _candidate(i.intent_name, i.confidence)
        for i in result.interpretations
        if i.intent_name != top.label
        and i.confidence is not None
        and i.confidence >= LEX_CLARIFY_CONFIDENCE
    ]
    candidates: list[CandidateLike] = [top, *[c for c in others if c]]
    return candidates[:CLARIFY_MAX]


def lex_to_nlu_result(result: LexResult) -> NluResult:
    """Map Lex's chosen intent and confidence onto ANSWER / CLARIFY / FALLBACK."""
    slots = dict(result.slots)
    confidence = result.confidence
    # FallbackIntent has no confidence; an intent we cannot map is as good as a fallback.
    top = _candidate(result.intent_name or "", confidence) if confidence is not None else None
    if top is None or top.score < LEX_CLARIFY_CONFIDENCE:
        return NluResult(FALLBACK, [], LEX, slots=slots)
    if top.score >= LEX_ANSWER_CONFIDENCE:
        return NluResult(ANSWER, [top], LEX, slots=slots)
    return NluResult(CLARIFY, _clarify_candidates(result, top), LEX, slots=slots)


class LexNluBackend:
    """Lex V2 first; the fallback backend answers (degraded) when Lex fails or is tripped."""

    def __init__(self, runtime: LexRuntime, fallback: NluBackend, breaker: CircuitBreaker) -> None:
        self._runtime = runtime
        self._fallback = fallback
        self._breaker = breaker

    def understand(
        self, *, text: str, session_id: str, session_state: dict | None = None
    ) -> NluResult:
        """`text` must already be PII-masked: it is sent to AWS as is."""
        if not self._breaker.allow_request():
            return self._degraded(text, session_id, session_state)
        try:
            result = self._runtime.recognize_text(
                session_id=session_id, text=text, session_state=session_state
            )
        except (IntegrationError, TimeoutError) as exc:
            # Never log the text: even masked, it is customer content.
            logger.warning("Lex recognize_text failed, answering locally: %r", exc)
            self._breaker.record_failure()
            return self._degraded(text, session_id, session_state)
        self._breaker.record_success()
        return lex_to_nlu_result(result)

    def _degraded(self, text: str, session_id: str, session_state: dict | None) -> NluResult:
        result = self._fallback.understand(
            text=text, session_id=session_id, session_state=session_state
        )
        return replace(result, degraded=True)


def get_nlu_backend(index_provider: Callable[[], Ranker]) -> NluBackend:
    """The backend `settings.NLU_BACKEND` names ("local" or "lex")."""
    local = LocalNluBackend(index_provider)
    if settings.NLU_BACKEND == LOCAL:
        return local
    if settings.NLU_BACKEND == LEX:
        runtime = get_lex_runtime(index_resolver(index_provider))
        return LexNluBackend(runtime, local, lex_breaker())
    raise ImproperlyConfigured(
        f"NLU_BACKEND must be 'local' or 'lex', not {settings.NLU_BACKEND!r}"
    )


# --- health --------------------------------------------------------------------------------------


def check_nlu_health() -> str:
    """Report "degraded" while Lex is configured but tripped or failing; "ok" otherwise."""
    if settings.NLU_BACKEND != LEX:
        return health.OK
    breaker = lex_breaker()
    if breaker.state() == OPEN or breaker.failed_recently():
        return health.DEGRADED
    return health.OK


def register_health() -> None:
    """Replace the built-in "nlu" check; called from NluConfig.ready()."""
    health.register("nlu", check_nlu_health)
