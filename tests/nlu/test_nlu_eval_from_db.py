from __future__ import annotations

import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from tests.factories import FaqAlternativeFactory, FaqFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def faqs(db):
    def make(question, *alternatives):
        faq = FaqFactory(question=question)
        for text in alternatives:
            FaqAlternativeFactory(faq=faq, text=text)
        return faq

    return [
        make("비밀번호를 잊어버렸어요", "비번 재설정 방법", "패스워드 초기화하고 싶어요"),
        make("비밀번호를 바꾸고 싶어요", "비번 변경 방법", "패스워드 변경은 어떻게 하나요"),
        make("배송 조회는 어떻게 하나요", "택배 어디쯤 왔어요", "주문한 물건 배송 확인"),
        make("요금제를 변경하고 싶어요", "요금제 바꾸는 법", "더 싼 요금제로 옮기기"),
    ]


def test_from_db_scores_every_alternative_and_lists_confusable_pairs(faqs):
    out = StringIO()
    call_command("nlu_eval", "--from-db", "--json", stdout=out)

    result = json.loads(out.getvalue())
    assert result["faqs"] == 4
    assert result["n"] == 8  # every alternative asked once, against an index without it
    assert 0 <= result["accuracy"] <= 1
    for pair in result["confusable_pairs"]:
        assert pair["a"] in {f.question for f in faqs} and pair["b"] in {f.question for f in faqs}
        assert pair["count"] >= 1 and pair["example"]


def test_from_db_prints_a_readable_report(faqs):
    out = StringIO()
    call_command("nlu_eval", "--from-db", stdout=out)

    assert "leave-one-out" in out.getvalue()
    assert "accuracy" in out.getvalue()


def test_from_db_cannot_be_mixed_with_files(tmp_path):
    with pytest.raises(CommandError):
        call_command("nlu_eval", "--from-db", "--train", str(tmp_path / "a.csv"))


def test_files_are_required_without_from_db():
    with pytest.raises(CommandError):
        call_command("nlu_eval")
