"""The loopback OpenID provider (tests/oidc/provider.mjs) from Python: start it,
set its accounts' claims, forge its next ID token, and sign in at it over HTTP
through its own login and consent forms, as a browser would."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from html import unescape
from pathlib import Path
from typing import Any
from urllib.parse import urljoin

import httpx

SCRIPT = Path(__file__).with_name("provider.mjs")
FORM_ACTION = re.compile(r'<form[^>]*action="([^"]+)"[^>]*method="post"')
PROMPT = re.compile(r'name="prompt" value="(\w+)"')


@dataclass
class LoopbackProvider:
    issuer: str
    client_id: str
    client_secret: str
    hd: str | None
    process: subprocess.Popen[bytes]

    async def set_account(self, sub: str, **claims: Any) -> None:
        async with httpx.AsyncClient() as http:
            response = await http.post(f"{self.issuer}/__test/accounts", json={sub: claims})
            response.raise_for_status()

    async def forge_next_id_token(self, mode: str | None) -> None:
        async with httpx.AsyncClient() as http:
            response = await http.post(f"{self.issuer}/__test/forge", json={"mode": mode})
            response.raise_for_status()

    async def authorize(self, url: str, login: str) -> str:
        """Follow an authorization request through sign-in and consent at the
        provider; the URL it finally sends the browser to (our callback)."""
        async with httpx.AsyncClient() as http:
            response = await http.get(url)
            for _ in range(12):
                if response.is_redirect:
                    target = urljoin(str(response.url), response.headers["location"])
                    if not target.startswith(self.issuer):
                        return target
                    response = await http.get(target)
                    continue
                assert response.status_code == 200, response.text
                action = FORM_ACTION.search(response.text)
                prompt = PROMPT.search(response.text)
                assert action and prompt, response.text
                data = {"prompt": prompt.group(1)}
                if prompt.group(1) == "login":
                    data |= {"login": login, "password": "any password"}
                response = await http.post(
                    urljoin(str(response.url), unescape(action.group(1))), data=data
                )
        raise AssertionError("the provider never redirected back")


@contextmanager
def running_provider(
    *, client_id: str, client_secret: str, redirect_uris: list[str], hd: str | None
) -> Iterator[LoopbackProvider]:
    node = shutil.which("node")
    assert node, "node is needed for the loopback OpenID provider"
    command = [node, str(SCRIPT), "--client-id", client_id, "--client-secret", client_secret]
    for uri in redirect_uris:
        command += ["--redirect-uri", uri]
    if hd:
        command += ["--hd", hd]
    env = {k: v for k, v in os.environ.items() if "PROXY" not in k.upper()}
    process = subprocess.Popen(
        command,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
        env=env,
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        assert line, "the loopback OpenID provider did not start"
        issuer = json.loads(line)["issuer"]
        yield LoopbackProvider(issuer, client_id, client_secret, hd, process)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=5)
