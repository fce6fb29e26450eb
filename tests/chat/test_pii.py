"""Personal numbers typed by a customer never reach storage, logs or Lex (DESIGN §11)."""

from __future__ import annotations

import logging

import pytest

from apps.chat.models import ChannelKey, Conversation, Message
from apps.chat.services import chat_receive
from apps.integrations.aws.lex import LexResult
from apps.nlu import backends

pytestmark = pytest.mark.django_db

# (what the customer types, the digits that must not survive anywhere)
SECRETS = [
    ("제 주민번호는 900101-1234567 입니다", ["1234567", "9001011234567"]),
    ("주민등록번호 9001012345678로 조회해 주세요", ["2345678", "9001012345678"]),
    ("외국인등록번호 850315-5123456", ["5123456"]),
    ("제 번호 010-2345-6789로 연락 주세요", ["2345", "01023456789"]),
    ("01098765432 이 번호예요", ["9876", "01098765432"]),
    ("집 전화 02-345-6789", ["345-6789", "023456789"]),
    ("카드번호 4111 1111 1111 1111 결제 취소", ["4111111111111111", "1111 1111 1111 1111"]),
    ("국민은행 계좌 123456-01-234567 로 환불해 주세요", ["12345601", "123456-01"]),
]


@pytest.fixture
def key(db):
    return ChannelKey.issue(name="pii-test")[0]


def _all_stored_text() -> str:
    texts = list(Message.objects.values_list("text", flat=True))
    states = [str(s) for s in Conversation.objects.values_list("bot_state", flat=True)]
    return "\n".join(texts + states)


@pytest.mark.parametrize(("text", "digits"), SECRETS)
def test_stored_messages_and_logs_hold_no_personal_numbers(key, caplog, text, digits):
    caplog.set_level(logging.DEBUG)

    chat_receive(channel_key=key, user_id="u-1", text=text)

    stored = _all_stored_text()
    logged = "\n".join(r.getMessage() for r in caplog.records)
    for secret in digits:
        assert secret not in stored
        assert secret not in logged
    assert Message.objects.filter(sender="customer").count() == 1


class RecordingLex:
    """A Lex runtime that remembers what was sent to AWS."""

    def __init__(self):
        self.sent: list[str] = []

    def recognize_text(self, *, session_id, text, session_state=None):
        self.sent.append(text)
        return LexResult(
            intent_name="FallbackIntent",
            confidence=None,
            intent_state=None,
            slots={},
            messages=[],
            session_state={},
            interpretations=[],
        )


def test_lex_requests_carry_only_masked_text(key, settings, monkeypatch):
    settings.NLU_BACKEND = "lex"
    lex = RecordingLex()
    monkeypatch.setattr(backends, "get_lex_runtime", lambda *a, **k: lex)

    for text, _digits in SECRETS:
        chat_receive(channel_key=key, user_id="lex-user", text=text)

    assert len(lex.sent) == len(SECRETS)
    joined = "\n".join(lex.sent)
    for _text, digits in SECRETS:
        for secret in digits:
            assert secret not in joined
