#!/usr/bin/env python3
"""The Lambda package under cargo-lambda's emulator, behind a stand-in for CloudFront.

    stack.py --profile test -- lambda_edge.py [--bench N] [-- COMMAND...]

Runs inside the local stack (scripts/stack.py), whose variables it reads. It:

1. stores the function's secrets in the local Secrets Manager (ministack): a cookie key and
   the origin key, as the template's secrets hold them, and names them in EWELISTS_SECRETS;
2. starts the emulator's Lambda runtime API (`cargo lambda watch --only-lambda-apis`), one per
   function;
3. creates the table with the package's `bootstrap migrate` (the template does it in AWS), then
   starts `bootstrap` (target/lambda/package, made by `deploy.py`) twice, as the `web` and the
   `courier` functions, with the variables the template gives them, and checks that a request
   that skips the CDN is refused (which also shows the origin key came from the secret);
4. serves the site on the stack's site address as CloudFront would: `/pkg/*` from the built
   site's files (S3 in AWS) with a year's caching, everything else forwarded to the web
   function's URL with the secret `X-Origin-Verify` header and `CloudFront-Viewer-Address`
   (taken from the test's `X-Forwarded-For`, so each browser is its own guest);
5. invokes the courier every half second (the table's stream and the schedule in AWS);
6. runs COMMAND (Playwright's smoke suite) against it, or with `--bench N` measures the web
   function: its cold start, then N warm requests for the home page and a public list.

Everything it started is stopped at the end; the exit code is COMMAND's.
"""

import argparse
import http.client
import json
import os
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "target" / "lambda" / "package"
PKG_FILES = ROOT / "target" / "site" / "pkg"
CARGO_LAMBDA = ROOT / ".local" / "aws" / "bin" / "cargo-lambda"
FINGERPRINTED = "public, max-age=31536000, immutable"
# How long the edge waits for the function (a page takes milliseconds).
ORIGIN_TIMEOUT = 10
# Seconds between the benchmark's requests.
BENCH_PAUSE = 0.05
# Request headers that describe one connection, not the request (RFC 9110 §7.6.1).
HOP_BY_HOP = {"connection", "keep-alive", "proxy-connection", "te", "trailer", "transfer-encoding",
              "upgrade", "host", "content-length"}
TYPES = {".js": "text/javascript", ".wasm": "application/wasm", ".css": "text/css"}


sys.path.insert(0, str(Path(__file__).resolve().parent))
from stack import free_port  # noqa: E402


def log(msg):
    print(f"[edge] {msg}", file=sys.stderr, flush=True)


def redact(path):
    """A path for the log, without a reservation's capability token."""
    return "/reservations/:token" if path.startswith("/reservations/") else path


def aws_json(endpoint, target, body):
    """One call of an AWS JSON API on the local stack (ministack checks no signature)."""
    request = urllib.request.Request(
        endpoint + "/", data=json.dumps(body).encode(), method="POST",
        headers={"Content-Type": "application/x-amz-json-1.1", "X-Amz-Target": target,
                 "Authorization": "AWS4-HMAC-SHA256 Credential=local/20260101/us-east-1/secretsmanager/aws4_request"})
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read() or b"{}")


def store_secret(endpoint, name, value):
    created = aws_json(endpoint, "secretsmanager.CreateSecret",
                       {"Name": name, "SecretString": json.dumps(value)})
    return created["ARN"]


