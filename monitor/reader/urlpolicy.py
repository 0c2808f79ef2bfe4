"""URL policy against SSRF: which URLs monitor may fetch or post to, checked on resolved addresses.

Sources and webhook targets are written by people, but their hosts are resolved by DNS that
anybody may control; so the check runs on every address a name resolves to, and again on every
redirect hop. Loopback, private, link-local, CGNAT and other special ranges are refused unless
the operator allows them (``MONITOR_ALLOW_PRIVATE_NETWORKS``).
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import httpcore

from monitor.errors import ConfigError, URLPolicyError

if TYPE_CHECKING:
    import httpx

IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

_CGNAT = ipaddress.ip_network("100.64.0.0/10")
_NAT64 = ipaddress.ip_network("64:ff9b::/96")


def is_public(address: IPAddress) -> bool:
    """True for an address on the public internet (not private, loopback, link-local, ...)."""
    if isinstance(address, ipaddress.IPv6Address):
        mapped = address.ipv4_mapped or address.sixtofour
        if mapped is not None:
            return is_public(mapped)
        if address in _NAT64:
            return is_public(ipaddress.IPv4Address(int(address) & 0xFFFFFFFF))
    if address in _CGNAT:
        return False
    return not (address.is_private or address.is_loopback or address.is_link_local
                or address.is_multicast or address.is_reserved or address.is_unspecified)


def parse_allowed(value: str | None, *, setting: str = "MONITOR_ALLOW_PRIVATE_NETWORKS"
                  ) -> tuple[bool, tuple[IPNetwork, ...]]:
    """(allow everything, networks) from ``*`` or a comma-separated list of CIDRs/addresses."""
    if not value or not value.strip():
        return False, ()
    networks: list[IPNetwork] = []
    for part in (p.strip() for p in value.split(",")):
        if not part:
            continue
        if part == "*":
            return True, ()
        try:
            networks.append(ipaddress.ip_network(part, strict=False))
        except ValueError:
            raise ConfigError(setting, f"not a network or address: {part!r}") from None
    return False, tuple(networks)


@dataclass(frozen=True)
class URLPolicy:
    """Which URLs may be contacted. ``check`` raises URLPolicyError, else returns the addresses."""

    allow_all: bool = False
    allowed: tuple[IPNetwork, ...] = ()
    schemes: tuple[str, ...] = ("http", "https")

    @classmethod
    def from_setting(cls, value: str | None) -> URLPolicy:
        allow_all, networks = parse_allowed(value)
        return cls(allow_all, networks)

    def address_allowed(self, address: IPAddress) -> bool:
        if self.allow_all or is_public(address):
            return True
        return any(address in net for net in self.allowed if net.version == address.version)

    def _split(self, url: str) -> tuple[str, int]:
        try:
            parts = urlsplit(url)
            port = parts.port
        except ValueError as exc:
            raise URLPolicyError(f"{url!r} is not a valid URL: {exc}") from None
        if parts.scheme.lower() not in self.schemes:
            raise URLPolicyError(f"{url!r}: scheme {parts.scheme!r} is not allowed "
                                 f"(allowed: {', '.join(self.schemes)})")
        host = parts.hostname
        if not host:
            raise URLPolicyError(f"{url!r} has no host")
        return host, port or (443 if parts.scheme.lower() == "https" else 80)

    def _verdict(self, url: str, host: str, addresses: Iterable[IPAddress]) -> list[IPAddress]:
        found = list(addresses)
        if not found:
            raise URLPolicyError(f"{url!r}: {host} does not resolve to any address")
        for address in found:
            if not self.address_allowed(address):
                raise URLPolicyError(
                    f"{url!r}: {host} resolves to {address}, a non-public address; allow it "
                    "with MONITOR_ALLOW_PRIVATE_NETWORKS if this is intended")
        return found

    def _without_dns(self, url: str, host: str) -> list[IPAddress] | None:
        """The verdict when no lookup is needed (an address literal, or everything allowed)."""
        literal = _literal(host)
        if literal is not None:
            return self._verdict(url, host, [literal])
        return [] if self.allow_all else None

    async def check(self, url: str) -> list[IPAddress]:
        """Resolve the URL's host and refuse it when any of its addresses is not allowed."""
        host, port = self._split(url)
        return await self._resolve(url, host, port)

    async def connect_to(self, host: str, port: int) -> list[str]:
        """The addresses to open a connection to ``host:port``, each checked; URLPolicyError
        when one is not allowed. Connecting to these (not to the name, which DNS may answer
        differently a moment later) is what makes the check hold."""
        host = host.strip("[]")
        addresses = await self._resolve(f"{host}:{port}", host, port)
        return [str(a) for a in addresses] or [host]  # allow_all: no lookup, the name itself

    async def _resolve(self, url: str, host: str, port: int) -> list[IPAddress]:
        known = self._without_dns(url, host)
        if known is not None:
            return known
        try:
            infos = await asyncio.get_running_loop().getaddrinfo(
                host, port, type=socket.SOCK_STREAM)
        except (socket.gaierror, UnicodeError) as exc:
            raise URLPolicyError(f"{url!r}: cannot resolve {host}: {exc}") from None
        return self._verdict(url, host, _addresses(infos))

    def check_sync(self, url: str) -> list[IPAddress]:
        """``check`` for code outside an event loop (the command line)."""
        host, port = self._split(url)
        known = self._without_dns(url, host)
        if known is not None:
            return known
        try:
            infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except (socket.gaierror, UnicodeError) as exc:
            raise URLPolicyError(f"{url!r}: cannot resolve {host}: {exc}") from None
        return self._verdict(url, host, _addresses(infos))

    def refusal(self, url: str) -> str | None:
        """Why the policy refuses ``url`` for good (its scheme, its host, a non-public address
        it resolves to), else None. A name that does not resolve now is no refusal: DNS may
        come up later (a receiver container starting), and every send checks again."""
        try:
            host, port = self._split(url)
            if self._without_dns(url, host) is not None:
                return None
        except URLPolicyError as exc:
            return str(exc)
        try:
            infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except (socket.gaierror, UnicodeError):
            return None
        try:
            self._verdict(url, host, _addresses(infos))
        except URLPolicyError as exc:
            return str(exc)
        return None


