from __future__ import annotations

from datetime import date
from unittest.mock import patch
from urllib.parse import parse_qs, urlparse

import pytest
from django.urls import reverse

from apps.core.models import AuditAction, AuditLog
from apps.reports.models import ConversationExport, RunStatus

pytestmark = pytest.mark.django_db
DAY = {"date_from": "2026-03-02", "date_to": "2026-03-02"}


def test_it_refuses_agents(client_as_agent):
    response = client_as_agent.get(reverse("reports:kpis"))

    assert response.status_code == 403


def test_it_shows_each_kpi_with_its_formula_grouped_by_queue(client_as_supervisor, kpi_day):
    response = client_as_supervisor.get(reverse("reports:kpis"), {**DAY, "group": "queue"})

    content = response.content.decode()
    assert response.status_code == 200
    assert "큐A" in content and "큐B" in content
    assert "이탈한 대화 ÷ 대기열에 들어간 대화" in content  # the abandonment formula
    total = response.context["total"]["cells"]
    assert [c["text"] for c in total[:3]] == ["8", "25.0%", "62.5%"]


def test_each_figure_links_to_the_conversations_behind_it(client_as_supervisor, kpi_day):
    page = client_as_supervisor.get(reverse("reports:kpis"), {**DAY, "group": "queue"})
    row_a = next(r for r in page.context["rows"] if r["label"] == "큐A")
    abandonment = row_a["cells"][5]  # order of apps.reports.drilldown.KPIS

    url = urlparse(abandonment["url"])
    listing = client_as_supervisor.get(url.path, parse_qs(url.query))

    assert listing.status_code == 200
    assert [c.user_id for c in listing.context["cl"].result_list] == ["u6"]


def test_it_drills_down_to_a_team(client_as_supervisor, kpi_day):
    page = client_as_supervisor.get(reverse("reports:kpis"), {**DAY, "group": "team"})
    row = next(r for r in page.context["rows"] if r["label"] == "1팀")

    url = urlparse(row["cells"][0]["url"])
    listing = client_as_supervisor.get(url.path, parse_qs(url.query))

    assert sorted(c.user_id for c in listing.context["cl"].result_list) == ["u2", "u4"]


def test_it_rejects_a_reversed_period_naming_the_field(client_as_supervisor):
    response = client_as_supervisor.get(
        reverse("reports:kpis"),
        {"date_from": "2026-03-05", "date_to": "2026-03-01", "group": "day"},
    )

    assert response.status_code == 400
    assert "종료일은 시작일과 같거나 뒤여야 합니다." in response.content.decode()


def test_export_needs_a_reason(client_as_supervisor, kpi_day):
    response = client_as_supervisor.post(
        reverse("reports:export_create"), {**DAY, "group": "queue", "value": kpi_day.qa.pk}
    )

    assert response.status_code == 400
    assert "내보내기 사유" in response.content.decode()
    assert not ConversationExport.objects.exists()


def test_export_runs_as_a_task_and_is_audited_and_downloadable_by_its_requester(
    client_as_supervisor, supervisor, other_supervisor, kpi_day, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = client_as_supervisor.post(
            reverse("reports:export_create"),
            {**DAY, "group": "queue", "value": kpi_day.qa.pk, "reason": "민원 대응 확인"},
        )

    assert response.status_code == 302
    assert len(callbacks) == 1  # queued after commit, not built in the request
    export = ConversationExport.objects.get()
    assert (export.status, export.row_count) == (RunStatus.SUCCESS, 3)
    log = AuditLog.objects.get()
    assert (log.user, log.action, log.reason) == (supervisor, AuditAction.EXPORT, "민원 대응 확인")
    download = client_as_supervisor.get(reverse("reports:export_download", args=[export.pk]))
    body = b"".join(download.streaming_content).decode("utf-8-sig").splitlines()
    assert body[0].startswith("대화 ID,세션 ID,채널,고객 식별자,상태,큐")
    assert sorted(line.split(",")[3] for line in body[1:]) == ["u2", "u4", "u6"]
    other = other_supervisor
    client_as_supervisor.force_login(other)
    assert (
        client_as_supervisor.get(reverse("reports:export_download", args=[export.pk])).status_code
        == 404
    )


def test_the_export_task_is_queued_not_run_inline(
    client_as_supervisor, kpi_day, django_capture_on_commit_callbacks
):
    with patch("apps.reports.tasks.export_conversations.delay") as delay:
        with django_capture_on_commit_callbacks(execute=True):
            client_as_supervisor.post(reverse("reports:export_create"), {**DAY, "reason": "점검"})

    export = ConversationExport.objects.get()
    delay.assert_called_once_with(export.pk)
    assert export.status == RunStatus.PENDING


@pytest.mark.parametrize(
    "group, value",
    [
        ("", None),
        ("day", date(2026, 3, 2)),
        ("agent", None),
        ("agent", 7),
        ("team", 3),
        ("queue", None),
    ],
)
def test_batched_drilldown_links_equal_one_link_per_figure(group, value):
    from apps.reports import drilldown

    urls = drilldown.Links().row(date(2026, 3, 1), date(2026, 3, 7), group, value)

    for meta in drilldown.KPIS:
        lookups = drilldown.row_lookups(date(2026, 3, 1), date(2026, 3, 7), group, value, meta.key)
        assert urls[meta.key] == drilldown.changelist_url(lookups)
