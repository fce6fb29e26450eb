"""Custom metrics in Amazon CloudWatch: live KPIs and health, published every minute.

AWS resources: none to create; metrics appear under `settings.AICC_CLOUDWATCH_NAMESPACE`
("AICC") in `settings.AWS_REGION` on the first put. IAM action: cloudwatch:PutMetricData
(it supports no resource-level permission; restrict with the `cloudwatch:namespace` condition key).

`LocalMetrics` keeps the last batches in memory, so `AICC_AWS_BACKEND=local` with
`AICC_CLOUDWATCH_ENABLED=true` exercises the publisher offline.
"""

from __future__ import annotations

import functools
from collections import deque
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from botocore.exceptions import BotoCoreError, ClientError
from django.conf import settings

from apps.integrations.aws import _client
from apps.integrations.aws.errors import wrap_client_error

# PutMetricData takes at most 1,000 datums per call; we stay far below, batch anyway.
BATCH_SIZE = 500


@dataclass(frozen=True)
class Metric:
    name: str
    value: float
    unit: str = "None"  # CloudWatch unit names: Count, Seconds, Percent, None
    dimensions: dict[str, str] = field(default_factory=dict)

    def to_datum(self, timestamp: datetime) -> dict[str, Any]:
        return {
            "MetricName": self.name,
            "Value": float(self.value),
            "Unit": self.unit,
            "Timestamp": timestamp,
            "Dimensions": [{"Name": k, "Value": v} for k, v in sorted(self.dimensions.items())],
        }


class MetricsSink(Protocol):
    def put(self, *, namespace: str, metrics: list[Metric], timestamp: datetime) -> int: ...


class AwsMetrics:
    def __init__(self, client: Any | None = None) -> None:
        self._client = client

    @property
    def client(self) -> Any:
        return self._client or _client.client("cloudwatch")

    def put(self, *, namespace: str, metrics: list[Metric], timestamp: datetime) -> int:
        for start in range(0, len(metrics), BATCH_SIZE):
            batch = metrics[start : start + BATCH_SIZE]
            try:
                self.client.put_metric_data(
                    Namespace=namespace, MetricData=[m.to_datum(timestamp) for m in batch]
                )
            except (ClientError, BotoCoreError) as exc:
                raise wrap_client_error(exc) from exc
        return len(metrics)


class LocalMetrics:
    def __init__(self) -> None:
        self.batches: deque[tuple[str, datetime, list[Metric]]] = deque(maxlen=60)

    def put(self, *, namespace: str, metrics: list[Metric], timestamp: datetime) -> int:
        self.batches.append((namespace, timestamp, list(metrics)))
        return len(metrics)


@functools.lru_cache(maxsize=1)
def local_metrics() -> LocalMetrics:
    return LocalMetrics()


def get_metrics_sink() -> MetricsSink:
    if settings.AICC_AWS_BACKEND == "aws":
        return AwsMetrics()
    return local_metrics()
