from __future__ import annotations

import re

import pytest

from apps.core.pii import find_pii, luhn_valid, mask_pii


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("900101-1234567", "900101-1******"),
        ("주민번호 9001011234567 입니다", "주민번호 900101-1****** 입니다"),
        ("외국인등록번호 900101-5234567", "외국인등록번호 900101-5******"),
    ],
)
def test_it_masks_rrn_with_and_without_hyphen(text, masked):
    assert mask_pii(text) == masked


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("제 번호는 01012345678이에요", "제 번호는 010-****-5678이에요"),
        ("010-1234-5678", "010-****-5678"),
        ("010 1234 5678", "010-****-5678"),
        ("010.1234.5678", "010-****-5678"),
        ("011-123-4567", "011-****-4567"),
        ("02-123-4567", "02-****-4567"),
        ("0311234567", "031-****-4567"),
        ("070-1234-5678", "070-****-5678"),
        ("+82 10 1234 5678", "+82-10-****-5678"),
        ("대표번호 1588-1234", "대표번호 1588-****"),
    ],
)
def test_it_masks_phone_numbers_keeping_prefix_and_last_four(text, masked):
    assert mask_pii(text) == masked


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("카드 4111 1111 1111 1111", "카드 4111-1111-****-1111"),
        ("4111-1111-1111-1111", "4111-1111-****-1111"),
        ("5500000000000004로 결제", "5500-0000-****-0004로 결제"),
        ("378282246310005", "3782-8224-****-005"),
    ],
)
def test_it_masks_luhn_valid_cards_hiding_digits_9_to_12(text, masked):
    assert mask_pii(text) == masked


def test_it_leaves_luhn_invalid_16_digit_numbers_alone():
    assert not luhn_valid("1234567890123456")
    assert mask_pii("1234-5678-9012-3456") == "1234-5678-9012-3456"


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("신한은행 110-123-456789 로 환불해 주세요", "신한은행 ***-****-6789 로 환불해 주세요"),
        ("환불 계좌 1234567890123", "환불 계좌 ***-****-0123"),
        ("카카오뱅크 3333-01-2345678", "카카오뱅크 ***-****-5678"),
    ],
)
def test_it_masks_account_numbers_next_to_bank_words(text, masked):
    assert mask_pii(text) == masked


def test_it_does_not_mask_long_numbers_without_bank_context():
    text = "주문번호 1234567890123 확인해 주세요"
    assert mask_pii(text) == text


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("abc.def@gmail.com 로 보내주세요", "ab***@gmail.com 로 보내주세요"),
        ("메일은 a@b.co", "메일은 a***@b.co"),
    ],
)
def test_it_masks_email_local_part(text, masked):
    assert mask_pii(text) == masked


@pytest.mark.parametrize(
    "text",
    [
        "ORD-20261126-0001 배송 조회",
        "주문번호 20261126",
        "주문 12345678 취소",
        "2026-11-26에 주문했어요",
        "가격은 35,000원이에요",
        "15881234",
        "요금 1000000000원 국민은행으로 냈어요",
    ],
)
def test_it_leaves_order_numbers_dates_and_prices_alone(text):
    assert mask_pii(text) == text


@pytest.mark.parametrize(
    ("text", "removed"),
    [
        ("제 번호는 01098765432이에요", "9876"),
        ("주민번호는 9502021234567", "234567"),
        ("카드는 4539 1488 0343 6467", "0343"),
        ("신한 110-987-654321로 보내주세요", "110987654"),
    ],
)
def test_it_keeps_no_hidden_digits_in_the_output(text, removed):
    assert removed not in re.sub(r"\D", "", mask_pii(text))


def test_it_reports_kinds_and_positions():
    text = "010-1234-5678 / hong@naver.com"
    assert [(m.kind, text[m.start : m.end]) for m in find_pii(text)] == [
        ("phone", "010-1234-5678"),
        ("email", "hong@naver.com"),
    ]


def test_it_masks_the_same_number_the_same_way_everywhere():
    assert mask_pii("01012345678") == mask_pii("010-1234-5678") == mask_pii("010 1234 5678")
