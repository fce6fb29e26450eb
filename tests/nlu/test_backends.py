from __future__ import annotations

import pytest
from botocore.stub import Stubber
from django.core.exceptions import ImproperlyConfigured

from apps.core.pii import mask_pii
from apps.integrations.aws.errors import IntegrationError
from apps.integrations.aws.lex import (
    FALLBACK_INTENT,
    AwsLexRuntime,
    LexInterpretation,
    LexResult,
    LocalLexRuntime,
)
from apps.nlu import backends
from apps.nlu.backends import (
    ANSWER,
    CLARIFY,
    CLOSED,
    FALLBACK,
    HALF_OPEN,
    OPEN,
    CircuitBreaker,
    LexNluBackend,
    LocalNluBackend,
    NluCandidate,
    NluResult,
    get_nlu_backend,
    intent_for_key,
    key_for_intent,
    lex_breaker,
)
from tests.integrations.lex_responses import (
    BOT_ALIAS_ID,
    BOT_ID,
    SESSION_ID,
    expected_params,
    lex_client,
    response_for,
)

HEALTH_URL = "/api/monitoring/health"
LOCAL_ANSWER = NluResult(ANSWER, [NluCandidate("faq:99", "영업시간", 0.7)], "local")


class FakeLocal:
    """Stands in for the local ranker so these tests do not depend on it."""

    def __init__(self) -> None:
        self.texts: list[str] = []

    def understand(self, *, text, session_id, session_state=None) -> NluResult:
        self.texts.append(text)
        return LOCAL_ANSWER


class FakeRuntime:
    def __init__(self, *outcomes: LexResult | Exception) -> None:
        self.outcomes = list(outcomes)
        self.calls: list[dict] = []

    def recognize_text(self, *, session_id, text, session_state=None) -> LexResult:
        self.calls.append({"session_id": session_id, "text": text, "state": session_state})
        outcome = self.outcomes[min(len(self.calls), len(self.outcomes)) - 1]
        if isinstance(outcome, Exception):
            raise outcome
        return outcome


class FakeIndex:
    def __init__(self, *candidates: NluCandidate) -> None:
        self.candidates = list(candidates)

    def rank(self, text: str, k: int = 3) -> list[NluCandidate]:
        return self.candidates[:k]


def lex(name: str | None, confidence: float | None, *others: LexInterpretation) -> LexResult:
    return LexResult(
        intent_name=name,
        confidence=confidence,
        intent_state="ReadyForFulfillment",
        slots={"plan": None},
        messages=[],
        session_state={},
        interpretations=[LexInterpretation(name or "", confidence), *others],
    )


THROTTLED = IntegrationError("Rate exceeded", retryable=True, code="ThrottlingException")
TIMED_OUT = IntegrationError("Read timeout", retryable=True, code="ReadTimeoutError")


def backend_with(*outcomes: LexResult | Exception) -> tuple[LexNluBackend, FakeRuntime]:
    runtime = FakeRuntime(*outcomes)
    return LexNluBackend(runtime, FakeLocal(), lex_breaker()), runtime


def understand(backend, text: str = "환불 언제 돼요") -> NluResult:
    return backend.understand(text=text, session_id=SESSION_ID)


# --- mapping Lex onto the dialog's actions ----------------------------------------------------


def test_a_confident_faq_intent_is_answered_with_its_key():
    backend, _ = backend_with(lex("FAQ_12", 0.91))

    result = understand(backend)

    assert result.action == ANSWER
    assert [c.key for c in result.candidates] == ["faq:12"]
    assert (result.backend, result.degraded) == ("lex", False)
    assert result.slots == {"plan": None}


def test_a_scenario_intent_maps_to_its_code():
    backend, _ = backend_with(lex("CHANGE_PLAN", 0.85))

    assert understand(backend).candidates == [
        NluCandidate("scenario:CHANGE_PLAN", "CHANGE_PLAN", 0.85)
    ]


