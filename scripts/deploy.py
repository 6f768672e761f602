#!/usr/bin/env python3
"""Builds, packages, checks and deploys Ewelists to AWS: one SAM stack, infra/ewelists.yaml.

    deploy.py [--dry-run] [--no-build] [--build-dir DIR] ENV     # ENV: test, staging or prod

Run it as `./dev deploy [--dry-run] ENV`, which installs the tools first (.local/aws: the SAM CLI,
cfn-lint, boto3). The steps:

1. build: `cargo leptos build --release` (skipped with --no-build);
2. package: target/lambda/package/ anew, the code of the four functions (CodeUri in the
   template): `bootstrap` (the server binary), `hash.txt` (cargo-leptos' hash-files), Leptos.toml
   and `site/` without `pkg/` (the wasm, JS and CSS are served from S3). The binary must need no
   glibc newer than Amazon Linux 2023's (2.34);
3. validate: cfn-lint and `sam validate --lint` on the template, and the parameters of ENV in
   infra/samconfig.toml against the template's;
4. deploy (not with --dry-run): pre-flight checks, then the files of target/site/pkg/ to the
   stack's bucket, then `sam deploy`, then the outputs and what is left to do by hand.

The order of step 4 matters: pages name their wasm, JS and CSS by hash, and the new function
serves pages with the new hashes as soon as `sam deploy` switches it. So the new files go to the
bucket first, from the existing stack's outputs. On the very first deploy there is no bucket yet:
the stack is created, then the files are uploaded (for a few seconds the new site has no
scripts). Old files are never deleted: pages rendered before the deploy (open tabs, caches) still
ask for them. They are small; to prune, delete pkg/ objects older than a few weeks by hand.

The standard library, and from .local/aws: cfn-lint's YAML reader (for the parameter check) and,
for the deploy itself, boto3.
"""

import argparse
import mimetypes
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
INFRA = ROOT / "infra"
TEMPLATE = INFRA / "ewelists.yaml"
SAMCONFIG = INFRA / "samconfig.toml"
# The template's CodeUri (../target/lambda/package, relative to infra/).
PACKAGE = ROOT / "target" / "lambda" / "package"
AWS_BIN = ROOT / ".local" / "aws" / "bin"
ENVIRONMENTS = ("test", "staging", "prod")
# Amazon Linux 2023, the provided.al2023 runtime's OS, has glibc 2.34.
MAX_GLIBC = (2, 34)
PKG_CACHE_CONTROL = "public, max-age=31536000, immutable"
# CloudFront compresses by itself; precompressed copies are not uploaded.
PRECOMPRESSED = (".br", ".gz")
CONTENT_TYPES = {
    ".wasm": "application/wasm",
    ".js": "text/javascript; charset=utf-8",
    ".mjs": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".json": "application/json",
    ".map": "application/json",
    ".svg": "image/svg+xml",
    ".woff2": "font/woff2",
}
# Lambda keeps at least this much of the account's concurrency unreserved.
MIN_UNRESERVED_CONCURRENCY = 100
COURIER_RESERVED_CONCURRENCY = 2


class DeployError(Exception):
    """A step failed; the message says what to do."""


def log(msg):
    print(f"[deploy] {msg}", file=sys.stderr, flush=True)


def warn(msg):
    print(f"[deploy] WARNING: {msg}", file=sys.stderr, flush=True)


