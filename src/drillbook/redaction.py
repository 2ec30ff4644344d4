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
from typing import Any
from urllib.parse import parse_qsl, unquote, urlencode, urlsplit, urlunsplit

MASK = "[REDACTED]"
_MIN_SECRET_LEN = 6  # shorter values would mask ordinary words
_MIN_FRAGMENT_LEN = 6  # pytest cuts long reprs to 'head...tail': a cut secret leaks its ends
_ELLIPSIS = "..."

_SENSITIVE_NAME = re.compile(
    r"(authorization|token|secret|password|passwd|pwd|api[-_]?key|access[-_]?key|"
    r"account[-_]?key|sharedaccesskey|connection[-_]?string|sig|signature|cookie|credential|"
    r"client[-_]?secret|x-fault-token)$",
    re.IGNORECASE,
)
# Credential shapes, masked whether or not their value was ever registered.
_INLINE_PATTERNS = (
    re.compile(r"(?i)(bearer\s+)[A-Za-z0-9._~+/=-]+"),
    re.compile(r"(?i)(authorization[\"']?\s*[:=]\s*[\"']?basic\s+)[A-Za-z0-9+/=]+"),
    re.compile(r"(?i)((?:AccountKey|SharedAccessKey|Password|pwd)=)[^;,&\s\"']+"),
    re.compile(r"(?i)([?&](?:sig|token|code|key|access_token|password|api[-_]?key)=)[^&\s\"']+"),
    # scheme://user:PASSWORD@host; the look-behind keeps a long word from being rescanned at every letter
    re.compile(r"(?i)((?<![a-z0-9+.-])[a-z][a-z0-9+.-]{0,30}://[^/@\s:\"']*:)[^/@\s\"']+(?=@)"),
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
    for pattern in _INLINE_PATTERNS:
        text = pattern.sub(lambda m: m.group(1) + MASK, text)
    return text


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
