"""Keep secrets out of reports: headers, query strings, JSON bodies and free text.

>>> register_secret("s3cr3t-token-value")
>>> redact_text("Authorization: Bearer s3cr3t-token-value")
'Authorization: Bearer [REDACTED]'
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

MASK = "[REDACTED]"
_MIN_SECRET_LEN = 6  # shorter values would mask ordinary words

_SENSITIVE_NAME = re.compile(
    r"(authorization|token|secret|password|passwd|api[-_]?key|access[-_]?key|"
    r"account[-_]?key|sharedaccesskey|connection[-_]?string|sig|signature|cookie|credential|"
    r"client[-_]?secret|x-fault-token)$",
    re.IGNORECASE,
)
_INLINE_PATTERNS = (
    re.compile(r"(?i)(bearer\s+)[A-Za-z0-9._~+/=-]+"),
    re.compile(r"(?i)((?:AccountKey|SharedAccessKey|Password|pwd)=)[^;\s\"']+"),
    re.compile(r"(?i)([?&](?:sig|token|code|key|access_token)=)[^&\s\"']+"),
)

_known: set[str] = set()


def register_secret(value: str) -> None:
    """Remember a secret value so that it is masked wherever it appears."""
    if value and len(value) >= _MIN_SECRET_LEN:
        _known.add(value)


def known_secrets() -> frozenset[str]:
    return frozenset(_known)


def is_sensitive_name(name: str) -> bool:
    return bool(_SENSITIVE_NAME.search(name.strip()))


def redact_text(text: str) -> str:
    """Mask known secret values and credential-shaped fragments in free text."""
    for value in sorted(_known, key=len, reverse=True):
        text = text.replace(value, MASK)
    for pattern in _INLINE_PATTERNS:
        text = pattern.sub(lambda m: m.group(1) + MASK, text)
    return text


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