def run(cmd, cwd=ROOT, env=None, quiet=False):
    """Runs cmd; a failure raises DeployError naming it. quiet: its output only on failure."""
    shown = " ".join(shlex.quote(str(c)) for c in cmd)
    log(f"$ {shown}" + (f"   (in {Path(cwd).relative_to(ROOT)}/)" if Path(cwd) != ROOT else ""))
    try:
        if quiet:
            done = subprocess.run([str(c) for c in cmd], cwd=cwd, env=env, text=True,
                                  stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        else:
            done = subprocess.run([str(c) for c in cmd], cwd=cwd, env=env)
    except FileNotFoundError as e:
        raise DeployError(f"{cmd[0]} is missing ({e.filename}): run ./dev setup") from e
    if done.returncode != 0:
        if quiet and done.stdout:
            sys.stderr.write(done.stdout)
        raise DeployError(f"`{shown}` failed with exit code {done.returncode}")
    return done


def human(n):
    for unit in ("B", "KiB", "MiB", "GiB"):
        if n < 1024 or unit == "GiB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n} B"


def shown_path(path):
    """path relative to the repository when it is inside it."""
    path = Path(path)
    return path.relative_to(ROOT) if path.is_relative_to(ROOT) else path


def tree_size(path):
    return sum(p.stat().st_size for p in Path(path).rglob("*") if p.is_file())


# --- 1. build -------------------------------------------------------------------------------------

def build():
    run(["cargo", "leptos", "build", "--release"])


# --- 2. package -----------------------------------------------------------------------------------

def glibc_versions(binary):
    """The GLIBC_x.y versions that the binary's dynamic symbols need, as tuples."""
    try:
        out = subprocess.run(["objdump", "-T", str(binary)], text=True, check=True,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE).stdout
    except FileNotFoundError as e:
        raise DeployError("objdump is missing: install binutils (apt-get install binutils)") from e
    except subprocess.CalledProcessError as e:
        raise DeployError(f"objdump -T {binary} failed: {e.stderr.strip()}") from e
    return {tuple(int(part) for part in v.split("."))
            for v in re.findall(r"GLIBC_(\d+(?:\.\d+)+)", out)}


def check_glibc(binary):
    versions = glibc_versions(binary)
    newer = sorted(v for v in versions if v > MAX_GLIBC)
    fmt = lambda v: ".".join(map(str, v))  # noqa: E731
    if newer:
        raise DeployError(
            f"{binary.name} needs glibc {', '.join(map(fmt, newer))}, newer than Amazon Linux 2023's "
            f"{fmt(MAX_GLIBC)} (the provided.al2023 runtime): it would not start on Lambda. Build "
            f"on a system with glibc <= {fmt(MAX_GLIBC)}, or for a glibc target pinned to it "
            f"(cargo zigbuild --target x86_64-unknown-linux-gnu.{fmt(MAX_GLIBC)}).")
    newest = fmt(max(versions)) if versions else "none"
    log(f"glibc check: the newest version needed is {newest} (<= {fmt(MAX_GLIBC)}): fine")


def make_package(build_dir):
    """target/lambda/package/ anew from the release build in build_dir; returns facts to report."""
    server = build_dir / "release" / "server"
    site = build_dir / "site"
    for needed in (server, site):
        if not needed.exists():
            raise DeployError(f"{needed} is missing: build the release first "
                              "(cargo leptos build --release, or drop --no-build)")
    if PACKAGE.exists():
        shutil.rmtree(PACKAGE)
    PACKAGE.mkdir(parents=True)

    bootstrap = PACKAGE / "bootstrap"
    # Without its symbol table: half the size, so a cold start downloads and maps less. (Panics
    # still name their source line; nothing reads the symbols at run time.)
    run(["strip", "--strip-all", "-o", str(bootstrap), str(server)], quiet=True)
    bootstrap.chmod(0o755)
    hash_file = build_dir / "release" / "hash.txt"
    hashed = hash_file.exists()
    if hashed:
        shutil.copyfile(hash_file, PACKAGE / "hash.txt")
    else:
        warn(f"{hash_file} is missing: the build does not hash its file names yet (cargo-leptos "
             "hash-files). The functions run with LEPTOS_HASH_FILES=true and the pkg files are "
             "uploaded as immutable, so a real deploy refuses this build.")
    shutil.copyfile(ROOT / "Leptos.toml", PACKAGE / "Leptos.toml")
    shutil.copytree(site, PACKAGE / "site",
                    ignore=lambda d, names: ["pkg"] if Path(d) == site else [])
    # The pkg files are served from the site bucket, except the stylesheet, which every page
    # also carries inline (the server reads it at start).
    (PACKAGE / "site" / "pkg").mkdir()
    for css in (site / "pkg").glob("*.css"):
        shutil.copyfile(css, PACKAGE / "site" / "pkg" / css.name)

    check_glibc(bootstrap)

    unzipped = tree_size(PACKAGE)
    with tempfile.TemporaryDirectory() as tmp:
        archive = shutil.make_archive(str(Path(tmp) / "package"), "zip", PACKAGE)
        zipped = Path(archive).stat().st_size
    pkg_files = [p for p in (site / "pkg").rglob("*") if p.is_file()] if (site / "pkg").exists() else []
    # The TypeScript declarations wasm-bindgen writes are for developers, not browsers.
    uploads = [p for p in pkg_files
               if p.suffix not in PRECOMPRESSED and not p.name.endswith(".ts")]
    log(f"package: {shown_path(PACKAGE)}/ is {human(unzipped)} ({human(zipped)} zipped; "
        "Lambda allows 250 MiB unzipped)")
    log(f"static files: {len(uploads)} in {shown_path(site / 'pkg')}/ "
        f"({human(sum(p.stat().st_size for p in uploads))}), for the site bucket"
        + (f"; {len(pkg_files) - len(uploads)} left out (precompressed copies, type declarations)" if len(pkg_files) > len(uploads) else ""))
    if unzipped > 250 * 1024 * 1024:
        raise DeployError(f"the package is {human(unzipped)}, over Lambda's 250 MiB unzipped")
    return {"hashed": hashed, "pkg_dir": site / "pkg", "pkg_files": uploads,
            "unzipped": unzipped, "zipped": zipped}


# --- 3. validate ----------------------------------------------------------------------------------

def read_samconfig(env):
    """ENV's deploy settings from infra/samconfig.toml, with parameter_overrides as a dict."""
    with SAMCONFIG.open("rb") as f:
        config = tomllib.load(f)
    try:
        section = dict(config[env]["deploy"]["parameters"])
    except KeyError as e:
        raise DeployError(f"{SAMCONFIG.relative_to(ROOT)} has no [{env}.deploy.parameters]") from e
    section["parameter_overrides"] = parse_overrides(section.get("parameter_overrides", []))
    for key in ("stack_name", "region"):
        if not section.get(key):
            raise DeployError(f"[{env}.deploy.parameters] in {SAMCONFIG.relative_to(ROOT)} has no {key}")
    return section


def parse_overrides(value):
    """SAM's parameter_overrides (a string or a list of strings of Key=Value, a value with spaces
    in double quotes) as an ordered dict."""
    items = [value] if isinstance(value, str) else list(value)
    params = {}
    for item in items:
        for token in shlex.split(item):
            key, sep, val = token.partition("=")
            if not sep or not key:
                raise DeployError(f"parameter_overrides: `{token}` is not Key=Value")
            params[key] = val
    return params


def override_args(params):
    """The values of --parameter-overrides, one Key="Value" argument each, quoted as SAM reads
    them (it unescapes \\" only)."""
    def quoted(value):
        return '"' + value.replace('"', '\\"') + '"'
    return [f"{key}={quoted(value)}" for key, value in params.items()]


def template_parameters():
    """The template's Parameters, read with cfn-lint's YAML loader (it knows the ! tags)."""
    try:
        from cfnlint.decode import cfn_yaml
    except ImportError:
        warn("cfn-lint's Python package is not importable here: the samconfig parameters are not "
             "checked against the template (run with .local/aws/bin/python)")
        return None
    return dict(cfn_yaml.load(str(TEMPLATE)).get("Parameters", {}))


def check_parameters(env, params):
    """Every parameter known, every required one given, every value allowed."""
    declared = template_parameters()
    if declared is None:
        return
    where = f"[{env}.deploy.parameters] parameter_overrides in {SAMCONFIG.relative_to(ROOT)}"
    problems = []
    for key in params:
        if key not in declared:
            problems.append(f"{key} is not a parameter of the template")
    for key, spec in declared.items():
        if key not in params:
            if "Default" not in spec:
                problems.append(f"{key} is required (no default)")
            continue
        value = params[key]
        allowed = [str(v) for v in spec.get("AllowedValues", [])]
        if allowed and value not in allowed:
            problems.append(f"{key}={value!r} is not one of {', '.join(allowed)}")
        pattern = spec.get("AllowedPattern")
        if pattern and not re.fullmatch(pattern, value):
            problems.append(f"{key}={value!r} does not match {pattern}")
    if params.get("Environment") not in (None, env):
        problems.append(f"Environment={params['Environment']!r} under the {env} section")
    if problems:
        raise DeployError(f"{where}:\n  - " + "\n  - ".join(problems))
    log(f"parameters of {env}: {len(params)} given, all known and allowed")


def tool_env():
    return dict(os.environ, SAM_CLI_TELEMETRY="0")


def validate(env):
    run([AWS_BIN / "cfn-lint", TEMPLATE.relative_to(ROOT)], env=tool_env(), quiet=True)
    log("cfn-lint: no findings")
    run([AWS_BIN / "sam", "validate", "--lint", "--template", TEMPLATE.name,
         "--config-file", SAMCONFIG.name, "--config-env", env], cwd=INFRA, env=tool_env(), quiet=True)
    log("sam validate --lint: valid")
    config = read_samconfig(env)
    check_parameters(env, config["parameter_overrides"])
    return config


def sam_deploy_command(env, params, extra=()):
    """`sam deploy` for ENV, run from infra/ (the config file and CodeUri are relative to the
    template). Every parameter is passed: on the command line they replace the config's."""
    return [AWS_BIN / "sam", "deploy", "--template-file", TEMPLATE.name,
            "--config-file", SAMCONFIG.name, "--config-env", env,
            "--parameter-overrides", *override_args(params), *extra]


# --- 4. deploy ------------------------------------------------------------------------------------

def outputs_of(stack):
    return {o["OutputKey"]: o["OutputValue"] for o in (stack or {}).get("Outputs", [])}


def describe_stack(cfn, name):
    from botocore.exceptions import ClientError
    try:
        return cfn.describe_stacks(StackName=name)["Stacks"][0]
    except ClientError as e:
        if "does not exist" in str(e):
            return None
        raise


def preflight(session, config, params):
    """What would make `sam deploy` fail halfway, checked before it starts. Returns the stack."""
    from botocore.exceptions import ClientError
    name = config["stack_name"]
    stack = describe_stack(session.client("cloudformation"), name)
    table = f"ewelists-{params['Environment']}"
    status = stack["StackStatus"] if stack else None
    if status and status.endswith("_IN_PROGRESS"):
        raise DeployError(f"the stack {name} is busy ({status}); wait for it and run again")
    if status == "ROLLBACK_COMPLETE":
        raise DeployError(
            f"the stack {name} failed to create and was rolled back. Delete it "
            f"(aws cloudformation delete-stack --stack-name {name}). The table {table} and the "
            "user pool are kept by design (DeletionPolicy Retain): if they hold nothing, delete "
            "them too (turn their deletion protection off first), or the next create stops at "
            "the table's name.")
    if stack is None:
        try:
            session.client("dynamodb").describe_table(TableName=table)
        except ClientError as e:
            if e.response["Error"]["Code"] != "ResourceNotFoundException":
                raise
        else:
            raise DeployError(
                f"the table {table} exists but the stack {name} does not (kept from an earlier "
                "stack): a new stack cannot create it. Import it into the stack "
                "(aws cloudformation create-change-set --change-set-type IMPORT), or delete it "
                "if it holds nothing.")
        lam = session.client("lambda")
        unreserved = lam.get_account_settings()["AccountLimit"]["UnreservedConcurrentExecutions"]
        if unreserved - COURIER_RESERVED_CONCURRENCY < MIN_UNRESERVED_CONCURRENCY:
            raise DeployError(
                f"the account has {unreserved} unreserved Lambda concurrency; the courier reserves "
                f"{COURIER_RESERVED_CONCURRENCY} and Lambda keeps {MIN_UNRESERVED_CONCURRENCY} "
                "unreserved. Ask for a higher 'Concurrent executions' quota (Service Quotas, "
                "Lambda) first.")
    return stack


def decide_cognito_mail(session, params):
    """Cognito refuses an SES identity that is not verified: until it is, Cognito sends its own
    mails itself (CognitoSendsWithSes=false). An explicit value in samconfig wins."""
    from botocore.exceptions import ClientError
    domain = params["MailDomain"]
    try:
        identity = session.client("sesv2").get_email_identity(EmailIdentity=domain)
        verified = bool(identity.get("VerifiedForSendingStatus"))
    except ClientError as e:
        if e.response["Error"]["Code"] != "NotFoundException":
            raise
        verified = False
    if "CognitoSendsWithSes" in params:
        if params["CognitoSendsWithSes"] == "true" and not verified:
            warn(f"CognitoSendsWithSes=true but SES has not verified {domain}: Cognito will refuse it")
        return verified
    params["CognitoSendsWithSes"] = "true" if verified else "false"
    if not verified:
        warn(f"SES has not verified {domain} yet: Cognito sends its own mails from its default "
             "address this time. Deploy again once the DKIM records are verified.")
    return verified


def content_type(path):
    return CONTENT_TYPES.get(path.suffix) or mimetypes.guess_type(path.name)[0] or "application/octet-stream"


def upload_pkg(s3, bucket, pkg_dir, files):
    """Uploads the files that are not in the bucket yet (hashed names never change content)."""
    present = {}
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix="pkg/"):
        for obj in page.get("Contents", []):
            present[obj["Key"]] = obj["Size"]
    sent = 0
    for path in sorted(files):
        key = "pkg/" + path.relative_to(pkg_dir).as_posix()
        if present.get(key) == path.stat().st_size:
            continue
        s3.upload_file(str(path), bucket, key, ExtraArgs={
            "ContentType": content_type(path), "CacheControl": PKG_CACHE_CONTROL})
        sent += 1
    log(f"static files: {sent} uploaded to s3://{bucket}/pkg/, {len(files) - sent} already there "
        "(old ones are kept)")


