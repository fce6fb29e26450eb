"""The bot content mirror in Amazon DynamoDB, read by the Lex code-hook Lambda.

AWS resources: the table `settings.AICC_DYNAMODB_TABLE` in `settings.AWS_REGION`, partition key
`intent_code` (S), on-demand capacity. `create_table` makes it for a first deployment.
IAM actions for the portal: dynamodb:PutItem, dynamodb:DeleteItem, dynamodb:Scan (resync),
dynamodb:DescribeTable and dynamodb:CreateTable (only for `sync_dynamodb --create-table`).
The Lambda (lex_code_hook.py, zipped as lambda_handler.py) needs only dynamodb:GetItem.

Items (`ContentItem`): intent_code, kind ("faq" | "scenario"), text, source_id, optional
valid_from / valid_until (ISO 8601, the Lambda checks them), updated_at.
`LocalContentTable` keeps the same items in memory for `AICC_AWS_BACKEND=local`.
"""

from __future__ import annotations

import functools
from dataclasses import asdict, dataclass
from typing import Any, Protocol

from botocore.exceptions import BotoCoreError, ClientError
from django.conf import settings

from apps.integrations.aws import _client
from apps.integrations.aws.errors import wrap_client_error

KEY = "intent_code"


@dataclass(frozen=True)
class ContentItem:
    intent_code: str
    kind: str
    text: str
    source_id: int
    updated_at: str
    valid_from: str | None = None
    valid_until: str | None = None

    def to_item(self) -> dict[str, Any]:
        # DynamoDB refuses empty or null attributes it cannot type: leave them out.
        return {k: v for k, v in asdict(self).items() if v is not None}

    @classmethod
    def from_item(cls, item: dict[str, Any]) -> ContentItem:
        fields: dict[str, Any] = {k: item.get(k) for k in cls.__dataclass_fields__}
        fields["source_id"] = int(fields["source_id"] or 0)
        return cls(**fields)


class ContentTable(Protocol):
    def put(self, item: ContentItem) -> None: ...
    def delete(self, intent_code: str) -> None: ...
    def get(self, intent_code: str) -> ContentItem | None: ...
    def codes(self) -> set[str]: ...
    def create_table(self) -> bool: ...


class AwsContentTable:
    def __init__(self, client: Any | None = None, table: str | None = None) -> None:
        self._client = client
        self.table = table or settings.AICC_DYNAMODB_TABLE

    @property
    def client(self) -> Any:
        return self._client or _client.client("dynamodb")

    def _call(self, operation: str, **params: Any) -> Any:
        try:
            return getattr(self.client, operation)(**params)
        except (ClientError, BotoCoreError) as exc:
            raise wrap_client_error(exc) from exc

    def put(self, item: ContentItem) -> None:
        attributes = {
            k: {"N": str(v)} if isinstance(v, int) else {"S": str(v)}
            for k, v in item.to_item().items()
        }
        self._call("put_item", TableName=self.table, Item=attributes)

    def delete(self, intent_code: str) -> None:
        # Deleting a missing key succeeds: archive twice, or archive a never-mirrored FAQ.
        self._call("delete_item", TableName=self.table, Key={KEY: {"S": intent_code}})

    def get(self, intent_code: str) -> ContentItem | None:
        found = self._call(
            "get_item", TableName=self.table, Key={KEY: {"S": intent_code}}, ConsistentRead=True
        ).get("Item")
        if not found:
            return None
        return ContentItem.from_item({k: next(iter(v.values())) for k, v in found.items()})

    def codes(self) -> set[str]:
        codes: set[str] = set()
        params: dict[str, Any] = {"TableName": self.table, "ProjectionExpression": KEY}
        while True:
            page = self._call("scan", **params)
            codes.update(item[KEY]["S"] for item in page.get("Items", []))
            if "LastEvaluatedKey" not in page:
                return codes
            params["ExclusiveStartKey"] = page["LastEvaluatedKey"]

    def create_table(self) -> bool:
        """Create the table if it does not exist; True when it was created now."""
        try:
            self.client.describe_table(TableName=self.table)
            return False
        except self.client.exceptions.ResourceNotFoundException:
            pass
        except (ClientError, BotoCoreError) as exc:
            raise wrap_client_error(exc) from exc
        self._call(
            "create_table",
            TableName=self.table,
            BillingMode="PAY_PER_REQUEST",
            AttributeDefinitions=[{"AttributeName": KEY, "AttributeType": "S"}],
            KeySchema=[{"AttributeName": KEY, "KeyType": "HASH"}],
        )
        self.client.get_waiter("table_exists").wait(TableName=self.table)
        return True


class LocalContentTable:
    def __init__(self) -> None:
        self.items: dict[str, ContentItem] = {}

    def put(self, item: ContentItem) -> None:
        self.items[item.intent_code] = item

    def delete(self, intent_code: str) -> None:
        self.items.pop(intent_code, None)

    def get(self, intent_code: str) -> ContentItem | None:
        return self.items.get(intent_code)

    def codes(self) -> set[str]:
        return set(self.items)

    def create_table(self) -> bool:
        return False


@functools.lru_cache(maxsize=1)
def local_content_table() -> LocalContentTable:
    return LocalContentTable()


def get_content_table() -> ContentTable:
    if settings.AICC_AWS_BACKEND == "aws":
        return AwsContentTable()
    return local_content_table()
