from __future__ import annotations

import csv
import io
from datetime import datetime

import pytest
from django.core import mail
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone

from apps.chat.models import ConversationState
from apps.core import roles
from apps.core.audit import audit_monthly_summary, audit_record, parse_month
from apps.core.models import AuditAction, AuditLog
from apps.customers.crm import CrmCustomer
from apps.desk.services import customer_reveal
from apps.monitoring.tasks import audit_monthly_report
from tests.factories import (
    AuditLogFactory,
    ConversationFactory,
    CustomerFactory,
    FaqFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


def _at(day: str) -> datetime:
    return timezone.make_aware(datetime.fromisoformat(day))


def _log(user, action, day: str, customer=None) -> AuditLog:
    log = audit_record(user, action, "customer:x", customer=customer, reason="확인")
    AuditLog.objects.filter(pk=log.pk).update(created_at=_at(day))
    return log


def test_audit_record_stores_who_what_and_why(supervisor):
    customer = CustomerFactory()

    log = audit_record(
        supervisor,
        AuditAction.EXPORT,
        "chat.conversation ×3",
        customer=customer,
        fields=["phone", "email"],
        reason=" 민원 대응 ",
    )

    log.refresh_from_db()
    assert (log.user, log.action, log.target, log.customer, log.fields, log.reason) == (
        supervisor,
        "export",
        "chat.conversation ×3",
        customer,
        "phone,email",
        "민원 대응",
    )
    assert log.created_at is not None


def test_audit_record_refuses_an_unknown_action(supervisor):
    with pytest.raises(ValueError):
        audit_record(supervisor, "peek", "customer:1")


def test_a_pii_reveal_is_audited(agent):
    customer = CustomerFactory(crm_id="C-77")
    conversation = ConversationFactory(
        state=ConversationState.ASSIGNED, agent=agent, customer=customer
    )

    customer_reveal(
        user=agent.user,
        conversation=conversation,
        crm_customer=CrmCustomer(crm_id="C-77", name="홍길동"),
        reason="본인 확인",
    )

    log = AuditLog.objects.get()
    assert (log.user, log.action, log.customer, log.target) == (
        agent.user,
        AuditAction.PII_REVEAL,
        customer,
        "customer:C-77",
    )
    assert log.reason.startswith("본인 확인")


def test_a_faq_export_from_admin_is_audited(client_as_supervisor, supervisor):
    FaqFactory.create_batch(2)

    response = client_as_supervisor.post(
        reverse("admin:faqs_faq_export"),
        {"format": "0", "resource": "0", "faqresource_id": "on", "faqresource_question": "on"},
    )

    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    log = AuditLog.objects.get()
    assert (log.user, log.action, log.target) == (supervisor, AuditAction.EXPORT, "faqs.faq ×2")


def _admin_client(client):
    client.force_login(UserFactory(username="auditor", roles=[roles.ADMIN]))
    return client


def test_the_audit_admin_is_read_only_for_admins(client):
    log = AuditLogFactory()
    client = _admin_client(client)

    assert client.get(reverse("admin:core_auditlog_changelist")).status_code == 200
    assert client.get(reverse("admin:core_auditlog_add")).status_code == 403
    assert client.get(reverse("admin:core_auditlog_delete", args=[log.pk])).status_code == 403
    page = client.get(reverse("admin:core_auditlog_change", args=[log.pk]))
    assert page.status_code == 200
    assert b'name="_save"' not in page.content
    client.post(reverse("admin:core_auditlog_change", args=[log.pk]), {"reason": "changed"})
    log.refresh_from_db()
    assert log.reason == "본인 확인"


def test_the_audit_admin_filters_by_action_and_searches_by_user(client):
    AuditLogFactory(user=UserFactory(username="kim"), action="export", target="faqs.faq ×1")
    AuditLogFactory(user=UserFactory(username="lee"), action="pii_reveal", target="customer:9")
    client = _admin_client(client)
    url = reverse("admin:core_auditlog_changelist")

    by_action = client.get(url, {"action__exact": "export"}).context["cl"].result_list
    by_user = client.get(url, {"q": "lee"}).context["cl"].result_list

    assert [log.user.username for log in by_action] == ["kim"]
    assert [log.target for log in by_user] == ["customer:9"]


def test_supervisors_cannot_read_the_audit_log(client_as_supervisor):
    assert client_as_supervisor.get(reverse("admin:core_auditlog_changelist")).status_code == 403


def _march_fixture():
    kim, lee = UserFactory(username="kim"), UserFactory(username="lee")
    a, b = CustomerFactory(), CustomerFactory()
    _log(kim, AuditAction.PII_REVEAL, "2026-03-01 00:00", a)  # first instant, KST
    _log(kim, AuditAction.PII_REVEAL, "2026-03-10 12:00", a)
    _log(kim, AuditAction.PII_REVEAL, "2026-03-11 12:00", b)
    _log(kim, AuditAction.EXPORT, "2026-03-31 23:59")
    _log(lee, AuditAction.RECORDING_PLAY, "2026-03-15 09:00", b)
    _log(lee, AuditAction.PII_REVEAL, "2026-02-28 23:59", a)  # February
    _log(lee, AuditAction.PII_REVEAL, "2026-04-01 00:00", a)  # April


def test_the_monthly_summary_counts_actions_and_customers_per_user():
    _march_fixture()

    rows = audit_monthly_summary(month=parse_month("2026-03"))

    assert [(r.username, r.total, r.customers) for r in rows] == [("kim", 4, 2), ("lee", 1, 1)]
    assert rows[0].by_action == {
        "pii_reveal": 3,
        "export": 1,
        "recording_play": 0,
        "report_view": 0,
    }
    assert rows[1].by_action["recording_play"] == 1


def test_audit_report_command_writes_the_csv(tmp_path):
    _march_fixture()
    target = tmp_path / "audit.csv"
    out = io.StringIO()

    call_command("audit_report", "--month", "2026-03", "--output", str(target), stdout=out)

    table = list(csv.reader(io.StringIO(target.read_text(encoding="utf-8-sig"))))
    assert table == [
        ["사용자", "개인정보 열람", "내보내기", "녹취 재생", "보고서 열람", "고객 수", "합계"],
        ["kim", "3", "1", "0", "0", "2", "4"],
        ["lee", "0", "0", "1", "0", "1", "1"],
    ]
    assert "사용자 2명, 기록 5건" in out.getvalue()


def test_audit_report_command_prints_to_stdout_and_rejects_a_bad_month():
    _march_fixture()
    out = io.StringIO()
    call_command("audit_report", "--month", "2026-03", stdout=out)
    assert out.getvalue().splitlines()[1] == "kim,3,1,0,0,2,4"

    with pytest.raises(CommandError, match="YYYY-MM"):
        call_command("audit_report", "--month", "March")


def test_the_monthly_task_emails_the_report_to_admins_and_supervisors(supervisor):
    _march_fixture()
    UserFactory(username="agent-x", roles=[roles.AGENT])
    UserFactory(username="boss", roles=[roles.ADMIN])

    sent_to = audit_monthly_report.delay("2026-03").get()

    assert sent_to == 2
    message = mail.outbox[0]
    assert sorted(message.bcc) == ["boss@example.com", "supervisor1@example.com"]
    assert message.subject == "[AICC] 2026-03 개인정보 접근 월간 보고"
    name, content, mimetype = message.attachments[0]
    assert (name, mimetype) == ("audit-2026-03.csv", "text/csv")
    assert "kim,3,1,0,0,2,4" in content
