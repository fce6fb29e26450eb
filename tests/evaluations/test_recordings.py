"""Call recording playback: short-lived presigned URL (S3 or local twin), audit-logged."""

from __future__ import annotations

from unittest import mock
from urllib.parse import parse_qs, urlsplit

import boto3
import pytest
from django.test import Client
from django.urls import reverse
from moto import mock_aws

from apps.core.models import AuditAction, AuditLog
from apps.evaluations.models import CallRecording
from apps.evaluations.recordings import PLAYBACK_URL_SECONDS, recording_register
from apps.integrations.aws import _client
from apps.integrations.aws.s3 import LocalFiles
from tests.evaluations.factories import closed_conversation, make_form
from tests.factories import CustomerFactory, EvaluationFactory

pytestmark = pytest.mark.django_db

KEY = "connect/aicc/CallRecordings/2026/11/20/contact-1_20261120T0301_UTC.wav"
AUDIO = b"RIFF\x24\x00\x00\x00WAVEfmt "


@pytest.fixture
def evaluation(agent, qa_evaluator):
    conversation = closed_conversation(
        agent, channel="voice", connect_contact_id="contact-1", customer=CustomerFactory()
    )
    recording_register(conversation=conversation, storage_key=KEY)
    return EvaluationFactory(
        agent=agent, evaluator=qa_evaluator, conversation=conversation, form=make_form()
    )


@pytest.fixture
def client_as_evaluator(qa_evaluator) -> Client:
    client = Client()
    client.force_login(qa_evaluator)
    return client


@pytest.fixture
def local_store(settings, tmp_path):
    settings.AICC_STORAGE, settings.MEDIA_ROOT = "local", tmp_path
    LocalFiles().upload(key=KEY, content=AUDIO, content_type="audio/wav")


def test_the_page_has_a_player_only_for_connect_voice(
    client_as_evaluator, evaluation, agent, qa_evaluator
) -> None:
    page = client_as_evaluator.get(reverse("evaluations:evaluation", args=[evaluation.pk]))
    assert reverse("evaluations:recording", args=[evaluation.pk]) in page.content.decode()
    assert not AuditLog.objects.exists()  # rendering the page is not a playback

    chat = EvaluationFactory(
        agent=agent,
        evaluator=qa_evaluator,
        form=make_form(),
        conversation=closed_conversation(agent),
    )
    page = client_as_evaluator.get(reverse("evaluations:evaluation", args=[chat.pk]))
    assert page.context["recording"] is None
    assert (
        client_as_evaluator.get(reverse("evaluations:recording", args=[chat.pk])).status_code == 404
    )


def test_playback_from_s3_is_presigned_short_lived_and_audited(
    client_as_evaluator, evaluation, qa_evaluator, settings, monkeypatch
) -> None:
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        monkeypatch.setenv(name, "testing")
    settings.AICC_STORAGE, settings.AWS_REGION = "s3", "ap-northeast-2"
    settings.AWS_STORAGE_BUCKET_NAME = "aicc-recordings-test"
    _client.client.cache_clear()
    with mock_aws():
        boto3.client("s3", region_name="ap-northeast-2").create_bucket(
            Bucket="aicc-recordings-test",
            CreateBucketConfiguration={"LocationConstraint": "ap-northeast-2"},
        )
        response = client_as_evaluator.get(reverse("evaluations:recording", args=[evaluation.pk]))
    _client.client.cache_clear()

    assert response.status_code == 302
    url = urlsplit(response["Location"])
    query = parse_qs(url.query)
    assert url.path.endswith(KEY)
    assert query["X-Amz-Expires"] == [str(PLAYBACK_URL_SECONDS)] and PLAYBACK_URL_SECONDS <= 300
    assert "X-Amz-Signature" in query
    assert response["Cache-Control"] == "no-store"
    log = AuditLog.objects.get()
    assert (log.user, log.action) == (qa_evaluator, AuditAction.RECORDING_PLAY)
    assert log.target == f"conversation:{evaluation.conversation_id}"
    assert log.customer == evaluation.conversation.customer
    assert f"#{evaluation.pk}" in log.reason


def test_offline_playback_serves_the_local_file_through_a_signed_token(
    client_as_evaluator, evaluation, local_store
) -> None:
    handed = client_as_evaluator.get(reverse("evaluations:recording", args=[evaluation.pk]))

    assert handed.status_code == 302
    assert handed["Location"].startswith(reverse("evaluations:recording_file"))
    played = client_as_evaluator.get(handed["Location"])
    assert played.status_code == 200
    assert played.content == AUDIO and played["Content-Type"] == "audio/wav"
    assert AuditLog.objects.filter(action=AuditAction.RECORDING_PLAY).count() == 1

    forged = client_as_evaluator.get(handed["Location"] + "x")
    assert forged.status_code == 403


def test_the_local_link_expires(client_as_evaluator, evaluation, local_store) -> None:
    import time

    handed = client_as_evaluator.get(reverse("evaluations:recording", args=[evaluation.pk]))
    token = parse_qs(urlsplit(handed["Location"]).query)["token"][0]
    later = time.time() + PLAYBACK_URL_SECONDS + 1

    with mock.patch("django.core.signing.time.time", return_value=later):
        expired = client_as_evaluator.get(handed["Location"])

    assert expired.status_code == 403
    assert LocalFiles.verify_token(token) == KEY  # still valid now: it was the clock


def test_every_playback_is_logged(client_as_evaluator, evaluation, local_store) -> None:
    for _ in range(3):
        client_as_evaluator.get(reverse("evaluations:recording", args=[evaluation.pk]))

    assert AuditLog.objects.filter(action=AuditAction.RECORDING_PLAY).count() == 3


def test_agents_and_other_evaluators_get_no_url(client_as_agent, evaluation) -> None:
    from tests.factories import UserFactory

    other = Client()
    other.force_login(UserFactory(roles=["qa_evaluator"]))
    url = reverse("evaluations:recording", args=[evaluation.pk])

    assert client_as_agent.get(url).status_code == 403
    assert other.get(url).status_code == 404
    assert not AuditLog.objects.exists()


def test_recordings_attach_only_to_connect_voice_contacts(agent) -> None:
    from apps.core.exceptions import ApplicationError

    with pytest.raises(ApplicationError):
        recording_register(conversation=closed_conversation(agent), storage_key=KEY)
    voice = closed_conversation(agent, channel="voice", connect_contact_id="c-9")
    recording_register(conversation=voice, storage_key="a.wav")
    recording_register(conversation=voice, storage_key="b.wav")  # re-sync moves it, no duplicate
    assert CallRecording.objects.get(conversation=voice).storage_key == "b.wav"
