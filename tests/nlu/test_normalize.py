from __future__ import annotations

import pytest

from apps.nlu.normalize import compact, compose_jamo, fix_keyboard_layout, normalize


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("ｈｅｌｌｏ　１２３！", "hello 123!"),
        ("ㅋㅋㅋㅋㅋ", "ㅋㅋ"),
        ("진짜요요요요!!!!!", "진짜요요!"),
        ("  배송   조회  ", "배송 조회"),
        ("iPhone USIM", "iphone usim"),
        ("요금 1000000원", "요금 1000000원"),
        ("www.naver.com", "www.naver.com"),
    ],
)
def test_it_normalises_width_repeats_case_and_spacing(text, expected):
    assert normalize(text) == expected


def test_it_keeps_hangul_compatibility_jamo():
    # NFKC would turn ㅠ into a conjoining jamo and break "ㅠㅠ" matching.
    assert normalize("ㅠㅠㅠ") == "ㅠㅠ"


def test_it_makes_a_spacing_insensitive_form():
    assert compact(normalize("배송 조회")) == compact(normalize("배송조회")) == "배송조회"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("gksrmf", "한글"),
        ("qothd whghl", "배송 조회"),
        ("tkdekadnjs dusruf", "상담원 연결"),
        ("dkdlvhs", "아이폰"),
        ("qlalfqjsgh", "비밀번호"),
        ("ekfrrhrl", "닭고기"),  # double final ㄺ
        ("dkswjsgkrp", "안전하게"),
        ("dhksfy", "완료"),  # compound vowel ㅘ
        ("dmlfhl", "의뢰"),  # ㅢ and ㅚ
        ("goTdj", "했어"),  # shifted ㅆ
        ("dho dksehoa", "왜 안됌"),  # a one-syllable run converts when its neighbours did
        ("ORD-123 qothd whghl", "ORD-123 배송 조회"),
    ],
)
def test_it_repairs_korean_typed_in_english_mode(text, expected):
    assert fix_keyboard_layout(text) == expected


ENGLISH = """
iphone galaxy usim esim wifi app id pw ok sms lte 5G KT skt LG email www.naver.com
hong@naver.com ORD-123 the with check hello thanks data http://a.kr dho
""".split()


@pytest.mark.parametrize("text", ENGLISH)
def test_it_leaves_real_english_ids_and_urls_alone(text):
    assert fix_keyboard_layout(text) == text


def test_it_composes_jamo_like_a_two_beolsik_ime():
    assert compose_jamo(list("ㄷㅏㄹㄱㄱㅗㄱㅣ")) == "닭고기"
    assert compose_jamo(list("ㅇㅓㅂㅅㅇㅓ")) == "없어"
