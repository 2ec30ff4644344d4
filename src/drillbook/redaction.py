"""Keep secrets out of reports: headers, query strings, JSON bodies and free text.

>>> register_secret("s3cr3t-token-value")
>>> redact_text("Authorization: Bearer s3cr3t-token-value")
'Authorization: Bearer [REDACTED]'
"""

from __future__ import annotations

import dataclasses
import json
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, unquote, urlencode, urlsplit, urlunsplit

MASK = "[REDACTED]"
_MIN_SECRET_LEN = 6  # shorter values would mask ordinary words
_MIN_FRAGMENT_LEN = 6  # pytest cuts long reprs to 'head...tail': a cut secret leaks its ends
_ELLIPSIS = "..."

_SENSITIVE_WORDS = (r"authorization|token|secret|password|passwd|pwd|api[-_]?key|access[-_]?key|account[-_]?key|"
                    r"sharedaccesskey|connection[-_]?string|sig|signature|cookie|credential|client[-_]?secret|"
                    r"x-fault-token")
_SENSITIVE_NAME = re.compile(rf"({_SENSITIVE_WORDS})$", re.IGNORECASE)


@dataclass(frozen=True)
class CredentialShape:
    """A credential known by its shape alone: masked in every report, refused as a value in an environment file.

    ``pattern``'s first group is the lead that stays (``Bearer ``); what follows it is the secret.
    ``in_url``: it sits in a URL, so the file is told to give the whole URL as a reference.
    """

    name: str
    pattern: re.Pattern[str]
    in_url: bool = False


# The one list: config.schema refuses each of these in a file, redact_text masks each in a report.
# URL shapes first: a file with ``?sig=...`` is told that the URL carries a credential.
CREDENTIAL_SHAPES = (
    # scheme://user:PASSWORD@host, or scheme://TOKEN@host; the look-behind keeps a long word from being
    # rescanned at every letter
    CredentialShape("credentials in a URL", re.compile(
        r"(?i)((?<![a-z0-9+.-])[a-z][a-z0-9+.-]{0,30}://(?:[^/@\s:\"']*:)?)[^/@\s\"']+(?=@)"), in_url=True),
    # ?sig=, &access_token=, ?code=: every name redaction masks elsewhere, and OAuth's code and key
    CredentialShape("credential in a URL query", re.compile(
        rf"(?i)([?&](?:[\w.~-]*(?:{_SENSITIVE_WORDS})|code|key)=)[^&#\s\"']+"), in_url=True),
    CredentialShape("bearer token", re.compile(r"(?i)(\bbearer\s+)[A-Za-z0-9._~+/=-]{8,}")),  # shorter: prose
    CredentialShape("basic credentials", re.compile(
        r"(?i)(authorization[\"']?\s*[:=]\s*[\"']?basic\s+)[A-Za-z0-9+/=]+")),
    CredentialShape("key in a connection string", re.compile(
        r"(?i)((?:AccountKey|SharedAccessKey|Password|pwd|sig)=)[^;,&\s\"']+")),
    CredentialShape("private key", re.compile(
        r"(-----BEGIN [A-Z ]*PRIVATE KEY-----)[\s\S]*?(?=-----END [A-Z ]*PRIVATE KEY-----|\Z)")),
)
_PART_SEPARATORS = re.compile(r"[;,&?]")

_known: set[str] = set()


def register_secret(value: str) -> None:
    """Remember a secret value, and the passwords and keys inside it, so that each is masked wherever it appears."""
    for part in (value, *_secret_parts(value or "")):
        if part and len(part) >= _MIN_SECRET_LEN:
            _known.add(part)


def _secret_parts(value: str) -> list[str]:
    """The key of ``...;SharedAccessKey=KEY``, ``host:6380,password=PW`` or ``?sig=SIG``, and a URL's password."""
    parts = []
    for field in _PART_SEPARATORS.split(value):
        name, equals, part = field.partition("=")
        if equals and is_sensitive_name(name):
            parts.append(part)
    if "://" in value:
        try:
            password = urlsplit(value.strip()).password or ""
            parts += [password, unquote(password)]  # a client may show it decoded
        except ValueError:  # not a URL after all
            pass
    return parts


def known_secrets() -> frozenset[str]:
    return frozenset(_known)


def is_sensitive_name(name: str) -> bool:
    return bool(_SENSITIVE_NAME.search(name.strip()))


def redact_text(text: str) -> str:
    """Mask known secret values and credential-shaped fragments in free text."""
    for value in sorted(_known, key=len, reverse=True):
        text = text.replace(value, MASK)
    if _ELLIPSIS in text:
        text = _mask_cut_secrets(text)
    for shape in CREDENTIAL_SHAPES:
        text = shape.pattern.sub(lambda m: m.group(1) + MASK, text)
    return text


