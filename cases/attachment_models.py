"""A file attached to a case message: a screenshot or a PDF (validated in cases.attachments)."""

from django.conf import settings
from django.db import models
from django.utils import timezone

from cases.attachments import attachment_storage, storage_name


class CaseAttachment(models.Model):
    """One uploaded file on one message of a case; readable by whoever may read the message."""

    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="attachments")
    message = models.ForeignKey("cases.Message", on_delete=models.CASCADE,
                                related_name="attachments")
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="+")
    file = models.FileField(upload_to=storage_name, storage=attachment_storage, max_length=200)
    name = models.CharField(max_length=120, help_text="the uploader's file name, made safe")
    content_type = models.CharField(max_length=50)
    size = models.PositiveIntegerField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.name} on {self.case_id}"

    @property
    def is_image(self) -> bool:
        return self.content_type.startswith("image/")