def deploy(env, config, facts):
    try:
        import boto3
    except ImportError as e:
        raise DeployError("boto3 is missing: run with .local/aws/bin/python (./dev deploy does)") from e
    if not facts["hashed"]:
        raise DeployError("this build has no hash.txt (cargo-leptos hash-files): its pkg files "
                          "cannot be served as immutable. Turn hash-files on and build again.")
    params = dict(config["parameter_overrides"])
    session = boto3.Session(region_name=config["region"])
    stack = preflight(session, config, params)
    decide_cognito_mail(session, params)
    s3 = session.client("s3")

    bucket = outputs_of(stack).get("SiteBucketName")
    if bucket:
        upload_pkg(s3, bucket, facts["pkg_dir"], facts["pkg_files"])
    else:
        log("first deploy: the static files follow once the stack has made their bucket")

    run(sam_deploy_command(env, params), cwd=INFRA, env=tool_env())

    stack = describe_stack(session.client("cloudformation"), config["stack_name"])
    outputs = outputs_of(stack)
    if not bucket:
        upload_pkg(s3, outputs["SiteBucketName"], facts["pkg_dir"], facts["pkg_files"])
    print_next_steps(env, params, outputs)


def print_next_steps(env, params, outputs):
    site = outputs.get("SiteUrl", params["SiteUrl"])
    lines = [
        f"Deployed {env}: {site}",
        f"  CloudFront: {outputs.get('DistributionDomain')} (distribution {outputs.get('DistributionId')})",
        "",
        "Next steps, where not done yet:",
        f"  - SES: {params['MailDomain']} is verified once its three DKIM CNAMEs resolve "
        + ("(this stack writes them into the hosted zone)." if params.get("HostedZoneId")
           else "(copy them from the SES console into your DNS)."),
        "    Request SES production access for the account (until then mail reaches only verified addresses).",
    ]
    if params.get("CognitoSendsWithSes") == "false":
        lines.append("    Once verified, run this deploy again: Cognito then sends its mails through SES.")
    if params.get("DomainName") and not params.get("HostedZoneId"):
        lines.append(f"  - DNS: point {params['DomainName']} at {outputs.get('DistributionDomain')} "
                     "(CNAME, or an alias A/AAAA at the apex).")
    elif not params.get("DomainName") and site != f"https://{outputs.get('DistributionDomain')}":
        lines.append(f"  - No domain: set SiteUrl=https://{outputs.get('DistributionDomain')} in "
                     "infra/samconfig.toml and deploy again (sign-in and links use SiteUrl).")
    if params.get("AlarmEmail"):
        lines.append(f"  - Confirm the alarm subscription mail sent to {params['AlarmEmail']}.")
    lines += [
        "  - First user: sign up on the site, or",
        f"      aws cognito-idp admin-create-user --user-pool-id {outputs.get('UserPoolId')} "
        "--username you@example.com \\",
        "        --user-attributes Name=email,Value=you@example.com Name=name,Value='Your Name' "
        "Name=email_verified,Value=true",
        f"  - Check: curl -s -o /dev/null -w '%{{http_code}}\\n' {site}/healthz   (200)",
    ]
    print("\n".join(lines), flush=True)


