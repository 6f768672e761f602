#!/usr/bin/env python3
"""infra/ewelists.yaml on a local CloudFormation: created, updated so that the table is replaced,
then deleted, all on ministack (an AWS emulator) on 127.0.0.1. No AWS account, no network.

    infra_test.py [--template PATH] [--real-package]

The stack is deployed the way scripts/deploy.py deploys it: `sam deploy` with the test section of
infra/samconfig.toml and every parameter on the command line, plus Emulated=true (the template
then leaves out what the emulator lacks; see its header). The code is a stand-in `bootstrap`:
the emulator stores code but does not run it, and the real package (made and checked by
`deploy.py --dry-run`) would only make each deploy slower; --real-package deploys it all the
same.

Checked:
- from the files: the template's table has the keys, index and TTL attribute of
  server/src/store/schema.rs and both Retain policies (the emulator ignores TTL); its CodeUri is
  deploy.py's package directory;
- the stack is created: the table with its stream, index and protection; the user pool and its
  app client; the two secrets (generated values, the client's secret inside); the four
  functions with their handlers, variables and log groups, the courier's stream trigger; the
  web function's URL; the bucket; the distribution (its origin is that URL, with the secret
  header); the alarms and their topic; no secret value in a variable or an output;
- an update that replaces the table (Environment test -> staging renames it) keeps the old
  table and its items: UpdateReplacePolicy Retain. (Before it, such an update deleted the table
  with its data.);
- deleting the stack keeps the tables and the user pools: DeletionPolicy Retain.

ministack runs in memory on a free port and is stopped (by its PID) at the end, failure or not.
Exits non-zero with the reason, the stack's events and the tail of the logs on any failure.
"""

import argparse
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.dont_write_bytecode = True  # no __pycache__ beside the scripts
sys.path.insert(0, str(Path(__file__).resolve().parent))
import deploy  # noqa: E402  (the same samconfig reading and `sam deploy` command line)
from stack import free_port, stop, wait_http  # noqa: E402

ROOT = deploy.ROOT
MINISTACK = ROOT / ".local" / "venv" / "bin" / "ministack"
ENV = "test"
REPLACED_ENV = "staging"


class Failed(Exception):
    pass


def log(msg):
    print(f"[infra] {msg}", file=sys.stderr, flush=True)


def check(condition, what):
    if not condition:
        raise Failed(what)
    check.count += 1


check.count = 0


def start_ministack(port, state_dir, log_file):
    if not MINISTACK.exists():
        raise Failed(f"{MINISTACK} is missing: run ./dev setup")
    env = dict(os.environ, BIND_HOST="127.0.0.1", GATEWAY_PORT=str(port), STATE_DIR=str(state_dir),
               IOT_MTLS_ENABLED="0")
    env.pop("PERSIST_STATE", None)
    return subprocess.Popen([str(MINISTACK)], env=env, stdout=log_file, stderr=subprocess.STDOUT,
                            stdin=subprocess.DEVNULL, start_new_session=True)


def aws_environment(endpoint, region, tmp):
    """Every AWS client of this process and its children talks to the emulator, with made-up
    credentials; a developer's own AWS configuration is not read."""
    for var in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_DEFAULT_PROFILE"):
        os.environ.pop(var, None)
    os.environ.update({
        "AWS_ENDPOINT_URL": endpoint,
        "AWS_ACCESS_KEY_ID": "test",
        "AWS_SECRET_ACCESS_KEY": "test",
        "AWS_DEFAULT_REGION": region,
        "AWS_REGION": region,
        "AWS_CONFIG_FILE": str(tmp / "no-aws-config"),
        "AWS_SHARED_CREDENTIALS_FILE": str(tmp / "no-aws-credentials"),
        "SAM_CLI_TELEMETRY": "0",
        # The emulator completes a stack operation at once: poll it often (SAM waits 5 s).
        "SAM_CLI_POLL_DELAY": "0.2",
    })


