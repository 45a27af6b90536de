"""Validators for text that ends up in an email header, a filename or a log line.

A CR or LF in such a field lets a sender inject headers ("Subject: hi\\r\\nBcc: ...") and
makes Django refuse the whole message (BadHeaderError), so they are refused at the door
with a clear message, in forms, serializers and model fields alike.
"""

import re
import unicodedata

from django.core.exceptions import ValidationError
from django.utils.deconstruct import deconstructible

# C0 and C1 control characters, DEL, and the Unicode line and paragraph separators.
CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")


@deconstructible
class NoControlCharactersValidator:
    """Refuses line breaks, tabs and other control characters in a single-line field."""

    message = "Use a single line of text: line breaks, tabs and control characters are not allowed."
    code = "control_characters"

    def __call__(self, value) -> None:
        if isinstance(value, str) and CONTROL_CHARACTERS.search(value):
            raise ValidationError(self.message, code=self.code)

    def __eq__(self, other) -> bool:
        return isinstance(other, NoControlCharactersValidator)


no_control_characters = NoControlCharactersValidator()


def single_line(value: str) -> str:
    """`value` with every run of control characters replaced by one space (for old rows)."""
    cleaned = CONTROL_CHARACTERS.sub(" ", value or "")
    return re.sub(r" {2,}", " ", unicodedata.normalize("NFC", cleaned)).strip()
