"""A text field encrypted at rest (Fernet), for secrets the app must read back in clear (webhook secrets).

The key is derived from WEBHOOK_SECRET_KEY (or SECRET_KEY); values written under an older key are still read
with WEBHOOK_SECRET_KEY_FALLBACKS / SECRET_KEY_FALLBACKS, so keys can be rotated as Django's own are.
"""

import base64
import functools

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import models

# Values stored before encryption was introduced (migrated on upgrade) are recognized by their prefix.
CLEAR_PREFIXES = ("whsec_",)


def _fernet_key(secret: str) -> bytes:
    hkdf = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"routeswit.fields.EncryptedTextField")
    return base64.urlsafe_b64encode(hkdf.derive(secret.encode()))


@functools.cache
def _fernet(primary: str, fallbacks: tuple[str, ...]) -> MultiFernet:
    return MultiFernet([Fernet(_fernet_key(secret)) for secret in (primary, *fallbacks)])


def fernet() -> MultiFernet:
    primary = getattr(settings, "WEBHOOK_SECRET_KEY", "") or settings.SECRET_KEY
    fallbacks = getattr(settings, "WEBHOOK_SECRET_KEY_FALLBACKS", None) or getattr(
        settings, "SECRET_KEY_FALLBACKS", []
    )
    return _fernet(primary, tuple(fallbacks))


def encrypt(value: str) -> str:
    return fernet().encrypt(value.encode()).decode()


def decrypt(token: str) -> str:
    if token.startswith(CLEAR_PREFIXES):
        return token
    try:
        return fernet().decrypt(token.encode()).decode()
    except InvalidToken:
        raise ImproperlyConfigured(
            "An encrypted secret cannot be read with the configured WEBHOOK_SECRET_KEY / SECRET_KEY "
            "(was the key changed without keeping the old one in the fallbacks?)."
        ) from None


class EncryptedTextField(models.TextField):
    def from_db_value(self, value, expression, connection):
        return None if value is None else decrypt(value)

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        if value is None or value == "":
            return value
        return encrypt(value)