def wait_port(port, proc, name, timeout=30.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{name} exited with code {proc.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"{name} did not listen on :{port} within {timeout:.0f}s")


class Edge(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address, emulator_port, origin_secret):
        super().__init__(address, EdgeHandler)
        self.emulator_port = emulator_port
        self.origin_secret = origin_secret
        self.lost = 0


class EdgeHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, format, *args):
        pass

    def do_GET(self):
        self.handle_any()

    def do_HEAD(self):
        self.handle_any()

    def do_POST(self):
        self.handle_any()

    def do_PUT(self):
        self.handle_any()

    def do_DELETE(self):
        self.handle_any()

    def do_PATCH(self):
        self.handle_any()

    def do_OPTIONS(self):
        self.handle_any()

    def handle_any(self):
        path = self.path.split("?", 1)[0]
        if path.startswith("/pkg/") and self.command in ("GET", "HEAD"):
            return self.static_file(path)
        return self.forward()

    def static_file(self, path):
        name = path[len("/pkg/"):]
        file = PKG_FILES / name
        if "/" in name or not file.is_file():
            return self.reply(404, {"content-type": "text/plain", "cache-control": "no-store"}, b"Not found\n")
        body = file.read_bytes()
        kind = TYPES.get(file.suffix, "application/octet-stream")
        self.reply(200, {"content-type": kind, "cache-control": FINGERPRINTED}, body)

    def forward(self):
        length = int(self.headers.get("content-length") or 0)
        body = self.rfile.read(length) if length else None
        headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP_BY_HOP}
        # What CloudFront writes: the viewer's address, and the origin's secret header, which
        # replaces any the viewer sent.
        viewer = (self.headers.get("x-forwarded-for") or self.client_address[0]).split(",")[-1].strip()
        headers = {k: v for k, v in headers.items()
                   if k.lower() not in ("x-origin-verify", "cloudfront-viewer-address", "x-forwarded-for")}
        headers["CloudFront-Viewer-Address"] = f"{viewer}:443"
        headers["X-Origin-Verify"] = self.server.origin_secret
        for attempt in range(3):
            connection = http.client.HTTPConnection("127.0.0.1", self.server.emulator_port, timeout=ORIGIN_TIMEOUT)
            try:
                # The emulator's default function answers every path as its function URL.
                connection.request(self.command, self.path, body=body, headers=headers)
                answer = connection.getresponse()
                data = answer.read()
                out = [(k, v) for k, v in answer.getheaders()
                       if k.lower() not in ("transfer-encoding", "connection", "content-length")]
                return self.reply(answer.status, out, data)
            except TimeoutError:
                # cargo-lambda's emulator now and then loses a function's answer under a quick
                # run of requests (the function logged it and waits for the next event). A GET
                # or HEAD is asked again, as a browser would; anything else answers 504.
                self.server.lost += 1
                log(f"the emulator lost the answer to {self.command} {redact(self.path)}")
                if attempt < 2 and self.command in ("GET", "HEAD"):
                    continue
                return self.reply(504, {"content-type": "text/plain"}, b"origin timed out\n")
            except OSError as e:
                log(f"origin unreachable: {self.command} {redact(self.path)}: {e!r}")
                return self.reply(502, {"content-type": "text/plain"}, f"origin unreachable: {e}\n".encode())
            finally:
                connection.close()

    def reply(self, status, headers, body):
        self.send_response(status)
        items = headers.items() if isinstance(headers, dict) else headers
        for k, v in items:
            self.send_header(k, v)
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)


# Each function gets an emulator of its own, as its default function (`_`, which also serves the
# function URL on every path): one emulator serving two functions at once now and then lost an
# invocation.
FUNCTIONS = ("web", "courier")


def function_env(base, name, emulator_port, secrets_arn, ministack):
    env = dict(base)
    env.update({
        # What the Lambda runtime sets.
        "AWS_LAMBDA_RUNTIME_API": f"http://127.0.0.1:{emulator_port}/.rt",
        "AWS_LAMBDA_FUNCTION_NAME": name,
        "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "1024",
        "AWS_LAMBDA_LOG_GROUP_NAME": f"/aws/lambda/{name}",
        "AWS_LAMBDA_LOG_STREAM_NAME": "local",
        "_HANDLER": name,
        # What the template sets.
        "EWELISTS_CLIENT_IP_HEADER": "cloudfront-viewer-address",
        "EWELISTS_SECRETS": secrets_arn,
        "LEPTOS_SITE_ROOT": "site",
        "LEPTOS_OUTPUT_NAME": "ewelists",
        "LEPTOS_ENV": "PROD",
        "EWELISTS_LOG_FORMAT": "json",
        "EWELISTS_AUTO_MIGRATE": "false",
        "EWELISTS_CATALOGUE_SEED": "",
        # The local stand-in for Secrets Manager.
        "AWS_ENDPOINT_URL_SECRETS_MANAGER": ministack,
    })
    for var in ("EWELISTS_COOKIE_SECRET", "EWELISTS_ORIGIN_SECRET", "LEPTOS_SITE_ADDR"):
        env.pop(var, None)
    return env


