from __future__ import annotations

import pytest

from apps.nlu.escalation import is_escalation_request


@pytest.mark.parametrize(
    "text",
    [
        "상담원",
        "상담원!!",
        "상담원 연결해 주세요",
        "상담원연결",
        "상 담 원",
        "상담사 바꿔 주세요",
        "사람이랑 얘기하고 싶어요",
        "사람 바꿔 주세요",
        "진짜 사람이랑 통화하고 싶다고요",
        "직원이랑 통화할래요",
        "챗봇 말고 진짜 사람",
        "연결해 주세요",
        "통화하고 싶어요",
        "콜센터 연결",
        "사람 있어요?",
        "상담웜 연결",  # one-jamo typo
        "상담언",
        "tkdekadnjs",  # 상담원 in English mode
        "tkdeoadnjs",  # ... with a typo
        "매니저 바꿔",
    ],
)
def test_it_detects_requests_for_a_human(text):
    assert is_escalation_request(text)


@pytest.mark.parametrize(
    "text",
    [
        "상담 시간이 어떻게 돼요?",
        "상담시간 알려주세요",
        "상담 가능 시간",
        "고객센터 운영시간",
        "콜센터 전화번호 알려주세요",
        "사람 많은 매장",
        "직원이 불친절해요",
        "상담원분이 친절하셨어요 감사합니다",
        "상담원 말고 챗봇으로 할게요",
        "상담원 연결은 필요 없어요",
        "통화 품질이 나빠요",
        "인터넷 연결이 안 돼요",
        "블루투스 연결해 주세요",
        "지난 상담 내역 조회",
        "말을 수시로 바꾸는 사람 어떻게 해?",
        "",
    ],
)
def test_it_ignores_look_alikes(text):
    assert not is_escalation_request(text)


def test_it_accepts_extra_keywords_spacing_insensitively():
    assert is_escalation_request("매니저호출 해요", extra_keywords=["매니저 호출"])
    assert not is_escalation_request("매니저님 호출", extra_keywords=[" "])