def test_fallback_intent_falls_back():
    backend, _ = backend_with(lex(FALLBACK_INTENT, None, LexInterpretation("FAQ_7", 0.21)))

    result = understand(backend)

    assert (result.action, result.candidates, result.degraded) == (FALLBACK, [], False)


def test_a_middling_confidence_clarifies_between_plausible_intents():
    backend, _ = backend_with(
        lex(
            "FAQ_12",
            0.72,
            LexInterpretation("CHANGE_PLAN", 0.55),
            LexInterpretation(FALLBACK_INTENT, None),
            LexInterpretation("FAQ_3", 0.31),
        )
    )

    result = understand(backend)

    assert result.action == CLARIFY
    assert [c.key for c in result.candidates] == ["faq:12", "scenario:CHANGE_PLAN"]


def test_a_low_confidence_falls_back():
    backend, _ = backend_with(lex("FAQ_12", 0.45))

    assert understand(backend).action == FALLBACK


@pytest.mark.parametrize(
    ("name", "key"),
    [
        ("FAQ_12", "faq:12"),
        ("CHANGE_PLAN", "scenario:CHANGE_PLAN"),
        ("refund-1", "scenario:refund-1"),
    ],
)
def test_intent_names_and_keys_round_trip(name, key):
    assert key_for_intent(name) == key
    assert intent_for_key(key) == name


@pytest.mark.parametrize("name", [None, "", FALLBACK_INTENT, "AMAZON.HelpIntent"])
def test_names_that_are_not_ours_map_to_nothing(name):
    assert key_for_intent(name) is None


# --- failures, degradation and the circuit breaker --------------------------------------------


@pytest.mark.parametrize("error", [THROTTLED, TIMED_OUT], ids=["throttled", "timeout"])
def test_a_failing_lex_is_answered_locally_and_marked_degraded(error):
    backend, _ = backend_with(error)

    result = understand(backend)

    assert result == NluResult(ANSWER, LOCAL_ANSWER.candidates, "local", degraded=True)
    assert lex_breaker().failed_recently()


@pytest.mark.django_db
def test_three_failures_open_the_breaker_skip_lex_and_degrade_health(client, settings):
    settings.NLU_BACKEND = "lex"
    backend, runtime = backend_with(THROTTLED, TIMED_OUT, THROTTLED, lex("FAQ_12", 0.91))

    results = [understand(backend) for _ in range(5)]

    assert len(runtime.calls) == 3  # calls 4 and 5 never reached Lex
    assert all(r.degraded and r.backend == "local" for r in results)
    assert lex_breaker().state() == OPEN
    body = client.get(HEALTH_URL).json()
    assert body["status"] == "degraded"
    assert body["checks"]["nlu"] == "degraded"


@pytest.mark.django_db
def test_health_is_ok_while_lex_answers_or_is_not_used(client, settings):
    settings.NLU_BACKEND = "lex"
    backend, _ = backend_with(lex("FAQ_12", 0.91))
    understand(backend)
    assert client.get(HEALTH_URL).json()["checks"]["nlu"] == "ok"

    settings.NLU_BACKEND = "local"
    for _ in range(3):
        lex_breaker().record_failure()
    assert client.get(HEALTH_URL).json()["checks"]["nlu"] == "ok"


def test_a_success_resets_the_failure_count():
    backend, runtime = backend_with(THROTTLED, THROTTLED, lex("FAQ_1", 0.9), THROTTLED, THROTTLED)

    [understand(backend) for _ in range(5)]

    assert len(runtime.calls) == 5
    assert lex_breaker().state() == CLOSED


class Clock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