class PinnedBackend(httpcore.AsyncNetworkBackend):
    """httpx's network layer, connecting only to addresses the policy allows.

    A check before a request leaves a window: DNS may answer differently when the connection
    is made (DNS rebinding). Here the name is resolved once, every address checked, and the
    socket opened to a checked address.
    """

    def __init__(self, policy: URLPolicy, inner: httpcore.AsyncNetworkBackend) -> None:
        self.policy, self.inner = policy, inner

    async def connect_tcp(self, host: str, port: int, timeout: float | None = None,
                          local_address: str | None = None,
                          socket_options: Iterable[Any] | None = None
                          ) -> httpcore.AsyncNetworkStream:
        error: Exception | None = None
        for address in await self.policy.connect_to(host, port):
            try:
                return await self.inner.connect_tcp(address, port, timeout, local_address,
                                                    socket_options)
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                error = exc  # the next address of the name may answer
        assert error is not None
        raise error

    async def connect_unix_socket(self, path: str, timeout: float | None = None,
                                  socket_options: Iterable[Any] | None = None
                                  ) -> httpcore.AsyncNetworkStream:
        raise httpcore.ConnectError("unix sockets are not network sources")

    async def sleep(self, seconds: float) -> None:
        await self.inner.sleep(seconds)


def pinned_transport(policy: URLPolicy, **options: Any) -> httpx.AsyncHTTPTransport:
    """An httpx transport whose every connection goes to an address ``policy`` allows."""
    # Imported here: reading the settings checks networks with this module, and the commands
    # that never fetch (``monitor match``) need not load the HTTP client.
    import httpx

    transport = httpx.AsyncHTTPTransport(**options)
    if not policy.allow_all:
        # httpx builds its connection pool without a way to pass a network backend in.
        pool = transport._pool
        pool._network_backend = PinnedBackend(policy, pool._network_backend)
    return transport


def _literal(host: str) -> IPAddress | None:
    try:
        return ipaddress.ip_address(host.strip("[]").split("%")[0])
    except ValueError:
        return None


def _addresses(infos: Iterable[tuple[object, ...]]) -> list[IPAddress]:
    out: list[IPAddress] = []
    for info in infos:
        sockaddr = info[4]
        if isinstance(sockaddr, tuple) and sockaddr:
            try:
                out.append(ipaddress.ip_address(str(sockaddr[0]).split("%")[0]))
            except ValueError:
                continue
    return out