def get(url, headers=None):
    started = time.perf_counter()
    request = urllib.request.Request(url, headers=headers or {})
    with urllib.request.urlopen(request, timeout=60) as response:
        response.read()
        status = response.status
    return status, (time.perf_counter() - started) * 1000


def percentile(values, p):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bench", type=int, default=0, metavar="N")
    parser.add_argument("command", nargs=argparse.REMAINDER)
    args = parser.parse_args()
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    if not command and not args.bench:
        parser.error("give --bench N or a command after --")
    bootstrap = PACKAGE / "bootstrap"
    if not bootstrap.is_file():
        log(f"{bootstrap.relative_to(ROOT)} is missing: run `./dev deploy --dry-run test` first")
        return 1
    ministack = os.environ["EWELISTS_TEST_MINISTACK"]
    site_port = int(os.environ["LEPTOS_SITE_ADDR"].rsplit(":", 1)[1])
    site_url = os.environ["EWELISTS_SITE_URL"]

    origin_secret = secrets.token_urlsafe(36)
    arn = store_secret(ministack, f"ewelists-test-{os.getpid()}", {
        "cookie_secret": secrets.token_urlsafe(48),
        "origin_secret": origin_secret,
    })
    ports = {name: free_port() for name in FUNCTIONS}
    emulator_port = ports["web"]
    procs = {}
    edge = None
    stop = threading.Event()
    run_dir = ROOT / ".local" / f"edge-{os.getpid()}"
    run_dir.mkdir(parents=True, exist_ok=True)
    try:
        for name, port in ports.items():
            with open(run_dir / f"emulator-{name}.log", "ab") as emu_log:
                procs[f"emulator-{name}"] = subprocess.Popen(
                    [str(CARGO_LAMBDA), "lambda", "watch", "--only-lambda-apis", "--disable-cors",
                     "--invoke-address", "127.0.0.1", "--invoke-port", str(port)],
                    cwd=ROOT, stdout=emu_log, stderr=subprocess.STDOUT)
        for name, port in ports.items():
            wait_port(port, procs[f"emulator-{name}"], f"the Lambda emulator of {name}")

        # The table, as the template makes it in AWS (the functions do not create it).
        migrate = function_env(os.environ, "web", emulator_port, arn, ministack)
        for var in ("AWS_LAMBDA_RUNTIME_API", "_HANDLER"):
            migrate.pop(var)
        subprocess.run([str(bootstrap), "migrate"], cwd=PACKAGE, env=migrate, check=True,
                       stdout=subprocess.DEVNULL)

        edge = Edge(("127.0.0.1", site_port), emulator_port, origin_secret)
        threading.Thread(target=edge.serve_forever, daemon=True).start()

        def start(name):
            out = open(run_dir / f"{name}.log", "ab")
            env = function_env(os.environ, name, ports[name], arn, ministack)
            started = time.perf_counter()
            procs[name] = subprocess.Popen([str(bootstrap)], cwd=PACKAGE, env=env, stdout=out, stderr=subprocess.STDOUT)
            return started

        spawned = start("web")
        # The first request: the process starts, reads its secrets, connects, then answers.
        status, _ = get(f"{site_url}/")
        cold_ms = (time.perf_counter() - spawned) * 1000
        if status != 200:
            raise RuntimeError(f"the home page answered {status} through the emulator")
        log(f"web function answered its first request {cold_ms:.0f} ms after it was started")
        # Past the CDN, without its header: refused. This also shows that the function read its
        # origin key from Secrets Manager (nothing else gives it one).
        direct = http.client.HTTPConnection("127.0.0.1", emulator_port, timeout=60)
        direct.request("GET", "/", headers={"CloudFront-Viewer-Address": "203.0.113.7:443"})
        refused = direct.getresponse()
        refused.read()
        direct.close()
        if refused.status != 403:
            raise RuntimeError(f"a request that skipped the CDN got {refused.status}, not 403")
        start("courier")

        def schedule():
            url = f"http://127.0.0.1:{ports['courier']}/2015-03-31/functions/_/invocations"
            while not stop.wait(0.5):
                try:
                    urllib.request.urlopen(urllib.request.Request(url, data=b"{}", method="POST"), timeout=60).read()
                except (urllib.error.URLError, OSError) as e:
                    log(f"courier invocation failed: {e}")

        threading.Thread(target=schedule, daemon=True).start()

        if args.bench:
            return bench(site_url, args.bench, cold_ms, run_dir / "web.log", edge)
        env = dict(os.environ)
        env["EWELISTS_LAMBDA_EDGE"] = "1"
        code = subprocess.call(command, env=env, cwd=ROOT)
        if edge.lost:
            log(f"the emulator lost {edge.lost} answer(s) (see above)")
        return code
    except (RuntimeError, OSError, urllib.error.URLError, KeyError, subprocess.CalledProcessError) as e:
        log(f"error: {e}")
        for name in ("web", "courier", "emulator-web", "emulator-courier"):
            path = run_dir / f"{name}.log"
            if path.exists():
                log(f"--- {name} log (last lines) ---\n" + "\n".join(path.read_text(errors="replace").splitlines()[-20:]))
        return 1
    finally:
        stop.set()
        if edge is not None:
            edge.shutdown()
            edge.server_close()
        for name, proc in reversed(list(procs.items())):
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
                try:
                    proc.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    proc.kill()
        if os.environ.get("EDGE_KEEP_LOGS") is None:
            shutil.rmtree(run_dir, ignore_errors=True)


