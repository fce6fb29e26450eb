from __future__ import annotations

import json
from urllib.parse import urlsplit

import pytest
from botocore.awsrequest import AWSResponse
from botocore.exceptions import (
    ClientError,
    ConnectTimeoutError,
    EndpointConnectionError,
    NoCredentialsError,
    ReadTimeoutError,
)
from botocore.stub import Stubber

from apps.integrations.aws import _client
from apps.integrations.aws.errors import IntegrationError, wrap_client_error
from apps.integrations.aws.lex import (
    FALLBACK_INTENT,
    AwsLexRuntime,
    LexInterpretation,
    LocalLexRuntime,
    get_lex_runtime,
)
from tests.integrations.lex_responses import (
    BOT_ALIAS_ID,
    BOT_ID,
    FALLBACK_ONLY,
    SESSION_ID,
    SLOT_FILLING,
    expected_params,
    lex_client,
    response_for,
)


@pytest.fixture(autouse=True)
def _lex_settings(settings):
    settings.LEX_BOT_ID = BOT_ID
    settings.LEX_BOT_ALIAS_ID = BOT_ALIAS_ID
    settings.LEX_LOCALE_ID = "ko_KR"


@pytest.fixture
def client():
    return lex_client()


@pytest.fixture
def stubber(client):
    with Stubber(client) as stub:
        yield stub
        stub.assert_no_pending_responses()


@pytest.fixture
def aws(client) -> AwsLexRuntime:
    return AwsLexRuntime(client=client)


class _Body:
    def __init__(self, data: bytes) -> None:
        self._data = data

    def stream(self, **kwargs):
        yield self._data


@pytest.fixture
def wire(client):
    """Answer with raw JSON through botocore's real parser (the Stubber refuses null slots).

    Returns the list of sent requests as (path, JSON body).
    """
    sent: list[tuple[str, dict]] = []
    answer: dict = {}

    def send(request, **kwargs):
        sent.append((urlsplit(request.url).path, json.loads(request.body)))
        body = json.dumps(answer["body"]).encode()
        return AWSResponse(request.url, 200, {"Content-Type": "application/json"}, _Body(body))

    service = client.meta.service_model.service_id.hyphenize()
    client.meta.events.register(f"before-send.{service}.RecognizeText", send)

    def respond(body: dict) -> list[tuple[str, dict]]:
        answer["body"] = body
        return sent

    return respond


# --- request ---------------------------------------------------------------------------------


def test_it_sends_bot_alias_locale_session_and_text(aws, stubber):
    stubber.add_response("recognize_text", FALLBACK_ONLY, expected_params("요금제 바꿔줘"))

    aws.recognize_text(session_id=SESSION_ID, text="요금제 바꿔줘")


def test_it_sends_the_session_state_without_null_slots(aws, stubber):
    # Echoing Lex's own state back must work: botocore rejects its null slots client-side.
    state = SLOT_FILLING["sessionState"]
    sent_state = {
        **state,
        "intent": {
            **state["intent"],
            "slots": {"phone_last4": state["intent"]["slots"]["phone_last4"]},
        },
    }
    stubber.add_response("recognize_text", FALLBACK_ONLY, expected_params("5G", sent_state))

    aws.recognize_text(session_id=SESSION_ID, text="5G", session_state=state)


# --- response --------------------------------------------------------------------------------


def test_it_parses_intent_confidence_slots_and_messages(aws, wire):
    sent = wire(SLOT_FILLING)

    result = aws.recognize_text(session_id=SESSION_ID, text="요금제 변경")

    assert result.intent_name == "CHANGE_PLAN"
    assert result.confidence == 0.91
    assert result.intent_state == "InProgress"
    assert result.slots == {"plan": None, "phone_last4": "5678"}
    assert result.messages == ["변경하실 요금제를 말씀해 주세요."]  # the card has no content
    assert result.session_state["sessionAttributes"] == {"customer": "masked"}
    assert result.interpretations == [
        LexInterpretation("CHANGE_PLAN", 0.91),
        LexInterpretation("FAQ_12", 0.38),
        LexInterpretation(FALLBACK_INTENT, None),
    ]
    # Bot, alias, locale and session travel in the REST path; only the text in the body.
    path = f"/bots/{BOT_ID}/botAliases/{BOT_ALIAS_ID}/botLocales/ko_KR/sessions/{SESSION_ID}/text"
    assert sent == [(path, {"text": "요금제 변경"})]


def test_fallback_intent_has_no_confidence(aws, stubber):
    stubber.add_response("recognize_text", FALLBACK_ONLY, expected_params("음..."))

    result = aws.recognize_text(session_id=SESSION_ID, text="음...")

    assert result.intent_name == FALLBACK_INTENT
    assert result.confidence is None
    assert result.interpretations[1] == LexInterpretation("FAQ_7", 0.21)


def test_it_tolerates_a_response_without_session_intent_or_messages(aws, wire):
    response = {
        "sessionId": SESSION_ID,
        "interpretations": [
            {"nluConfidence": {"score": 0.77}, "intent": {"name": "FAQ_3", "slots": None}}
        ],
    }
    wire(response)

    result = aws.recognize_text(session_id=SESSION_ID, text="배송 조회")

    assert (result.intent_name, result.confidence) == ("FAQ_3", 0.77)
    assert result.slots == {}
    assert result.messages == []
    assert result.session_state == {}