def print_plan(env, config, facts):
    params = config["parameter_overrides"]
    print("\n".join([
        f"Dry run for {env}: built, packaged and validated. A real deploy would now:",
        f"  1. check the stack {config['stack_name']} in {config['region']} (not busy, not rolled "
        f"back), the table ewelists-{params.get('Environment')} (no stray one before a first "
        "create) and the Lambda concurrency left for the courier;",
        f"  2. ask SES whether {params.get('MailDomain')} is verified (CognitoSendsWithSes);",
        f"  3. upload {len(facts['pkg_files'])} static files to the stack's bucket (s3://<SiteBucketName>/pkg/, "
        f"Cache-Control: {PKG_CACHE_CONTROL}), before the functions switch to the new hashes "
        "(on a first deploy: after step 4);",
        "  4. run, in infra/:",
        "       " + " ".join(shlex.quote(str(c)) for c in sam_deploy_command(env, params)).replace(str(AWS_BIN), "../.local/aws/bin"),
        f"     which uploads the {human(facts['zipped'])} package and creates or updates the stack;",
        "  5. print the site's address and what is left to do by hand (SES, DNS, the first user).",
    ]), flush=True)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("env", choices=ENVIRONMENTS, metavar="ENV", help="test, staging or prod")
    parser.add_argument("--dry-run", action="store_true",
                        help="build, package and validate, then stop before anything is sent to AWS")
    parser.add_argument("--no-build", action="store_true", help="use the release build as it is")
    parser.add_argument("--build-dir", type=Path, default=ROOT / "target",
                        help="where the release build is (release/server, site/); default target/")
    args = parser.parse_args(argv)
    started = time.monotonic()
    try:
        if not args.no_build:
            build()
        facts = make_package(args.build_dir.resolve())
        config = validate(args.env)
        if args.dry_run:
            print_plan(args.env, config, facts)
        else:
            deploy(args.env, config, facts)
    except DeployError as e:
        print(f"[deploy] FAILED: {e}", file=sys.stderr)
        return 1
    log(f"done in {time.monotonic() - started:.0f}s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
