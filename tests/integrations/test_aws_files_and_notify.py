"""S3, SNS and SES adapters on moto, with their local twins held to the same tests."""

from __future__ import annotations

from datetime import UTC, datetime
from urllib.parse import parse_qs, urlsplit

import boto3
import pytest
import requests
from django.core import mail
from django.core.files.base import ContentFile
from moto import mock_aws
from moto.backends import get_backend

from apps.integrations.aws import _client
from apps.integrations.aws.errors import IntegrationError
from apps.integrations.aws.notify import AwsNotifier, LocalNotifier, to_e164
from apps.integrations.aws.s3 import (
    AwsFiles,
    LocalFiles,
    django_storages_setting,
    report_key,
    transcript_key,
)

BUCKET = "aicc-files-test"
REGION = "ap-northeast-2"
ACCOUNT = "123456789012"  # moto's default account


@pytest.fixture
def aws(monkeypatch, settings):
    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_DEFAULT_REGION": REGION,
    }.items():
        monkeypatch.setenv(name, value)
    settings.AWS_REGION, settings.AWS_STORAGE_BUCKET_NAME = REGION, BUCKET
    settings.DEFAULT_FROM_EMAIL = "AICC Cloud <noreply@aicc.example>"
    _client.client.cache_clear()
    with mock_aws():
        s3 = boto3.client("s3", region_name=REGION)
        s3.create_bucket(Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": REGION})
        boto3.client("ses", region_name=REGION).verify_email_identity(
            EmailAddress="noreply@aicc.example"
        )
        yield
    _client.client.cache_clear()


@pytest.fixture(params=["aws", "local"])
def files(request, tmp_path, settings):
    if request.param == "aws":
        request.getfixturevalue("aws")
        return AwsFiles()
    settings.SITE_URL = "https://aicc.example"
    return LocalFiles(root=tmp_path)


def test_files_round_trip_and_delete(files) -> None:
    key = transcript_key(42, datetime(2026, 11, 26, tzinfo=UTC))
    assert key == "transcripts/2026/11/conversation-42.txt"
    stored = files.upload(key=key, content="고객: 요금 문의\n".encode(), content_type="text/plain")
    assert (stored.key, stored.size) == (key, len("고객: 요금 문의\n".encode()))
    assert files.read(key).decode() == "고객: 요금 문의\n"
    files.delete(key)
    files.delete(key)  # deleting twice is fine: retention purges are re-run
    with pytest.raises((IntegrationError, FileNotFoundError)):
        files.read(key)


def test_files_get_short_lived_presigned_urls(files) -> None:
    key = report_key("daily-kpi.csv", datetime(2026, 11, 26, tzinfo=UTC))
    files.upload(key=key, content=b"date,asa\n2026-11-26,41\n", content_type="text/csv")
    url = files.presigned_url(key, expires_in=300)
    query = parse_qs(urlsplit(url).query)
    if isinstance(files, AwsFiles):
        assert urlsplit(url).path.endswith(key)
        assert query["X-Amz-Expires"] == ["300"] and "X-Amz-Signature" in query
        assert requests.get(url, timeout=5).content == b"date,asa\n2026-11-26,41\n"
    else:
        assert LocalFiles.verify_token(query["token"][0]) == key
        assert LocalFiles.verify_token(query["token"][0] + "x") is None


def test_s3_objects_are_encrypted_at_rest(aws) -> None:
    AwsFiles().upload(key="reports/x.csv", content=b"x", content_type="text/csv")
    head = boto3.client("s3", region_name=REGION).head_object(Bucket=BUCKET, Key="reports/x.csv")
    assert head["ServerSideEncryption"] == "AES256"
    assert head["ContentType"] == "text/csv"


def test_the_django_storages_setting_writes_to_the_bucket(aws) -> None:
    from storages.backends.s3 import S3Storage

    setting = django_storages_setting(BUCKET, REGION)
    assert setting["BACKEND"] == "storages.backends.s3.S3Storage"
    storage = S3Storage(**setting["OPTIONS"])
    name = storage.save("transcripts/t.txt", ContentFile(b"hello"))
    assert storage.open(name).read() == b"hello"
    assert "X-Amz-Signature" in storage.url(name)


def test_a_missing_bucket_is_a_permanent_error(aws, settings) -> None:
    settings.AWS_STORAGE_BUCKET_NAME = "no-such-bucket"
    with pytest.raises(IntegrationError) as caught:
        AwsFiles().upload(key="k", content=b"x", content_type="text/plain")
    assert caught.value.code == "NoSuchBucket" and not caught.value.retryable


# --- notifications -------------------------------------------------------------------------------


@pytest.fixture(params=["aws", "local"])
def notifier(request):
    if request.param == "aws":
        request.getfixturevalue("aws")
        return AwsNotifier()
    return LocalNotifier()


def _sent_sms() -> list[tuple[str, str]]:
    sns = get_backend("sns")[ACCOUNT][REGION]
    return [(number, text) for number, text, *_rest in sns.sms_messages.values()]


def test_sms_go_out_in_e164(notifier) -> None:
    message_id = notifier.send_sms(phone="010-1234-5678", text="[AICC] 결제 링크를 보냈습니다.")
    assert message_id
    sent = _sent_sms() if isinstance(notifier, AwsNotifier) else notifier.sms_outbox
    assert sent == [("+821012345678", "[AICC] 결제 링크를 보냈습니다.")]


def test_email_goes_out(notifier) -> None:
    message_id = notifier.send_email(to="kim@example.com", subject="상담 내역", body="감사합니다.")
    assert message_id
    if isinstance(notifier, AwsNotifier):
        ses = get_backend("ses")[ACCOUNT][REGION]
        assert [(m.destinations["ToAddresses"], m.subject) for m in ses.sent_messages] == [
            (["kim@example.com"], "상담 내역")
        ]
    else:
        assert [(m.to, m.subject) for m in mail.outbox] == [(["kim@example.com"], "상담 내역")]


def test_ses_can_be_swapped_for_djangos_backend(aws, settings) -> None:
    settings.AICC_EMAIL_VIA = "django"
    AwsNotifier().send_email(to="kim@example.com", subject="s", body="b")
    assert len(mail.outbox) == 1


@pytest.mark.parametrize(
    ("raw", "e164"),
    [
        ("010-1234-5678", "+821012345678"),
        ("02-123-4567", "+8221234567"),
        ("+82 10 1234 5678", "+821012345678"),
    ],
)
def test_korean_numbers_become_e164(raw: str, e164: str) -> None:
    assert to_e164(raw) == e164


def test_garbage_numbers_are_refused() -> None:
    with pytest.raises(IntegrationError) as caught:
        to_e164("1234")
    assert not caught.value.retryable