# --- errors ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "status", "retryable"),
    [
        ("ThrottlingException", 429, True),
        ("InternalServerException", 500, True),
        ("DependencyFailedException", 424, True),
        ("AccessDeniedException", 403, False),
        ("ValidationException", 400, False),
        ("ResourceNotFoundException", 404, False),
    ],
)
def test_client_errors_become_integration_errors(aws, stubber, code, status, retryable):
    stubber.add_client_error("recognize_text", code, "nope", http_status_code=status)

    with pytest.raises(IntegrationError) as caught:
        aws.recognize_text(session_id=SESSION_ID, text="환불")

    assert caught.value.retryable is retryable
    assert caught.value.code == code


def test_a_read_timeout_is_retryable(aws, client, monkeypatch):
    def time_out(**params):
        raise ReadTimeoutError(endpoint_url="https://runtime-v2-lex.ap-northeast-2.amazonaws.com")

    monkeypatch.setattr(client, "recognize_text", time_out)

    with pytest.raises(IntegrationError) as caught:
        aws.recognize_text(session_id=SESSION_ID, text="환불")

    assert caught.value.retryable is True
    assert caught.value.code == "ReadTimeoutError"


@pytest.mark.parametrize(
    ("exc", "retryable"),
    [
        (ConnectTimeoutError(endpoint_url="https://x"), True),
        (EndpointConnectionError(endpoint_url="https://x"), True),
        (NoCredentialsError(), False),
        (
            ClientError(
                {"Error": {"Code": "SomethingNew"}, "ResponseMetadata": {"HTTPStatusCode": 503}},
                "RecognizeText",
            ),
            True,
        ),
        (
            ClientError(
                {"Error": {"Code": "SomethingElse"}, "ResponseMetadata": {"HTTPStatusCode": 400}},
                "RecognizeText",
            ),
            False,
        ),
        (
            ClientError({"Error": {"Code": "ServiceQuotaExceededException"}}, "StartChatContact"),
            True,
        ),
    ],
)
def test_wrap_client_error_classifies_botocore_failures(exc, retryable):
    assert wrap_client_error(exc).retryable is retryable


# --- client configuration --------------------------------------------------------------------


def test_the_lex_client_is_cached_fast_and_never_retries(settings):
    settings.NLU_LEX_TIMEOUT_SECONDS = 5  # the adapter caps it: a chat turn cannot wait longer
    _client.client.cache_clear()
    try:
        lex = _client.client("lexv2-runtime")
        assert _client.client("lexv2-runtime") is lex
        config = lex.meta.config
        assert lex.meta.region_name == settings.AWS_REGION
        assert config.read_timeout <= 2 and config.connect_timeout <= 2
        assert config.retries["total_max_attempts"] == 1  # the first try only
    finally:
        _client.client.cache_clear()


def test_get_lex_runtime_follows_the_aws_backend_setting(settings):
    settings.AICC_AWS_BACKEND = "local"
    assert isinstance(get_lex_runtime(), LocalLexRuntime)
    settings.AICC_AWS_BACKEND = "aws"
    assert isinstance(get_lex_runtime(), AwsLexRuntime)


# --- contract: AWS (stubbed) and the local twin behave the same --------------------------------


@pytest.fixture(params=["aws", "local"])
def runtime_for(request, client):
    """Build a runtime whose model scores the given (intent, score) pairs."""
    if request.param == "local":
        yield lambda intents, text: LocalLexRuntime(lambda _text: intents)
        return
    with Stubber(client) as stub:

        def make(intents, text):
            stub.add_response("recognize_text", response_for(intents), expected_params(text))
            return AwsLexRuntime(client=client)

        yield make
        stub.assert_no_pending_responses()


def test_contract_a_confident_intent_is_recognised(runtime_for):
    runtime = runtime_for([("CHANGE_PLAN", 0.42), ("FAQ_12", 0.91)], "환불 언제 돼요")

    result = runtime.recognize_text(session_id=SESSION_ID, text="환불 언제 돼요")

    assert (result.intent_name, result.confidence) == ("FAQ_12", 0.91)
    assert result.interpretations[:2] == [
        LexInterpretation("FAQ_12", 0.91),
        LexInterpretation("CHANGE_PLAN", 0.42),
    ]
    assert LexInterpretation(FALLBACK_INTENT, None) in result.interpretations
    assert result.session_state["intent"]["name"] == "FAQ_12"


@pytest.mark.parametrize("intents", [[], [("FAQ_3", 0.2)]], ids=["nothing", "too-unsure"])
def test_contract_unknown_text_is_fallback_without_confidence(runtime_for, intents):
    runtime = runtime_for(intents, "오늘 날씨 어때")

    result = runtime.recognize_text(session_id=SESSION_ID, text="오늘 날씨 어때")

    assert result.intent_name == FALLBACK_INTENT
    assert result.confidence is None
    assert result.interpretations[0] == LexInterpretation(FALLBACK_INTENT, None)
    assert [i for i in result.interpretations[1:] if i.confidence] == [
        LexInterpretation(n, s) for n, s in intents
    ]
