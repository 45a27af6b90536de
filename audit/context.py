"""The request an audit event is recorded under, if any.

RequestIdMiddleware sets it for each request; Celery tasks, commands and
webhook tasks run with none, and events then carry no request id or IP.
"""

from contextvars import ContextVar
from dataclasses import dataclass


@dataclass(frozen=True)
class RequestInfo:
    request_id: str
    client_ip: str | None


current_request: ContextVar[RequestInfo | None] = ContextVar("current_request", default=None)