def in_function(log_file, path):
    """The latencies the web function logged for `path` (its own time, without the emulator's
    and the edge's)."""
    times = []
    for line in log_file.read_text(errors="replace").splitlines():
        try:
            entry = json.loads(line)
        except ValueError:
            continue
        if entry.get("message") == "request" and entry.get("path") == path:
            times.append(float(entry["latency_ms"]))
    return times


def bench(site_url, n, cold_ms, log_file, edge):
    """Cold start, then `n` sequential warm requests per page. A request whose answer the
    emulator lost (the edge asked again) is left out of the figures: it measures the edge's
    time-out, not the function."""
    pages = {"home": "/"}
    list_path = os.environ.get("EWELISTS_BENCH_LIST")
    if list_path:
        pages["public list"] = list_path
    print(f"cold start (process start to first response): {cold_ms:.0f} ms")
    for name, path in pages.items():
        times = []
        lost = edge.lost
        for i in range(n):
            # Spaced out as visits are: back-to-back requests make the emulator lose answers.
            time.sleep(BENCH_PAUSE)
            # Each visit from its own viewer, as visits are (one address would soon meet the
            # public page's rate limit).
            viewer = f"198.18.{i // 250}.{i % 250 + 1}"
            status, ms = get(site_url + path, {"X-Forwarded-For": viewer})
            if status != 200:
                raise RuntimeError(f"{path} answered {status}")
            if edge.lost == lost:
                times.append(ms)
            lost = edge.lost
        print(f"{name} ({path}), {len(times)} warm requests through the edge and the emulator: "
              f"p50 {statistics.median(times):.1f} ms, p99 {percentile(times, 99):.1f} ms")
        inside = in_function(log_file, path)[-n:]
        if inside:
            print(f"  of which in the function (its request log): p50 {statistics.median(inside):.1f} ms, "
                  f"p99 {percentile(inside, 99):.1f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
