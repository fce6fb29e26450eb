from __future__ import annotations

import pickle

import pytest

from apps.nlu.ranker import Candidate, Document, Index, analyse, decide

FAQS = {
    "faq:1": ["배송 조회는 어떻게 하나요?", "택배 어디쯤 왔어요", "주문한 상품 배송 상태 확인"],
    "faq:2": ["주문을 취소하고 싶어요", "결제한 주문 취소 방법"],
    "faq:3": ["환불은 언제 입금되나요?", "환불금 언제 들어와요"],
    "faq:4": ["비밀번호를 잊어버렸어요", "비번 재설정 방법"],
    "faq:5": ["아이디가 기억나지 않아요", "아이디 찾기"],
    "faq:6": ["요금제를 변경하고 싶어요", "더 싼 요금제로 바꾸기"],
    "faq:7": ["이번 달 요금은 어떻게 확인하나요?", "핸드폰비 얼마 나왔어요"],
    "faq:8": ["유심을 잃어버렸어요", "유심 재발급 방법"],
    "faq:9": ["휴대폰 분실 신고는 어떻게 하나요?", "폰 잃어버렸어요"],
    "faq:10": ["해외 로밍은 어떻게 신청하나요?", "해외에서 데이터 쓰는 법"],
    "faq:11": ["고객센터 상담 시간은 어떻게 되나요?", "몇 시까지 상담 가능해요"],
    "faq:12": ["가까운 매장은 어떻게 찾나요?", "근처 대리점 위치"],
    "faq:13": ["데이터를 추가로 충전할 수 있나요?", "데이터 다 썼어요"],
    "faq:14": ["스팸 문자를 차단하고 싶어요", "광고 전화 차단"],
    "faq:15": ["해지하면 위약금이 얼마나 나오나요?", "약정 해지 위약금"],
}


@pytest.fixture(scope="module")
def index():
    return Index.build([Document(key, texts[0], texts) for key, texts in FAQS.items()])


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("배송조회 하고싶어요", "faq:1"),
        ("택배가 어디까지 왔는지 알려줘", "faq:1"),
        ("주문 취소해 주세요", "faq:2"),
        ("환불 언제 돼요", "faq:3"),
        ("비밀번호 까먹었어요", "faq:4"),
        ("요금제 바꾸고 싶습니다", "faq:6"),
        ("유심 분실했어요 재발급 되나요", "faq:8"),
        ("해외 로밍 신청", "faq:10"),
        ("qothd whghl", "faq:1"),  # 배송 조회 typed in English mode
        ("위약금 얼마예요", "faq:15"),
    ],
)
def test_it_ranks_the_matching_faq_first(index, text, key):
    assert index.rank(text, k=3)[0].key == key


def test_it_returns_at_most_k_candidates_sorted_by_score(index):
    candidates = index.rank("요금 확인", k=3)
    assert 1 <= len(candidates) <= 3
    assert [c.score for c in candidates] == sorted((c.score for c in candidates), reverse=True)


@pytest.mark.parametrize("text", ["오늘 날씨 어때?", "배고파", "사랑해", "ㅋㅋㅋㅋ"])
def test_it_falls_back_on_small_talk(index, text):
    assert decide(index.rank(text, k=3)).action in {"FALLBACK", "CLARIFY"}


def test_it_answers_a_close_paraphrase(index):
    decision = decide(index.rank("비밀번호를 잊어버렸어요", k=3))
    assert decision.action == "ANSWER"
    assert [c.key for c in decision.candidates] == ["faq:4"]


def test_it_clarifies_when_the_top_two_are_close():
    candidates = [Candidate("a", "A", 0.5), Candidate("b", "B", 0.49), Candidate("c", "C", 0.1)]
    decision = decide(candidates)
    assert decision.action == "CLARIFY"
    assert [c.key for c in decision.candidates] == ["a", "b"]


def test_it_falls_back_without_candidates():
    assert decide([]).action == "FALLBACK"


def test_it_masks_pii_before_analysis():
    analysis = analyse("제 번호는 01012345678이에요")
    assert "1234" not in analysis.text
    assert "010-****-5678" in analysis.text


def test_it_handles_empty_input_and_empty_index(index):
    assert index.rank("", k=3) == []
    assert index.rank("   ", k=3) == []
    empty = Index.build([])
    assert empty.rank("배송 조회") == []
    assert len(empty) == 0


def test_it_survives_pickling_for_caches(index):
    copy = pickle.loads(pickle.dumps(index))  # noqa: S301 - our own object, not untrusted input
    assert copy.rank("배송 조회")[0].key == "faq:1"


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("폰 잃어버렸는데 어떡해요", "faq:9"),  # 폰 = 휴대폰
        ("근처 매장 어디예요", "faq:12"),
        ("비번 까먹었어", "faq:4"),
        ("헤지하면 위약금 나와요?", "faq:15"),  # one-jamo typo of 해지
        ("택배 어디쯤 와있나요", "faq:1"),
    ],
)
def test_synonyms_and_typos_reach_the_faq(index, text, key):
    assert index.rank(text, k=3)[0].key == key


def test_small_talk_lowers_confidence_but_keeps_the_order(index):
    from apps.nlu import ranker

    analysis = analyse("영화 보러 갈까")
    candidates = index.rank_analysis(analysis, k=3)
    raw = index.scores(analysis)
    if candidates:
        assert [c.score for c in candidates] == sorted((c.score for c in candidates), reverse=True)
        assert candidates[0].score <= float(raw.max()) * max(ranker.SMALLTALK_DAMP, 1.0)
    assert decide(candidates).action == "FALLBACK"