def check_code_uri():
    """The template's CodeUri, from infra/, is the directory that deploy.py packages into."""
    from cfnlint.decode import cfn_yaml
    code_uri = cfn_yaml.load(str(deploy.TEMPLATE))["Globals"]["Function"]["CodeUri"]
    check((deploy.INFRA / code_uri).resolve() == deploy.PACKAGE,
          f"CodeUri {code_uri} (from infra/) is {deploy.shown_path(deploy.PACKAGE)}")


def check_table_matches_schema(template):
    """The template's table has the keys, index and TTL attribute of server/src/store/schema.rs
    (the emulator drops TTL, so this is read from the files)."""
    from cfnlint.decode import cfn_yaml
    consts = dict(re.findall(r'pub const (\w+): &str = "([^"]*)";',
                             (ROOT / "server" / "src" / "store" / "schema.rs").read_text()))
    table = cfn_yaml.load(str(template or deploy.TEMPLATE))["Resources"]["Table"]
    props = table["Properties"]
    keys = {k["AttributeName"]: k["KeyType"] for k in props["KeySchema"]}
    check(keys == {consts["PK"]: "HASH", consts["SK"]: "RANGE"}, f"template table keys as schema.rs, got {keys}")
    gsis = {g["IndexName"]: ({k["AttributeName"]: k["KeyType"] for k in g["KeySchema"]},
                             g["Projection"]["ProjectionType"]) for g in props["GlobalSecondaryIndexes"]}
    want = {consts["GSI1"]: ({consts["GSI1_PK"]: "HASH", consts["GSI1_SK"]: "RANGE"}, "ALL")}
    check(gsis == want, f"template index as schema.rs, got {gsis}")
    ttl = props["TimeToLiveSpecification"]
    check(ttl == {"AttributeName": consts["TTL_ATTRIBUTE"], "Enabled": True}, f"template TTL as schema.rs, got {ttl}")
    check((table.get("DeletionPolicy"), table.get("UpdateReplacePolicy")) == ("Retain", "Retain"),
          "the table is retained on deletion and on replacement")


def template_dir(tmp, template, real_package):
    """The directory to run `sam deploy` in: infra/ itself for the real package, otherwise a copy
    of it beside a stand-in package (CodeUri is ../target/lambda/package)."""
    if real_package:
        if not (deploy.PACKAGE / "bootstrap").exists():
            raise Failed(f"{deploy.shown_path(deploy.PACKAGE)}/bootstrap is missing: run deploy.py --dry-run first")
        log(f"code: the package in {deploy.shown_path(deploy.PACKAGE)}/")
        return deploy.INFRA
    infra = tmp / "infra"
    infra.mkdir()
    shutil.copyfile(template or deploy.TEMPLATE, infra / deploy.TEMPLATE.name)
    shutil.copyfile(deploy.SAMCONFIG, infra / deploy.SAMCONFIG.name)
    package = tmp / "target" / "lambda" / "package"
    package.mkdir(parents=True)
    (package / "bootstrap").write_text("#!/bin/sh\necho 'a stand-in: the emulator does not run it'\n")
    (package / "bootstrap").chmod(0o755)
    log(f"template: {deploy.shown_path(template or deploy.TEMPLATE)}; code: a stand-in bootstrap")
    return infra


def sam_deploy(cwd, params, out_file, label):
    cmd = deploy.sam_deploy_command(ENV, params, extra=["--no-progressbar"])
    started = time.monotonic()
    with out_file.open("a") as out:
        out.write(f"\n===== {label}: {' '.join(map(str, cmd))}\n")
        out.flush()
        done = subprocess.run([str(c) for c in cmd], cwd=cwd, stdout=out, stderr=subprocess.STDOUT,
                              stdin=subprocess.DEVNULL, timeout=300)
    if done.returncode != 0:
        raise Failed(f"{label}: sam deploy exited with {done.returncode}")
    return time.monotonic() - started


def stack_status(cfn, name):
    try:
        return cfn.describe_stacks(StackName=name)["Stacks"][0]["StackStatus"]
    except cfn.exceptions.ClientError as e:
        if "does not exist" in str(e):
            return None
        raise


