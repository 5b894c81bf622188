"""Streamlit's upload endpoint spoken to directly, as an anonymous visitor's script would: open
a session over the websocket (it has a session id, as every visitor has), then PUT a file to
`/_stcore/upload_file/<session>/<file>` with the XSRF cookie and header a browser sends."""

from __future__ import annotations

import asyncio
import http.cookiejar
import urllib.error
import urllib.request
import uuid
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlparse

import websockets
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg


def put_file(url: str, data: bytes) -> tuple[int, str]:
    """(status, body) of a PUT of `data` as one file for a fresh session of the page at `url`;
    status 0 when the server closed the connection before the body was sent.

    The session stays open while the PUT is made (Streamlit takes uploads for open sessions
    only)."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    with opener.open(f"{url}/_stcore/health", timeout=30):  # sets the XSRF cookie
        pass
    cookie = next((c.value for c in jar if c.name == "_streamlit_xsrf"), None)

    async def run() -> tuple[int, str]:
        ws_url = urlparse(url)._replace(scheme="ws", path="/_stcore/stream").geturl()
        headers = {"Cookie": f"_streamlit_xsrf={cookie}"} if cookie else None
        async with websockets.connect(
            ws_url, subprotocols=["streamlit"], additional_headers=headers, max_size=None
        ) as ws:
            back = BackMsg()
            back.rerun_script.query_string = "view=documents"
            await ws.send(back.SerializeToString())
            session = None
            async with asyncio.timeout(120):
                async for frame in ws:
                    msg = ForwardMsg()
                    msg.ParseFromString(frame)
                    if msg.HasField("new_session"):
                        session = msg.new_session.initialize.session_id
                        break
            return await asyncio.to_thread(_put, url, session, cookie, data)

    # in a thread of its own: Playwright's sync API may hold this thread's event loop
    with ThreadPoolExecutor(1) as worker:
        return worker.submit(lambda: asyncio.run(run())).result()


def _put(url: str, session: str, cookie: str | None, data: bytes) -> tuple[int, str]:
    boundary = uuid.uuid4().hex
    body = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; '
            f'filename="big.txt"\r\nContent-Type: text/plain\r\n\r\n'
        ).encode()
        + data
        + f"\r\n--{boundary}--\r\n".encode()
    )
    request = urllib.request.Request(
        f"{url}/_stcore/upload_file/{session}/{uuid.uuid4()}",
        data=body,
        method="PUT",
        headers={"Content-Type": f"multipart/form-data; boundary={boundary}"},
    )
    if cookie:
        request.add_header("X-Xsrftoken", cookie)
        request.add_header("Cookie", f"_streamlit_xsrf={cookie}")
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, response.read().decode(errors="replace")
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode(errors="replace")
    except (urllib.error.URLError, ConnectionError) as exc:  # refused while still sending
        return 0, str(exc)
