from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from apps.core.models import TimeStampedModel
from apps.core.pii import mask_pii
from apps.core.validators import empty_when_null, validate_string_list


class Customer(TimeStampedModel):
    crm_id = models.CharField(_("CRM ID"), max_length=64, unique=True)
    name = models.CharField(_("이름"), max_length=100)
    phone = models.CharField(_("전화번호"), max_length=32, blank=True, db_index=True)
    email = models.EmailField(_("이메일"), blank=True)
    tags = models.JSONField(_("태그"), default=list, blank=True, validators=[validate_string_list])
    notes = models.TextField(_("메모"), blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("고객")
        verbose_name_plural = _("고객")

    def __str__(self) -> str:
        return f"{self.name} ({self.crm_id})"

    # Lists and the desk show these; the full value needs an audit-logged reveal.
    @property
    def masked_phone(self) -> str:
        return mask_pii(self.phone) if self.phone else ""

    @property
    def masked_email(self) -> str:
        return mask_pii(self.email) if self.email else ""

    def clean(self) -> None:
        empty_when_null(self, tags=[])