def credential_shape(text: str) -> CredentialShape | None:
    """The first credential shape ``text`` holds, or None: what an environment file must not carry."""
    return next((shape for shape in CREDENTIAL_SHAPES if shape.pattern.search(text)), None)


def _mask_cut_secrets(text: str) -> str:
    """Mask a secret that a shortened repr cut at an ellipsis: ``'tok-9f8e7d...'`` or ``'...7d6c5b4a'``."""
    pieces = text.split(_ELLIPSIS)
    for index in range(len(pieces) - 1):
        pieces[index] = _mask_cut_end(pieces[index], lambda value, size: value[:size], str.endswith)
        pieces[index + 1] = _mask_cut_end(pieces[index + 1], lambda value, size: value[-size:], str.startswith)
    return _ELLIPSIS.join(pieces)


def _mask_cut_end(piece: str, fragment: Callable[[str, int], str], touches: Callable[[str, str], bool]) -> str:
    for value in _known:
        for size in range(min(len(value) - 1, len(piece)), _MIN_FRAGMENT_LEN - 1, -1):
            if touches(piece, fragment(value, size)):
                return piece[:-size] + MASK if touches is str.endswith else MASK + piece[size:]
    return piece


def redact_bytes(data: bytes) -> bytes:
    """Text is redacted in full; other bytes lose the known secret values."""
    try:
        return redact_text(data.decode("utf-8")).encode("utf-8")
    except UnicodeDecodeError:
        for value in sorted(_known, key=len, reverse=True):
            data = data.replace(value.encode(), MASK.encode())
        return data


def redact_fields(value: Any, _done: dict[int, Any] | None = None) -> Any:
    """Redact every string inside ``value``; dataclass and attrs records are cleaned in place.

    >>> redact_fields(report.longrepr)   # pytest's failure representation, structure kept
    """
    done = {} if _done is None else _done
    if isinstance(value, str):
        cleaned = redact_text(value)
        return value if cleaned == value else cleaned  # unchanged str subclasses (enums) keep their type
    if isinstance(value, (bytes, int, float, type(None))):
        return value
    if id(value) not in done:  # shared parts are cleaned once; a cycle meets the part being cleaned
        done[id(value)] = value
        done[id(value)] = _redact_container(value, done)
    return done[id(value)]


def _redact_container(value: Any, done: dict[int, Any]) -> Any:
    if isinstance(value, list):
        return [redact_fields(item, done) for item in value]
    if isinstance(value, tuple):
        items = [redact_fields(item, done) for item in value]
        return type(value)._make(items) if hasattr(value, "_make") else tuple(items)
    if isinstance(value, dict):
        return {key: redact_fields(item, done) for key, item in value.items()}
    for name in record_fields(value):
        object.__setattr__(value, name, redact_fields(getattr(value, name), done))  # frozen records too
    return value


def record_fields(value: Any) -> list[str]:
    """The field names of a dataclass or attrs instance; none for anything else."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return [field.name for field in dataclasses.fields(value)]
    return [field.name for field in getattr(type(value), "__attrs_attrs__", ())]


def redact_headers(headers: Iterable[tuple[str, str]]) -> list[tuple[str, str]]:
    return [(k, _mask_header(k, v)) for k, v in headers]


def _mask_header(name: str, value: str) -> str:
    if not is_sensitive_name(name):
        return redact_text(value)
    scheme, _, rest = value.partition(" ")
    return f"{scheme} {MASK}" if rest and scheme.lower() in {"bearer", "basic"} else MASK


def redact_url(url: str) -> str:
    parts = urlsplit(str(url))
    query = [(k, MASK if is_sensitive_name(k) else v) for k, v in parse_qsl(parts.query, keep_blank_values=True)]
    netloc = parts.netloc.rsplit("@", 1)[-1] if "@" in parts.netloc else parts.netloc
    return redact_text(urlunsplit((parts.scheme, netloc, parts.path, urlencode(query, safe="[]"), "")))


def redact_body(body: str) -> str:
    """Mask sensitive fields in a JSON body; fall back to text redaction."""
    try:
        data = json.loads(body)
    except (ValueError, TypeError):
        return redact_text(body)
    return redact_text(json.dumps(_redact_json(data), indent=2, ensure_ascii=False))


def _redact_json(data: object) -> object:
    if isinstance(data, Mapping):
        return {k: MASK if is_sensitive_name(str(k)) and v else _redact_json(v) for k, v in data.items()}
    if isinstance(data, list):
        return [_redact_json(v) for v in data]
    return data
