"""How locust reaches the target: the drill's TLS trust in every process, and the requests that never reached it.

Imported by ``_locust_hooks.py`` inside locust's processes; never by pytest.

Trust. Locust's ``HttpUser`` turns requests' ``trust_env`` off, so ``REQUESTS_CA_BUNDLE``
is ignored and a private CA fails every request. Every ``HttpSession`` (and a
``FastHttpUser``'s session, which skips verification by default) gets the drill's
trust here, as the drill's own HTTP client has it: ``[http] ca_bundle`` when set, else
no verification with ``verify_tls = false``, else the system store. The local runner and
the master read it from DRILLBOOK_LOAD_CA_BUNDLE (a path) and DRILLBOOK_LOAD_VERIFY_TLS
(``false`` turns verification off); the master passes it, with the bundle's text, to
every worker among the options it sends with each spawn (locust's channel for a
locustfile's own options, applied before any user starts), so a worker on another
machine trusts what the drill trusts without a copy of the file.

Reach. A request that got no answer because no connection was made (no TLS session,
connection refused, a host name that does not resolve, no connection in time)
never reached the API: :func:`unreached` says so, with its kind and cause, and the
drill counts it apart from the API's errors. A timeout after the connection was made
is not in this list: the API may have had the request, and a hanging API is the API's.
"""

from __future__ import annotations

import atexit
import os
import socket
import ssl
import sys
import tempfile
from dataclasses import dataclass

from locust.clients import HttpSession
from urllib3.exceptions import ConnectTimeoutError, NameResolutionError, NewConnectionError

CA_BUNDLE_VAR, VERIFY_VAR = "DRILLBOOK_LOAD_CA_BUNDLE", "DRILLBOOK_LOAD_VERIFY_TLS"
OPTION = "drillbook_trust"  # among the master's parsed options, which locust sends to its workers with each spawn
TEXT_CHARS = 160


@dataclass
class Trust:
    """What this process verifies the target's certificate against."""

    verify: bool = True
    ca_bundle: str | None = None  # a path on this machine; None: the system store

    @classmethod
    def from_environment(cls) -> Trust:
        return cls(os.environ.get(VERIFY_VAR, "true").lower() != "false", os.environ.get(CA_BUNDLE_VAR) or None)

    @property
    def verifies(self) -> bool:
        """A bundle is always verified against, as the drill's client does (``ca_bundle or verify_tls``)."""
        return bool(self.ca_bundle) or self.verify

    def for_requests(self) -> bool | str:
        """requests' ``verify``: the bundle's path, or whether to verify at all."""
        return self.ca_bundle or self.verify

    def ssl_context(self, **_geventhttpclient) -> ssl.SSLContext:
        """A context for FastHttpUser; geventhttpclient's own ``cafile`` (certifi) is not the drill's trust."""
        if not self.verifies:
            return ssl._create_unverified_context()  # what locust's own insecure factory returns
        return ssl.create_default_context(cafile=self.ca_bundle)

    def shipped(self) -> dict:
        """What a worker needs: whether to verify, and the bundle's text (its path may not exist over there)."""
        pem = None
        if self.ca_bundle:
            with open(self.ca_bundle) as bundle:
                pem = bundle.read()
        return {"verify": self.verify, "pem": pem}


TRUST = Trust.from_environment()


def trust_every_session(environment) -> None:
    """Give every locust HTTP session this process' trust; the master passes it on to each worker."""
    from locust.runners import MasterRunner, WorkerRunner

    _wrap_sessions()
    runner = environment.runner
    if isinstance(runner, MasterRunner) and environment.parsed_options is not None:
        setattr(environment.parsed_options, OPTION, TRUST.shipped())
    elif isinstance(runner, WorkerRunner):  # test_start: the master's options are in, no user has started yet
        environment.events.test_start.add_listener(_take_trust)


def _take_trust(environment, **_kwargs) -> None:
    """The master's trust, when it sent one (a master without drillbook's hooks does not)."""
    shipped = getattr(environment.parsed_options, OPTION, None)
    if shipped:
        TRUST.verify, TRUST.ca_bundle = bool(shipped["verify"]), _bundle_file(shipped.get("pem"))


