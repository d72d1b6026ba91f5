"""Debian's nginx in front of one or more app servers, configured with the README's files
(docs/deploy/), unchanged but for the servers' ports and the proxy's secret. HTTP basic auth
stands in for the site's sign-in (the user name is the email). Its access log names, per request,
the route cookie's value and the app server that answered, so tests can check stickiness."""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from tests.e2e.browser import ROOT, free_port
from tests.e2e.conftest import REQUIRE_E2E

NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
DEPLOY = ROOT / "docs" / "deploy"
_SERVER_LINE = re.compile(r"^(\s*)server 127\.0\.0\.1:\d+( [^;]*)?;\n", re.M)


def nginx_or_skip() -> None:
    if not os.path.exists(NGINX):
        if REQUIRE_E2E:
            pytest.fail("nginx is required under CI (Debian: apt-get install nginx-light)")
        pytest.skip("no nginx")


def upstreams_for(ports: list[int]) -> str:
    """docs/deploy/nginx-cockpit-upstream.conf with its example servers replaced by these ports."""
    text = (DEPLOY / "nginx-cockpit-upstream.conf").read_text()
    first = _SERVER_LINE.search(text)
    servers = "".join(f"{first.group(1)}server 127.0.0.1:{port}{first.group(2) or ''};\n" for port in ports)
    return text[:first.start()] + servers + _SERVER_LINE.sub("", text[first.start():])


class Nginx:
    def __init__(self, home: Path, upstream_ports: list[int], secret: str, users: dict[str, str]):
        self.home = home
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.access_log = home / "access.log"
        (home / "htpasswd").write_text("".join(f"{u}:{{PLAIN}}{p}\n" for u, p in users.items()))
        (home / "upstream.conf").write_text(upstreams_for(upstream_ports))
        (home / "cockpit.conf").write_text((DEPLOY / "nginx-cockpit.conf").read_text()
                                           .replace("CHANGE-ME-openssl-rand-hex-32", secret))
        (home / "nginx.conf").write_text(f"""
{'user root;' if os.geteuid() == 0 else ''}
worker_processes 1;
pid {home}/nginx.pid;
error_log {home}/error.log;
events {{ worker_connections 256; }}
http {{
    log_format routes '$cockpit_route $upstream_addr $uri';
    access_log {self.access_log} routes;
    client_body_temp_path {home}/tmp-body;
    proxy_temp_path {home}/tmp-proxy;
    include {home}/upstream.conf;
    server {{
        listen 127.0.0.1:{self.port};
        auth_basic "CS Cockpit";
        auth_basic_user_file {home}/htpasswd;
        set $cockpit_email $remote_user;
        include {home}/cockpit.conf;
    }}
}}""")
        self.process = subprocess.Popen([NGINX, "-p", str(home), "-c", str(home / "nginx.conf"), "-g", "daemon off;"],
                                        stderr=open(home / "nginx.stderr", "wb"))
        deadline = time.time() + 20
        while time.time() < deadline:
            try:
                urllib.request.urlopen(f"{self.url}/_stcore/health", timeout=2).close()
                return
            except urllib.error.HTTPError:
                return
            except OSError:
                time.sleep(0.2)
        raise RuntimeError(f"nginx did not start: {(home / 'nginx.stderr').read_text()}")

    def routes(self) -> list[tuple[str, str, str]]:
        """(route cookie, app server's address, path) per request an app server answered so far
        (not nginx's own answers, such as the basic-auth challenge before the browser signs in)."""
        lines = self.access_log.read_text().splitlines() if self.access_log.exists() else []
        return [route for route in (tuple(line.split(" ", 2)) for line in lines) if route[1] != "-"]

    def stop(self):
        self.process.terminate()
        self.process.wait(timeout=10)