def print_events(cfn, name):
    try:
        events = cfn.describe_stack_events(StackName=name)["StackEvents"]
    except Exception as e:  # the stack may be gone, or the emulator down
        log(f"(no stack events: {e})")
        return
    events = list(reversed(events))
    shown = [e for e in events[:-25] if "FAILED" in e["ResourceStatus"]] + events[-25:]
    print(f"--- events of stack {name}, oldest first (the failed ones and the last 25 of "
          f"{len(events)})", file=sys.stderr)
    for e in shown:
        reason = e.get("ResourceStatusReason") or ""
        mark = "!!" if "FAILED" in e["ResourceStatus"] else "  "
        print(f"{mark} {e['LogicalResourceId']:<38} {e['ResourceStatus']:<20} {reason}", file=sys.stderr)


def tail(path, lines=40):
    if path.exists():
        text = path.read_text(errors="replace").splitlines()
        print(f"--- last {min(lines, len(text))} lines of {path.name}", file=sys.stderr)
        print("\n".join(text[-lines:]), file=sys.stderr)


def table_exists(ddb, name):
    try:
        ddb.describe_table(TableName=name)
        return True
    except ddb.exceptions.ResourceNotFoundException:
        return False


def check_created(clients, stack_name, params):
    cfn, ddb, idp, sm, lam, s3, cf, sns, cw = (clients[k] for k in (
        "cloudformation", "dynamodb", "cognito-idp", "secretsmanager", "lambda", "s3",
        "cloudfront", "sns", "cloudwatch"))
    check(stack_status(cfn, stack_name) == "CREATE_COMPLETE", "the stack is CREATE_COMPLETE")
    outputs = deploy.outputs_of(cfn.describe_stacks(StackName=stack_name)["Stacks"][0])
    for key in ("SiteUrl", "DistributionId", "DistributionDomain", "SiteBucketName", "TableName",
                "UserPoolId", "CognitoClientId", "WebFunctionName", "FunctionUrl"):
        check(outputs.get(key), f"output {key} is there")
    check(outputs["SiteUrl"] == params["SiteUrl"], "output SiteUrl is the parameter")

    # The table, as server/src/store/schema.rs defines it, with the courier's stream.
    table = ddb.describe_table(TableName=f"ewelists-{ENV}")["Table"]
    check(outputs["TableName"] == table["TableName"], "output TableName names the table")
    keys = {k["AttributeName"]: k["KeyType"] for k in table["KeySchema"]}
    check(keys == {"pk": "HASH", "sk": "RANGE"}, f"table keys pk/sk, got {keys}")
    gsis = {g["IndexName"]: {k["AttributeName"]: k["KeyType"] for k in g["KeySchema"]}
            for g in table.get("GlobalSecondaryIndexes", [])}
    check(gsis == {"gsi1": {"gsi1pk": "HASH", "gsi1sk": "RANGE"}}, f"index gsi1 on gsi1pk/gsi1sk, got {gsis}")
    stream = table.get("StreamSpecification") or {}
    check(stream.get("StreamEnabled") and stream.get("StreamViewType") == "KEYS_ONLY",
          f"table stream KEYS_ONLY, got {stream}")
    check(table.get("DeletionProtectionEnabled") is True, "table deletion protection on")

    # Cognito.
    pool_id = outputs["UserPoolId"]
    pool = idp.describe_user_pool(UserPoolId=pool_id)["UserPool"]
    check(pool["Name"] == f"ewelists-{ENV}", f"user pool ewelists-{ENV}, got {pool['Name']}")
    client = idp.describe_user_pool_client(UserPoolId=pool_id, ClientId=outputs["CognitoClientId"])["UserPoolClient"]
    check(client.get("ClientSecret"), "the app client has a secret")
    check(client.get("CallbackURLs") == [params["SiteUrl"] + "/auth/callback"],
          f"callback URL, got {client.get('CallbackURLs')}")
    check(client.get("AllowedOAuthFlows") == ["code"], "code flow")
    groups = [g["GroupName"] for g in idp.list_groups(UserPoolId=pool_id)["Groups"]]
    check(groups == ["admin"], f"the admin group, got {groups}")

    # Secrets: generated JSON objects, the client's secret inside.
    secrets = {}
    for entry in sm.list_secrets()["SecretList"]:
        value = json.loads(sm.get_secret_value(SecretId=entry["ARN"])["SecretString"])
        secrets[entry["ARN"]] = value
    app = [arn for arn, v in secrets.items() if "cookie_secret" in v]
    origin = [arn for arn, v in secrets.items() if "origin_secret" in v]
    check(len(app) == 1 and len(origin) == 1, f"one app and one origin secret, got {len(secrets)} secrets")
    app_value, origin_value = secrets[app[0]], secrets[origin[0]]
    check(app_value["cognito_client_secret"] == client["ClientSecret"], "AppSecret holds the client's secret")
    check(len(app_value["cookie_secret"]) == 64, "cookie_secret has 64 characters")
    check(len(origin_value["origin_secret"]) == 48, "origin_secret has 48 characters")
    secret_values = {app_value["cookie_secret"], app_value["cognito_client_secret"], origin_value["origin_secret"]}

    # The functions: one package, four handlers.
    expected = {"web": (app + origin, 1024, 15), "courier": (app, 256, 60), "mail-feedback": (app, 256, 30),
                "sweep": (app, 256, 900)}
    for handler, (secret_arns, memory, timeout) in expected.items():
        name = f"ewelists-{ENV}-{handler}"
        config = lam.get_function(FunctionName=name)["Configuration"]
        check(config["Handler"] == handler, f"{name} handler {handler}, got {config['Handler']}")
        check(config["Runtime"] == "provided.al2023", f"{name} runtime provided.al2023")
        check(config["Architectures"] == ["x86_64"], f"{name} on x86_64")
        check((config["MemorySize"], config["Timeout"]) == (memory, timeout), f"{name} memory/timeout")
        check(config.get("CodeSize", 0) > 0, f"{name} has code")
        check(config.get("LoggingConfig", {}).get("LogGroup") == f"/aws/lambda/{name}", f"{name} logs to its group")
        variables = config["Environment"]["Variables"]
        # Ref of a secret is its ARN on AWS, its name on the emulator: both name it.
        listed = [sm.describe_secret(SecretId=s)["ARN"] for s in variables["EWELISTS_SECRETS"].split(",")]
        check(sorted(listed) == sorted(secret_arns), f"{name} EWELISTS_SECRETS lists its secrets")
        check(variables["EWELISTS_TABLE"] == f"ewelists-{ENV}", f"{name} EWELISTS_TABLE")
        check(variables["EWELISTS_COGNITO_CLIENT_ID"] == outputs["CognitoClientId"], f"{name} client id")
        check(not secret_values & set(variables.values()), f"{name}: no secret value in a variable")
        # With the CloudFront header set, a deployed server requires the origin secret (only
        # the web function's); the other two must not have it.
        behind_cdn = variables.get("EWELISTS_CLIENT_IP_HEADER") == "cloudfront-viewer-address"
        check(behind_cdn == (handler == "web"), f"{name}: the CloudFront client-address header only on web")
        # Held to a deployed site's rules whatever the environment is called.
        check(variables.get("EWELISTS_DEPLOYED") == "true", f"{name}: EWELISTS_DEPLOYED")
    check(outputs["WebFunctionName"] == f"ewelists-{ENV}-web", "output WebFunctionName")
    url = lam.get_function_url_config(FunctionName=f"ewelists-{ENV}-web")
    check(url["AuthType"] == "NONE" and url.get("InvokeMode", "BUFFERED") == "BUFFERED",
          "web function URL: no auth, buffered")
    check(url["FunctionUrl"] == outputs["FunctionUrl"], "output FunctionUrl is the web function's URL")
    mappings = lam.list_event_source_mappings(FunctionName=f"ewelists-{ENV}-courier")["EventSourceMappings"]
    check(len(mappings) == 1 and mappings[0]["EventSourceArn"] == table.get("LatestStreamArn"),
          "the courier is triggered by the table's stream")
    pattern = json.loads(mappings[0]["FilterCriteria"]["Filters"][0]["Pattern"])
    check(pattern == {"eventName": ["INSERT"], "dynamodb": {"Keys": {"pk": {"S": [{"prefix": "MAIL#"}]}}}},
          f"the stream filter keeps new MAIL# items, got {pattern}")

    # Static files and CloudFront.
    bucket = outputs["SiteBucketName"]
    block = s3.get_public_access_block(Bucket=bucket)["PublicAccessBlockConfiguration"]
    check(all(block.values()), f"the bucket blocks public access, got {block}")
    dist = cf.get_distribution(Id=outputs["DistributionId"])["Distribution"]["DistributionConfig"]
    origins = {o["Id"]: o for o in dist["Origins"]["Items"]}
    web_host = outputs["FunctionUrl"].split("/")[2]
    check(origins["web"]["DomainName"] == web_host, "the distribution's web origin is the function URL")
    headers = {h["HeaderName"]: h["HeaderValue"] for h in origins["web"]["CustomHeaders"]["Items"]}
    check(headers.get("X-Origin-Verify") == origin_value["origin_secret"],
          "CloudFront sends the origin secret in X-Origin-Verify")
    check(origins["site"]["DomainName"].startswith(bucket + "."), "the distribution's site origin is the bucket")
    paths = [b["PathPattern"] for b in dist.get("CacheBehaviors", {}).get("Items", [])]
    check(paths == ["/pkg/*"], f"/pkg/* goes to the bucket, got {paths}")
    check(not secret_values & set(outputs.values()), "no secret value in an output")

    # Alarms.
    topics = [t["TopicArn"] for t in sns.list_topics()["Topics"]]
    alarm_topic = [t for t in topics if t.endswith(f":ewelists-{ENV}-alarms")]
    check(alarm_topic, "the alarms' topic exists")
    alarms = cw.describe_alarms(AlarmNamePrefix=f"ewelists-{ENV}-")["MetricAlarms"]
    check(len(alarms) >= 11, f"the alarms exist (11 without the metric-math ones), got {len(alarms)}")
    check(all(a["AlarmActions"] == alarm_topic for a in alarms), "every alarm notifies the topic")
    return outputs


