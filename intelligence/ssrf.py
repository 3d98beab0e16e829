"""The SSRF guard for webhook URLs: which schemes and addresses a webhook may reach.

A URL is checked when a policy is saved and again at send time, where the address that passed the check is
the one the connection uses (see webhooks.py), so a DNS answer that changes in between (rebinding) cannot
redirect the request to an internal address.
"""

import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings

IpAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
NAT64 = ipaddress.IPv6Network("64:ff9b::/96")


class UnsafeUrl(Exception):
    """The URL may not be called; the message says why (shown to the client and stored on a delivery)."""


@dataclass(frozen=True)
class Target:
    scheme: str
    host: str  # as written in the URL (for the Host header and TLS SNI)
    port: int
    path: str  # path and query
    address: str  # the checked IP the connection must use


def allow_private() -> bool:
    return bool(settings.WEBHOOK_ALLOW_PRIVATE_NETWORKS)


def url_check(url: str, *, resolve: bool = True) -> Target | None:
    """The Target for a URL a webhook may call, or UnsafeUrl. With resolve=False only the syntax, scheme and
    literal addresses are checked (no DNS lookup) and None is returned."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise UnsafeUrl(f"Not a valid URL: {exc}") from None
    scheme = parts.scheme.lower()
    allowed = ("https", "http") if allow_private() else ("https",)
    if scheme not in allowed:
        raise UnsafeUrl("Must be an https:// URL." if scheme != "https" else "Scheme not allowed.")
    host = parts.hostname
    if not host:
        raise UnsafeUrl("The URL has no host.")
    if parts.username or parts.password:
        raise UnsafeUrl("Credentials in the URL are not allowed.")
    port = port or (443 if scheme == "https" else 80)
    literal = literal_address(host)
    if literal is not None:
        addresses = [literal]
    elif not resolve:
        return None
    else:
        addresses = resolve_host(host, port)
    if not allow_private():
        for address in addresses:
            address_check(address)
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return Target(scheme=scheme, host=host, port=port, path=path, address=str(addresses[0]))


def literal_address(host: str) -> IpAddress | None:
    """An IP written in the host, in any form a resolver accepts: 127.0.0.1, 2130706433, 0x7f.1, 0177.0.0.1,
    [::1], [::ffff:127.0.0.1]. None for a name."""
    try:
        return ipaddress.ip_address(host.strip("[]").split("%")[0])
    except ValueError:
        pass
    try:
        # inet_aton takes the legacy forms (decimal, hex, octal, short) exactly as getaddrinfo would.
        return ipaddress.IPv4Address(socket.inet_aton(host))
    except OSError:
        return None


def resolve_host(host: str, port: int) -> list[IpAddress]:
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise UnsafeUrl(f"The host {host!r} does not resolve ({exc}).") from None
    addresses = []
    for info in infos:
        address = ipaddress.ip_address(info[4][0].split("%")[0])
        if address not in addresses:
            addresses.append(address)
    if not addresses:
        raise UnsafeUrl(f"The host {host!r} does not resolve.")
    return addresses


def address_check(address: IpAddress) -> None:
    """Only public unicast addresses; IPv4 embedded in IPv6 (mapped, 6to4, Teredo, NAT64) is checked too."""
    for candidate in _with_embedded(address):
        if not candidate.is_global or candidate.is_multicast or candidate.is_reserved:
            raise UnsafeUrl(
                f"{address} is a loopback, private, link-local, multicast, reserved or unspecified address."
            )


def _with_embedded(address: IpAddress) -> list[IpAddress]:
    found = [address]
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped:
            found.append(address.ipv4_mapped)
        if address.sixtofour:
            found.append(address.sixtofour)
        if address.teredo:
            found.extend(address.teredo)
        if address in NAT64:
            found.append(ipaddress.IPv4Address(int(address) & 0xFFFFFFFF))
    return found
