"""The kinds of personal data the redactor finds, and the placeholder each becomes."""
from __future__ import annotations

PERSON, PHONE, EMAIL, ADDRESS, POSTCODE = "PERSON", "PHONE", "EMAIL", "ADDRESS", "POSTCODE"
DATE, ID_NUMBER, CARD, IP, URL, HANDLE = "DATE", "ID_NUMBER", "CARD", "IP", "URL", "HANDLE"
OTHER_LANGUAGE_ENTITY = "OTHER_LANGUAGE"

PLACEHOLDERS = {
    PERSON: "[NAME]", PHONE: "[PHONE]", EMAIL: "[EMAIL]", ADDRESS: "[ADDRESS]",
    POSTCODE: "[POSTCODE]", DATE: "[DATE]", ID_NUMBER: "[ID_NUMBER]", CARD: "[CARD]",
    IP: "[IP]", URL: "[URL]", HANDLE: "[HANDLE]",
}
# A whole message the redactor cannot check (a language we do not support, or a failure).
OTHER_LANGUAGE = "[OTHER_LANGUAGE]"
