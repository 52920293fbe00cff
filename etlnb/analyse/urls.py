"""URLs etlnb is given (storage, S3 endpoint, Prefect API): never credentials in them.

Credentials come from boto3's chain (environment, profile, instance role) and
Prefect's own settings; a URL with user:password@ would be written into
prefect.yaml, the stored version and the deployment's pull step, and printed.
"""

from __future__ import annotations

from urllib.parse import urlsplit


def has_credentials(url: str) -> bool:
    """True when the URL carries a user name or password (`scheme://user:pass@host`)."""
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return False
    return "@" in parts.netloc


def redact(url: str) -> str:
    """The URL with any `user:password@` replaced by `***@`: safe to print."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return "<unparseable URL>"
    if "@" not in parts.netloc:
        return url
    host = parts.netloc.rpartition("@")[2]
    return parts._replace(netloc=f"***@{host}").geturl()


def refuse_credentials(url: str, what: str, instead: str) -> str | None:
    """A one-line reason to refuse `url` (never echoing its secret), or None when it is clean."""
    if not has_credentials(url):
        return None
    return f"{what} {redact(url)} carries credentials (user:password@); remove them and {instead}"
