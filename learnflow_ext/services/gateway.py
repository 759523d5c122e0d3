"""Kernels on a Jupyter Enterprise Gateway: the same sandboxed kernel, on another machine.

The gateway host has LearnFlow's kernel spec (``kernels/learnflow-python``) installed
and bubblewrap on its PATH. When the gateway starts that kernel, the launcher builds
the same sandbox as on a LearnFlow server (``gateway_host.py``); the server sends
only the per-run limits, in ``KERNEL_LEARNFLOW_LIMITS``. Runs then travel over the
gateway's REST API and kernel WebSocket, with the same messages a local kernel gets,
and the server enforces the wall-clock limit and the pool's sizes as it does locally.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from jupyter_client.jsonutil import json_default
from jupyter_client.session import Session
from tornado.httpclient import AsyncHTTPClient, HTTPClientError, HTTPRequest
from tornado.websocket import WebSocketClientConnection, websocket_connect

from .kernels import KernelDiedError, KernelPool, RunResult, execute_request, run_result

#: Seconds a new kernel may take to answer its first request.
READY_TIMEOUT_S = 60


class GatewayKernel:
    """One kernel on the gateway, serving one user at a time."""

    def __init__(self, pool: GatewayKernelPool, kernel_id: str) -> None:
        self.pool = pool
        self.kernel_id = kernel_id
        self.session = Session(username="learnflow")
        self.socket: WebSocketClientConnection | None = None
        self.user_id: str | None = None
        self.busy = False
        self.last_used = time.monotonic()

    async def connect(self) -> None:
        """Open the kernel's WebSocket and wait until the kernel answers."""
        self.socket = await websocket_connect(
            self.pool.request(
                f"/api/kernels/{self.kernel_id}/channels?session_id={self.session.session}",
                websocket=True,
            )
        )
        reply = await self._request("kernel_info_request", {}, {}, READY_TIMEOUT_S)
        if reply["msg_type"] != "kernel_info_reply":
            raise KernelDiedError("the gateway's kernel did not introduce itself")

    async def run(
        self, code: str, timeout_s: float, grading: dict[str, Any] | None = None
    ) -> RunResult:
        """Run ``code``, graded if ``grading`` gives hidden tests; raise if the kernel hangs."""
        content, metadata = execute_request(code, grading)
        reply = await self._request("execute_request", content, metadata, timeout_s)
        return run_result(reply["content"])

    async def _request(
        self, msg_type: str, content: dict[str, Any], metadata: dict[str, Any], timeout_s: float
    ) -> dict[str, Any]:
        """Send a shell request and return its reply; raise if none comes in time."""
        if self.socket is None:
            raise KernelDiedError("the kernel is not connected")
        message = self.session.msg(msg_type, content, metadata=metadata)
        message["channel"] = "shell"
        await self.socket.write_message(json.dumps(message, default=json_default))
        deadline = time.monotonic() + timeout_s
        while (left := deadline - time.monotonic()) > 0:
            try:
                text = await asyncio.wait_for(self.socket.read_message(), timeout=left)
            except TimeoutError:
                break
            if text is None:
                raise KernelDiedError("the gateway closed the kernel's connection")
            reply = json.loads(text)
            if (
                reply.get("channel") == "shell"
                and reply.get("parent_header", {}).get("msg_id") == message["header"]["msg_id"]
            ):
                return reply
        raise KernelDiedError("the kernel did not answer in time")

    async def shutdown(self) -> None:
        if self.socket is not None:
            self.socket.close()
        with contextlib.suppress(Exception):
            await self.pool.client.fetch(
                self.pool.request(f"/api/kernels/{self.kernel_id}", method="DELETE")
            )


class GatewayKernelPool(KernelPool):
    """Kernels started on a Jupyter Enterprise Gateway, pooled as local ones are."""

    def __init__(
        self,
        *,
        url: str,
        auth_token: str,
        kernel_name: str,
        validate_cert: bool,
        request_timeout_s: float,
        limits: dict[str, Any],
        warm_size: int,
        max_kernels: int,
        idle_timeout_s: float,
        log: logging.Logger,
    ) -> None:
        super().__init__(
            warm_size=warm_size, max_kernels=max_kernels, idle_timeout_s=idle_timeout_s, log=log
        )
        self.url = url.rstrip("/")
        self.kernel_name = kernel_name
        self.limits = limits
        self._auth_token = auth_token
        self._validate_cert = validate_cert
        self._request_timeout_s = request_timeout_s
        self.client = AsyncHTTPClient()

    def request(
        self, path: str, *, method: str = "GET", body: Any = None, websocket: bool = False
    ) -> HTTPRequest:
        """An HTTP (or WebSocket) request to the gateway, with its token."""
        url = self.url + path
        if websocket:
            parts = urlsplit(url)
            url = urlunsplit(parts._replace(scheme="wss" if parts.scheme == "https" else "ws"))
        headers = {"Content-Type": "application/json"}
        if self._auth_token:
            headers["Authorization"] = f"token {self._auth_token}"
        return HTTPRequest(
            url,
            method=method,
            headers=headers,
            body=json.dumps(body) if body is not None else None,
            validate_cert=self._validate_cert,
            request_timeout=self._request_timeout_s,
            connect_timeout=self._request_timeout_s,
        )

    async def _start_kernel(self) -> GatewayKernel:
        self._starting += 1
        kernel = None
        try:
            env = {
                "KERNEL_LEARNFLOW_LIMITS": json.dumps(self.limits),
                "KERNEL_USERNAME": "learnflow",
            }
            reply = await self.client.fetch(
                self.request(
                    "/api/kernels", method="POST", body={"name": self.kernel_name, "env": env}
                )
            )
            kernel = GatewayKernel(self, json.loads(reply.body)["id"])
            await kernel.connect()
            return kernel
        except HTTPClientError as error:
            if kernel is not None:
                await kernel.shutdown()
            raise RuntimeError(
                f"the gateway refused to start a kernel: HTTP {error.code}"
            ) from None
        except Exception:
            if kernel is not None:
                await kernel.shutdown()
            raise
        finally:
            self._starting -= 1

    async def _retire(self, kernel: GatewayKernel) -> None:
        await kernel.shutdown()