def test_the_breaker_half_opens_for_one_trial_after_the_reset_period():
    clock = Clock()
    breaker = CircuitBreaker(failure_threshold=2, reset_seconds=30, clock=clock)
    breaker.record_failure()
    breaker.record_failure()
    assert (breaker.state(), breaker.allow_request()) == (OPEN, False)

    clock.now += 31
    assert breaker.state() == HALF_OPEN
    assert breaker.allow_request() is True  # the trial
    assert breaker.allow_request() is False  # everyone else waits for it

    breaker.record_failure()  # the trial failed: another full period
    assert breaker.state() == OPEN
    clock.now += 31
    assert breaker.allow_request() is True
    breaker.record_success()
    assert (breaker.state(), breaker.allow_request()) == (CLOSED, True)


def test_breakers_with_the_same_name_share_state_through_the_cache():
    for _ in range(3):
        CircuitBreaker("lex").record_failure()

    assert CircuitBreaker("lex").state() == OPEN
    assert CircuitBreaker("other").state() == CLOSED


def test_a_broken_cache_never_blocks_lex(monkeypatch):
    class BrokenCache:
        def __getattr__(self, name):
            def fail(*args, **kwargs):
                raise ConnectionError("redis down")

            return fail

    monkeypatch.setattr(backends, "cache", BrokenCache())
    backend, runtime = backend_with(THROTTLED, lex("FAQ_12", 0.91))

    assert understand(backend).degraded is True
    assert understand(backend).action == ANSWER
    assert len(runtime.calls) == 2


# --- what leaves for AWS ----------------------------------------------------------------------


def test_lex_receives_exactly_the_masked_text(settings):
    settings.LEX_BOT_ID, settings.LEX_BOT_ALIAS_ID = BOT_ID, BOT_ALIAS_ID
    masked = mask_pii("제 번호 010-1234-5678 인데 환불 언제 돼요?")
    assert "1234" not in masked
    client = lex_client()
    local = FakeLocal()
    backend = LexNluBackend(AwsLexRuntime(client=client), local, lex_breaker())

    with Stubber(client) as stubber:
        # The Stubber fails the call unless the request matches these params exactly.
        stubber.add_response(
            "recognize_text", response_for([("FAQ_12", 0.93)]), expected_params(masked)
        )
        result = backend.understand(text=masked, session_id=SESSION_ID)
        stubber.assert_no_pending_responses()

    assert (result.action, result.candidates[0].key, result.degraded) == (ANSWER, "faq:12", False)
    assert local.texts == []


# --- choosing a backend -----------------------------------------------------------------------


def test_get_nlu_backend_follows_the_setting(settings):
    settings.NLU_BACKEND = "local"
    assert isinstance(get_nlu_backend(lambda: FakeIndex()), LocalNluBackend)
    settings.NLU_BACKEND = "lex"
    assert isinstance(get_nlu_backend(lambda: FakeIndex()), LexNluBackend)
    settings.NLU_BACKEND = "watson"
    with pytest.raises(ImproperlyConfigured):
        get_nlu_backend(lambda: FakeIndex())


def test_lex_with_the_local_twin_answers_from_the_local_index(settings):
    settings.NLU_BACKEND, settings.AICC_AWS_BACKEND = "lex", "local"
    index = FakeIndex(
        NluCandidate("faq:12", "환불은 언제 되나요?", 0.93),
        NluCandidate("scenario:CHANGE_PLAN", "요금제 변경", 0.2),
    )

    backend = get_nlu_backend(lambda: index)
    result = backend.understand(text="환불 언제 돼요", session_id=SESSION_ID)

    assert (result.backend, result.action) == ("lex", ANSWER)
    assert result.candidates[0].key == "faq:12"
    assert isinstance(backend._runtime, LocalLexRuntime)


def test_the_local_backend_ranks_and_decides():
    ranker = pytest.importorskip("apps.nlu.ranker")
    index = FakeIndex(ranker.Candidate("faq:12", "환불은 언제 되나요?", 0.9))

    result = LocalNluBackend(lambda: index).understand(text="환불", session_id=SESSION_ID)

    assert result == NluResult(ANSWER, [index.candidates[0]], "local")
