"""The API's body size limit (请求体大小上限): a request body over :data:`MAX_BODY` bytes is 413.

The body models limit how many cells and how long each text (:mod:`.schemas`), but only once the
body has been read and parsed; this limit stops a huge body while it is being received: at once
from its ``Content-Length``, or as its chunks arrive when it has none.
"""

from __future__ import annotations

import json

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from zongheng.i18n import register_messages, text

__all__ = ["MAX_BODY", "BodyLimit"]

MAX_BODY = 8 * 1024 * 1024
"""8 MiB: 5000 cells with a few hundred characters of comment each; split a larger bulk body."""

register_messages({
    "pf_api_too_large": ("请求体超过 {limit} 字节，未处理；请分批提交。",
                         "The request body is over {limit} bytes and was not read: send it in parts."),
})


class _TooLarge(HTTPException):
    """Raised while reading a body with no length that grows past the limit.

    An HTTPException, so FastAPI's body reading passes it on as 413 (it turns other errors into 400).
    """

    def __init__(self, limit: int) -> None:
        super().__init__(status_code=413, detail=text("pf_api_too_large", "en", limit=limit))


class BodyLimit:
    """ASGI middleware refusing a request body over ``limit`` bytes with 413 and a located problem."""

    def __init__(self, app: ASGIApp, limit: int = MAX_BODY) -> None:
        self.app, self.limit = app, limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Refuse at once by ``Content-Length``, else count the chunks as the app reads them."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        length = dict(scope["headers"]).get(b"content-length", b"")
        if length.isdigit() and int(length) > self.limit:
            await self._refuse(send)
            return
        seen = 0
        started = False

        async def counted() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.limit:
                    raise _TooLarge(self.limit)
            return message

        async def watched(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counted, watched)
        except _TooLarge:
            if started:
                raise
            await self._refuse(send)

    async def _refuse(self, send: Send) -> None:
        problem = {"key": "pf_api_too_large", "index": None, "submission": None, "indicator": None,
                   "zh": text("pf_api_too_large", "zh", limit=self.limit),
                   "en": text("pf_api_too_large", "en", limit=self.limit)}
        body = json.dumps({"detail": problem["en"], "problems": [problem]}, ensure_ascii=False).encode()
        await send({"type": "http.response.start", "status": 413,
                    "headers": [(b"content-type", b"application/json"),
                                (b"content-length", str(len(body)).encode())]})
        await send({"type": "http.response.body", "body": body})
