from __future__ import annotations

import pytest
from django.urls import reverse

from apps.reports.services import report_period
from tests.factories import ReportDefinitionFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def definition():
    return ReportDefinitionFactory(params={"days": 7})


def _post(client, definition, params: str):
    data = {
        "name": definition.name,
        "title": definition.title,
        "kind": definition.kind,
        "file_format": definition.file_format,
        "recipients": "",
        "params": params,
        "is_active": "on",
        "crontab": "",
    }
    return client.post(reverse("admin:reports_reportdefinition_change", args=[definition.pk]), data)


@pytest.mark.parametrize(
    "params",
    [
        "[1, 2]",
        '"text"',
        "5",
        '{"days": "abc"}',
        '{"days": "7"}',
        '{"days": true}',
        '{"days": 0}',
        '{"days": 367}',
        '{"day": 7}',
    ],
)
def test_it_refuses_params_report_period_cannot_read(params, definition, client_as_supervisor):
    response = _post(client_as_supervisor, definition, params)

    assert response.status_code == 200
    assert response.context["adminform"].form.errors["params"]
    definition.refresh_from_db()
    assert definition.params == {"days": 7}
    assert definition.periodic_task is None


@pytest.mark.parametrize(
    ("params", "saved"), [("", {}), ("null", {}), ('{"days": 30}', {"days": 30})]
)
def test_it_saves_params_the_run_can_use(params, saved, definition, client_as_supervisor):
    assert _post(client_as_supervisor, definition, params).status_code == 302

    definition.refresh_from_db()
    assert definition.params == saved
    report_period(definition=definition, day=definition.created_at.date())  # does not raise


def test_the_model_refuses_bad_recipients_and_params_whatever_form_saves_it(definition):
    from django.core.exceptions import ValidationError

    definition.recipients = "ops@example.com\nnot-an-email\n"
    definition.params = {"days": 0}
    with pytest.raises(ValidationError) as caught:
        definition.full_clean()
    assert set(caught.value.message_dict) == {"recipients", "params"}
    assert "not-an-email" in caught.value.message_dict["recipients"][0]


def test_the_model_tidies_recipients_and_reads_null_params_as_no_params(definition):
    definition.recipients = "  ops@example.com \n\n qa@example.com"
    definition.params = None
    definition.full_clean()
    assert definition.recipients == "ops@example.com\nqa@example.com"
    assert definition.params == {}
