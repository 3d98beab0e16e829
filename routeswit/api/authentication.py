"""API-key authentication: `Authorization: Bearer <key>` or `X-API-Key: <key>`."""

from rest_framework import authentication, exceptions

from routeswit.orgs.services import api_key_authenticate


class ApiKeyAuthentication(authentication.BaseAuthentication):
    def authenticate(self, request):
        raw = self._raw_key(request)
        if raw is None:
            return None
        api_key = api_key_authenticate(raw_key=raw)
        if api_key is None:
            raise exceptions.AuthenticationFailed("Invalid or revoked API key.")
        request._request.api_key = api_key
        return (None, api_key)

    def authenticate_header(self, request) -> str:
        return 'Bearer realm="api"'

    @staticmethod
    def _raw_key(request) -> str | None:
        header = request.headers.get("Authorization")
        if header:
            scheme, _, value = header.partition(" ")
            if scheme.lower() != "bearer" or not value.strip():
                raise exceptions.AuthenticationFailed("Malformed Authorization header: use 'Bearer <key>'.")
            return value.strip()
        value = request.headers.get("X-API-Key")
        if value is not None:
            if not value.strip():
                raise exceptions.AuthenticationFailed("Empty X-API-Key header.")
            return value.strip()
        return None
