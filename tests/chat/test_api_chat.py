from __future__ import annotations

import pytest

from apps.chat.models import Conversation, Message
from tests.factories import FaqAlternativeFactory, FaqFactory

pytestmark = pytest.mark.django_db

URL = "/api/chatbot/chat"


@pytest.fixture
def faq(db):
    faq = FaqFactory(
        question="배송지를 변경하고 싶어요", answer="마이페이지에서 배송지를 바꿀 수 있어요."
    )
    FaqAlternativeFactory(faq=faq, text="주소 바꾸고 싶어요")
    return faq


def test_it_answers_a_question_with_the_faq(api, faq):
    response = api.chat("배송지 변경은 어떻게 하나요?", client_message_id="m-1")

    assert response.status_code == 200
    body = response.json()
    assert body["next_action"] == "ANSWER"
    assert body["faq_id"] == faq.pk
    assert body["response_text"] == faq.answer
    assert body["seq"] == 1 and body["reply_seq"] == 2
    assert Conversation.objects.get(session_id=body["session_id"]).messages.count() == 2


def test_a_retry_with_the_same_client_message_id_returns_the_first_answer(api, faq):
    first = api.chat("배송지 변경하고 싶어요", client_message_id="retry-1").json()
    again = api.chat("배송지 변경하고 싶어요", client_message_id="retry-1").json()
    later = api.chat(
        "배송지 변경하고 싶어요", session_id=first["session_id"], client_message_id="retry-1"
    ).json()

    assert again == first
    assert later == first
    assert Message.objects.count() == 2
    assert Conversation.objects.count() == 1


def test_seq_is_strictly_increasing_without_gaps(api, faq):
    session = api.chat("안녕하세요").json()["session_id"]
    for n in range(3):
        api.chat(f"배송지 변경 {n}", session_id=session)

    seqs = list(Message.objects.order_by("seq").values_list("seq", flat=True))
    assert seqs == list(range(1, 9))


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"user_id": "u-1"}, "message"),
        ({"message": "안녕"}, "user_id"),
        ({"message": "", "user_id": "u-1"}, "message"),
        ({"message": "   \n\t ", "user_id": "u-1"}, "message"),
        ({"message": "가" * 2001, "user_id": "u-1"}, "message"),
        ({"message": "안녕\x00하세요", "user_id": "u-1"}, "message"),
        ({"message": "벨\x07소리", "user_id": "u-1"}, "message"),
        ({"message": 123, "user_id": "u-1"}, "message"),
        ({"message": True, "user_id": "u-1"}, "message"),
        ({"message": "안녕", "user_id": 42}, "user_id"),
        ({"message": "안녕", "user_id": "u-1", "session_id": 5}, "session_id"),
        ({"message": "안녕", "user_id": "u-1", "client_message_id": 7}, "client_message_id"),
        ({"message": ["배송"], "user_id": "u-1"}, "message"),
        ({"message": "안녕", "user_id": ["u-1"]}, "user_id"),
        ({"message": "안녕", "user_id": "사용자 1"}, "user_id"),
        ({"message": "안녕", "user_id": "u-1", "session_id": "not-a-uuid"}, "session_id"),
        ({"message": "안녕", "user_id": "u-1", "channel": "fax"}, "channel"),
        ({"message": "안녕", "user_id": "u-1", "client_message_id": "x" * 65}, "client_message_id"),
    ],
)
def test_it_refuses_bad_input_naming_the_field_and_stores_nothing(api, body, field):
    response = api.post(URL, body)

    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid"
    assert field in error["fields"]
    assert Message.objects.count() == 0


def test_a_message_of_exactly_2000_characters_is_accepted(api):
    assert api.chat("가" * 2000).status_code == 200


def test_malformed_json_is_a_400_with_the_envelope(api):
    response = api.post(URL, None, raw='{"message": "안녕", '.encode())

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "parse_error"


def test_a_form_body_is_a_415(api):
    response = api.post(
        URL, None, raw=b"message=hi", content_type="application/x-www-form-urlencoded"
    )

    assert response.status_code == 415
    assert response.json()["error"]["code"] == "unsupported_media_type"


def test_a_body_over_64kb_is_a_413(api):
    response = api.post(URL, {"message": "가" * 40000, "user_id": "u-1"})

    assert response.status_code == 413
    assert response.json()["error"]["code"] == "payload_too_large"


def test_get_on_the_chat_endpoint_is_a_405(api):
    response = api.get(URL)

    assert response.status_code == 405
    assert "error" in response.json()


def test_an_unknown_api_path_is_a_json_404(api):
    response = api.get("/api/chatbot/nothing-here")

    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


@pytest.mark.parametrize(
    "text",
    [
        "<img src=x onerror=alert(1)>",
        "<script>alert('x')</script>",
        "'; DROP TABLE chat_message; --",
        "1 OR 1=1; SELECT * FROM auth_user",
        "배송 😀🚚 언제 와요? 👍🏽",
    ],
)
def test_html_sql_and_emoji_are_stored_verbatim(api, text):
    response = api.chat(text)

    assert response.status_code == 200
    stored = Message.objects.get(seq=1)
    assert stored.text == text


def test_an_unknown_session_is_a_404(api):
    response = api.chat("안녕", session_id="6f1c1b9e-6f35-4c3c-9d8c-3a4a7f1b2c3d")

    assert response.status_code == 404
    assert Message.objects.count() == 0


def test_another_users_session_is_a_404(api):
    session = api.chat("안녕", user_id="alice").json()["session_id"]

    response = api.chat("내 대화 보여줘", user_id="mallory", session_id=session)

    assert response.status_code == 404
    assert Message.objects.filter(text="내 대화 보여줘").count() == 0


def test_another_keys_session_is_a_404(api, channel):
    from apps.chat.models import ChannelKey

    session = api.chat("안녕", user_id="alice").json()["session_id"]
    _other, other_raw = ChannelKey.issue(name="partner")

    response = api.post(
        URL, {"message": "hi", "user_id": "alice", "session_id": session}, key=other_raw
    )

    assert response.status_code == 404


@pytest.mark.parametrize("key", ["", "aicc_wrong", "x" * 300])
def test_a_missing_or_wrong_key_is_a_401(api, key):
    response = api.post(URL, {"message": "안녕", "user_id": "u-1"}, key=key)

    assert response.status_code == 401
    assert response.json()["error"]["code"] in {"not_authenticated", "authentication_failed"}


def test_a_revoked_key_is_a_401(api, channel):
    channel[0].revoke()

    response = api.chat("안녕")

    assert response.status_code == 401


def test_a_session_over_its_rate_is_throttled_with_retry_after(api, settings):
    settings.AICC_THROTTLE_RATES = {"channel_key": (1000, 60), "session": (3, 60)}
    codes = [api.chat(f"안녕 {n}", user_id="busy").status_code for n in range(4)]

    assert codes == [200, 200, 200, 429]
    response = api.chat("또 안녕", user_id="busy")
    assert response.status_code == 429
    assert int(response["Retry-After"]) >= 1
    assert response.json()["error"]["code"] == "throttled"
