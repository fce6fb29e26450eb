from __future__ import annotations

import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from apps.nlu.evaluation import evaluate

TRAIN = [
    ("배송 조회하고 싶어요", "order_status"),
    ("택배 어디쯤 왔어요", "order_status"),
    ("주문한 거 언제 와요", "order_status"),
    ("비밀번호를 잊어버렸어요", "password_reset"),
    ("비번 재설정 해주세요", "password_reset"),
    ("로그인 비밀번호 찾기", "password_reset"),
    ("요금제 바꾸고 싶어요", "plan_change"),
    ("더 싼 요금제로 변경", "plan_change"),
]
TEST = [
    ("배송조회 해줘", "order_status"),
    ("비밀번호 까먹었어요", "password_reset"),
    ("요금제 변경하고 싶습니다", "plan_change"),
]
KEYS = {"accuracy", "macro_f1", "top3", "mrr", "p50_ms", "p95_ms", "build_s", "n"}


def _write_csv(path, rows, header="text,label"):
    lines = [header] + [f"{text},{label}" for text, label in rows]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return str(path)


def test_it_prints_one_json_object_with_the_metrics(tmp_path):
    train = _write_csv(tmp_path / "train.csv", TRAIN)
    test = _write_csv(tmp_path / "test.csv", TEST)
    out = StringIO()
    call_command("nlu_eval", "--train", train, "--test", test, "--json", stdout=out)
    result = json.loads(out.getvalue())
    assert set(result) == KEYS
    assert result["n"] == 3
    assert result["accuracy"] == 1.0


def test_it_prints_a_readable_summary_without_json(tmp_path):
    train = _write_csv(tmp_path / "train.csv", TRAIN)
    test = _write_csv(tmp_path / "test.csv", TEST)
    out = StringIO()
    call_command("nlu_eval", "--train", train, "--test", test, stdout=out)
    assert "accuracy" in out.getvalue()
    assert "p95" in out.getvalue()


def test_it_rejects_a_missing_file(tmp_path):
    test = _write_csv(tmp_path / "test.csv", TEST)
    with pytest.raises(CommandError, match="cannot read"):
        call_command("nlu_eval", "--train", str(tmp_path / "nope.csv"), "--test", test)


def test_it_rejects_missing_columns(tmp_path):
    train = _write_csv(tmp_path / "train.csv", TRAIN, header="question,intent")
    test = _write_csv(tmp_path / "test.csv", TEST)
    with pytest.raises(CommandError, match="missing column"):
        call_command("nlu_eval", "--train", train, "--test", test)


def test_it_scores_ranking_metrics_from_plain_rows():
    result = evaluate(TRAIN, TEST + [("전혀 상관없는 문장", "unknown_label")])
    assert result["n"] == 4
    assert result["accuracy"] == 0.75
    assert result["top3"] == 0.75
    assert 0 < result["mrr"] <= 1
