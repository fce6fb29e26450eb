from __future__ import annotations

import json
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError

from apps.scenarios.models import ScenarioStep

DEMO = Path(__file__).resolve().parents[2] / "apps" / "core" / "demo" / "scenarios.json"


def test_it_accepts_every_demo_step() -> None:
    for spec in json.loads(DEMO.read_text(encoding="utf-8")):
        for step in spec["steps"]:
            ScenarioStep(action=step["action"], params=step.get("params", {})).clean()


@pytest.mark.django_db
def test_it_refuses_bad_params_on_any_full_clean_path() -> None:
    step = ScenarioStep(action="end", params={"csat": "no"})

    with pytest.raises(ValidationError) as exc:
        step.full_clean(exclude=["scenario"])

    assert "params" in exc.value.message_dict