def run(template, real_package):
    timings = {}
    with tempfile.TemporaryDirectory(prefix="ewelists-infra-") as tmp_name:
        tmp = Path(tmp_name)
        config = deploy.read_samconfig(ENV)
        region, stack_name = config["region"], config["stack_name"]
        params = dict(config["parameter_overrides"], Emulated="true")
        deploy.check_parameters(ENV, params)

        port = free_port()
        endpoint = f"http://127.0.0.1:{port}"
        ministack_log = tmp / "ministack.log"
        sam_log = tmp / "sam-deploy.log"
        proc = None
        cfn = None
        try:
            t0 = time.monotonic()
            with ministack_log.open("w") as f:
                proc = start_ministack(port, tmp / "state", f)
            wait_http(endpoint + "/", "ministack", proc)
            timings["ministack up"] = time.monotonic() - t0
            log(f"ministack on {endpoint} (pid {proc.pid})")

            aws_environment(endpoint, region, tmp)
            import boto3
            clients = {name: boto3.client(name, region_name=region) for name in (
                "cloudformation", "dynamodb", "cognito-idp", "secretsmanager", "lambda", "s3",
                "cloudfront", "sns", "cloudwatch")}
            cfn, ddb, idp = clients["cloudformation"], clients["dynamodb"], clients["cognito-idp"]
            check_code_uri()
            check_table_matches_schema(template)
            cwd = template_dir(tmp, template, real_package)

            log(f"creating the stack {stack_name} (sam deploy, Environment={ENV}, Emulated=true)")
            timings["create"] = sam_deploy(cwd, params, sam_log, "create")
            outputs = check_created(clients, stack_name, params)
            log(f"created in {timings['create']:.0f}s: {check.count} checks passed")

            item = {"pk": {"S": "LIST#infra-test"}, "sk": {"S": "META"}, "title": {"S": "kept"}}
            old_table = f"ewelists-{ENV}"
            ddb.put_item(TableName=old_table, Item=item)
            key = {"pk": item["pk"], "sk": item["sk"]}

            log(f"updating it with Environment={REPLACED_ENV}: the table is renamed, so replaced")
            replaced = dict(params, Environment=REPLACED_ENV)
            timings["update"] = sam_deploy(cwd, replaced, sam_log, "update")
            check(stack_status(cfn, stack_name) == "UPDATE_COMPLETE", "the stack is UPDATE_COMPLETE")
            new_table = f"ewelists-{REPLACED_ENV}"
            check(table_exists(ddb, new_table), f"the replacement table {new_table} exists")
            check(table_exists(ddb, old_table),
                  f"the replaced table {old_table} still exists (UpdateReplacePolicy: Retain)")
            got = ddb.get_item(TableName=old_table, Key=key).get("Item")
            check(got == item, f"the replaced table still holds its item, got {got}")
            new_outputs = deploy.outputs_of(cfn.describe_stacks(StackName=stack_name)["Stacks"][0])
            check(new_outputs.get("TableName") == new_table, "the stack now names the new table")
            check(lam_names(clients["lambda"]) == {f"ewelists-{REPLACED_ENV}-{h}" for h in ("web", "courier", "mail-feedback", "sweep")},
                  "the functions were replaced under the new names")

            log("deleting the stack: the tables and user pools are retained")
            t0 = time.monotonic()
            cfn.delete_stack(StackName=stack_name)
            deadline = time.monotonic() + 120
            while (status := stack_status(cfn, stack_name)) not in (None, "DELETE_COMPLETE"):
                if status.endswith("FAILED") or time.monotonic() > deadline:
                    raise Failed(f"delete ended in {status}")
                time.sleep(0.3)
            timings["delete"] = time.monotonic() - t0
            for name in (old_table, new_table):
                check(table_exists(ddb, name), f"table {name} retained after the stack's deletion")
            check(ddb.get_item(TableName=old_table, Key=key).get("Item") == item, "its item too")
            pools = {p["Id"] for p in idp.list_user_pools(MaxResults=60)["UserPools"]}
            check(outputs["UserPoolId"] in pools, "the user pool retained after the stack's deletion")
            check(new_outputs["UserPoolId"] in pools, "the replacement user pool retained too")
        except BaseException as e:
            if isinstance(e, Failed):
                print(f"[infra] FAILED: {e}", file=sys.stderr)
            elif isinstance(e, KeyboardInterrupt):
                print("[infra] interrupted", file=sys.stderr)
            else:
                print(f"[infra] FAILED: {type(e).__name__}: {e}", file=sys.stderr)
            if cfn is not None and proc is not None and proc.poll() is None:
                print_events(cfn, stack_name)
            tail(sam_log, 60)
            tail(ministack_log, 30)
            return 1
        finally:
            stop(proc, "ministack")
    log("timings: " + ", ".join(f"{k} {v:.1f}s" for k, v in timings.items()))
    return 0


def lam_names(lam):
    return {f["FunctionName"] for f in lam.list_functions()["Functions"]}


def interrupted(signum, frame):
    """SIGTERM ends the test like Ctrl-C, so that ministack is stopped."""
    raise KeyboardInterrupt


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--template", type=Path,
                        help="another template to test, e.g. a variant")
    parser.add_argument("--real-package", action="store_true",
                        help="deploy target/lambda/package/ (slower: it is zipped and uploaded twice)")
    args = parser.parse_args()
    signal.signal(signal.SIGTERM, interrupted)
    started = time.monotonic()
    code = run(args.template.resolve() if args.template else None, args.real_package)
    elapsed = time.monotonic() - started
    if code == 0:
        print(f"infra test: {check.count} checks passed in {elapsed:.0f}s "
              f"(create, replace the table, delete; on ministack)")
    else:
        print(f"infra test: FAILED after {check.count} checks passed ({elapsed:.0f}s)")
    return code


if __name__ == "__main__":
    sys.exit(main())