def _bundle_file(pem: str | None) -> str | None:
    if not pem:
        return None
    handle, path = tempfile.mkstemp(prefix="drillbook-ca-", suffix=".pem")
    with os.fdopen(handle, "w") as bundle:
        bundle.write(pem)
    atexit.register(lambda: os.path.exists(path) and os.unlink(path))
    return path


def _wrap_sessions() -> None:
    """Set ``verify`` on each new HttpSession; FastHttpUser's sessions, when the locustfile uses them, get a context."""
    _wrap_init(HttpSession, after=lambda session: setattr(session, "verify", TRUST.for_requests()))
    fasthttp = sys.modules.get("locust.contrib.fasthttp")  # loaded by the locustfile, or not needed
    if fasthttp is not None:
        _wrap_init(fasthttp.FastHttpSession, before=_fast_trust)


def _fast_trust(kwargs: dict) -> None:
    """A FastHttpUser that brings its own context keeps it; otherwise the drill's trust, not locust's insecure default."""
    if kwargs.get("ssl_context_factory") is None:
        kwargs["ssl_context_factory"] = TRUST.ssl_context
        kwargs["insecure"] = not TRUST.verifies


def _wrap_init(cls, *, before=lambda kwargs: None, after=lambda instance: None) -> None:
    """Run ``before(kwargs)`` and ``after(instance)`` around ``cls.__init__``; once, however often this loads."""
    original = cls.__init__
    if getattr(original, "drillbook_trust", False):
        return

    def init(self, *args, **kwargs):
        before(kwargs)
        original(self, *args, **kwargs)
        after(self)
    init.drillbook_trust = True
    cls.__init__ = init


def unreached(response, exception) -> tuple[str, str] | None:
    """``(kind, cause)`` when the request never reached the API, e.g. ``("tls", "SSLCertVerificationError:
    CERTIFICATE_VERIFY_FAILED (unable to get local issuer certificate)")``; None when it did (or got an answer)."""
    if exception is None or getattr(response, "status_code", 0):
        return None
    chain = _chain(getattr(response, "error", None) or exception)
    for kind, matches in _KINDS:
        found = next((e for e in chain if matches(e)), None)
        if found is not None:
            return kind, _cause(kind, found)[:TEXT_CHARS]
    return None


_KINDS = (  # first match wins, most specific first
    ("tls", lambda e: isinstance(e, ssl.SSLError)),
    ("dns", lambda e: isinstance(e, (socket.gaierror, NameResolutionError))),
    ("refused", lambda e: isinstance(e, ConnectionRefusedError)),
    ("network", lambda e: isinstance(e, NewConnectionError)),  # no route, network down: any other connect failure
    ("connect timeout", lambda e: isinstance(e, ConnectTimeoutError) or type(e).__name__ == "ConnectTimeout"),
)


def _chain(exc: BaseException) -> list[BaseException]:
    """The exception and every one inside it: causes, contexts, a MaxRetryError's reason, exceptions in args."""
    seen: list[BaseException] = []
    todo = [exc]
    while todo and len(seen) < 16:
        current = todo.pop(0)
        if not isinstance(current, BaseException) or any(current is s for s in seen):
            continue
        seen.append(current)
        todo += [current.__cause__, current.__context__, getattr(current, "reason", None), *current.args]
    return seen


def _cause(kind: str, exc: BaseException) -> str:
    """The same text for the same cause (no object addresses, no host per request)."""
    name = type(exc).__name__
    if isinstance(exc, ssl.SSLCertVerificationError):
        return f"{name}: CERTIFICATE_VERIFY_FAILED ({exc.verify_message or exc.reason})"
    if isinstance(exc, ssl.SSLError):
        return f"{name}: {exc.reason or exc}"
    if isinstance(exc, OSError) and exc.strerror:
        return f"{name}: {exc.strerror}"
    text = str(exc).split(">: ", 1)[-1]  # urllib3 starts with "<HTTPSConnection object at 0x...>: "
    return f"{name}: {text}" if text else f"{name} ({kind})"
