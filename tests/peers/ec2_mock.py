#!/usr/bin/env python3
"""A local stand-in for the AWS endpoints haws-ec2 talks to, for tests and benchmarks only.

One HTTP server on 127.0.0.1 (port 0: the kernel picks; the port is written to --port-file and
printed) that serves:

- EC2 (Query API, Version 2016-11-15, XML): DescribeInstances, DescribeInstanceStatus,
  StartInstances, StopInstances, RebootInstances, with filters, MaxResults/NextToken pagination,
  DryRun, and instance states that move on by themselves (pending -> running, stopping ->
  stopped, shutting-down -> terminated) after --speed seconds.
- STS AssumeRole (Query API, Version 2011-06-15), handing out temporary credentials that then
  work (with their session token) for EC2.
- An IMDSv2 stub (PUT /latest/api/token, then GET /latest/meta-data/...) and a container
  credentials endpoint (GET /container/credentials).
- /_mock/stats (GET, JSON counters) and /_mock/config (POST, JSON: change fault injection; set
  the mock's clock with "clock": ISO-8601 instant; "launch": [fixture entries] adds instances and
  "remove": [ids] makes instances vanish, as EC2 forgets terminated ones).
- --history FILE: every instance state change as one JSON line {"time" (the mock's clock),
  "id", "region", "from", "to"}, so a test can read what happened to an instance and when.

Every EC2 and STS request must carry a valid SigV4 signature made with a known key (--key, plus
the temporary keys handed out); anything else gets the real error XML (AuthFailure,
SignatureDoesNotMatch, InvalidClientTokenId, ...). Faults on demand: throttling
(RequestLimitExceeded, HTTP 503), internal errors (HTTP 500), denied actions
(UnauthorizedOperation), instances whose start fails the way a missing KMS grant makes it fail
(pending -> stopped, stateReason Client.InternalError), regions that refuse every call
(--fail-region). With --accounts, instances belong to accounts and each key (the default one is
account 111111111111's, assumed roles are their ARN's account's) sees only its own.

Run it by path; the tests start it and stop it by PID.
"""
import argparse
import base64
import hashlib
import hmac
import json
import os
import re
import secrets
import sys
import threading
import time
import uuid
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, quote, unquote
from xml.sax.saxutils import escape

EC2_NS = "http://ec2.amazonaws.com/doc/2016-11-15/"
STS_NS = "https://sts.amazonaws.com/doc/2011-06-15/"
STATE_CODES = {"pending": 0, "running": 16, "shutting-down": 32, "terminated": 48, "stopping": 64, "stopped": 80}
DEFAULT_KEY = ("AKIAMOCKEXAMPLE00001", "mock/Secret+Key/0123456789abcdefEXAMPLE")
ID_RE = re.compile(r"^i-[0-9a-f]{8}(?:[0-9a-f]{9})?$")
ROLE_RE = re.compile(r"^arn:aws:iam::(\d{12}):role/[\w+=,.@/-]+$")


def now_iso(t=None):
    t = datetime.now(timezone.utc) if t is None else t
    return t.strftime("%Y-%m-%dT%H:%M:%S.000Z")


class ApiError(Exception):
    def __init__(self, status, code, message):
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


# ---- SigV4 verification ---------------------------------------------------------------------

def _normalize_path(path):
    segments = []
    for seg in path.split("/"):
        if seg == "..":
            if segments:
                segments.pop()
        elif seg not in ("", "."):
            segments.append(seg)
    out = "/" + "/".join(segments)
    if path.endswith("/") and segments:
        out += "/"
    return out


def _canonical_query(query):
    pairs = []
    for part in query.split("&"):
        if not part:
            continue
        name, _, value = part.partition("=")
        pairs.append((quote(unquote(name), safe="-_.~"), quote(unquote(value), safe="-_.~")))
    return "&".join(f"{n}={v}" for n, v in sorted(pairs))


def _hmac(key, msg):
    return hmac.new(key, msg.encode(), hashlib.sha256).digest()


def signature(secret, date, region, service, string_to_sign):
    key = _hmac(("AWS4" + secret).encode(), date)
    for part in (region, service, "aws4_request"):
        key = _hmac(key, part)
    return hmac.new(key, string_to_sign.encode(), hashlib.sha256).hexdigest()


def verify_sigv4(method, raw_path, headers, body, lookup_secret):
    """Returns (access_key, region, service) or raises ApiError with the code the service uses."""
    auth = headers.get("Authorization")
    if not auth:
        raise ApiError(401, "MissingAuthenticationToken", "Request is missing Authentication Token")
    m = re.match(r"AWS4-HMAC-SHA256 Credential=([^/]+)/(\d{8})/([^/]+)/([^/]+)/aws4_request,\s*"
                 r"SignedHeaders=([a-z0-9;-]+),\s*Signature=([0-9a-f]{64})$", auth)
    if not m:
        raise ApiError(400, "IncompleteSignature", "Authorization header requires 'Credential', "
                       "'SignedHeaders' and 'Signature' parameters")
    key, date, region, service, signed, sig = m.groups()
    secret = lookup_secret(key, headers.get("X-Amz-Security-Token"))
    signed_list = signed.split(";")
    if "host" not in signed_list or "x-amz-date" not in signed_list:
        raise ApiError(403, "SignatureDoesNotMatch", "Host and X-Amz-Date must be signed")
    amz_date = headers.get("X-Amz-Date", "")
    if not amz_date.startswith(date):
        raise ApiError(403, "SignatureDoesNotMatch", "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP")
    try:
        when = datetime.strptime(amz_date, "%Y%m%dT%H%M%SZ").replace(tzinfo=timezone.utc)
    except ValueError:
        raise ApiError(403, "SignatureDoesNotMatch", "X-Amz-Date is not a valid date")
    if abs((datetime.now(timezone.utc) - when).total_seconds()) > 300:
        raise ApiError(400, "RequestExpired", f"Request has expired. Timestamp date is {amz_date}")
    path, _, query = raw_path.partition("?")
    lines = [method, quote(_normalize_path(path), safe="/-_.~"), _canonical_query(query)]
    for name in signed_list:
        values = headers.get_all(name) or []
        lines.append(name + ":" + ",".join(" ".join(v.split()) for v in values))
    canonical = "\n".join(lines) + "\n\n" + signed + "\n" + hashlib.sha256(body).hexdigest()
    sts = "\n".join(["AWS4-HMAC-SHA256", amz_date, f"{date}/{region}/{service}/aws4_request",
                     hashlib.sha256(canonical.encode()).hexdigest()])
    if not hmac.compare_digest(signature(secret, date, region, service, sts), sig):
        raise ApiError(403, "SignatureDoesNotMatch",
                       "The request signature we calculated does not match the signature you provided. "
                       "Check your AWS Secret Access Key and signing method. Consult the service "
                       "documentation for details.")
    return key, region, service


# ---- The world: instances, keys, faults ----------------------------------------------------

class World:
    def __init__(self, args):
        self.lock = threading.Lock()
        self.speed = args.speed
        self.keys = {}  # access key -> {"secret", "token", "expires", "account", "kind"}
        for spec in args.key or []:
            key_id, _, secret = spec.partition(":")
            self.keys[key_id] = {"secret": secret, "token": None, "expires": None, "account": "111111111111"}
        if not self.keys:
            self.keys[DEFAULT_KEY[0]] = {"secret": DEFAULT_KEY[1], "token": None, "expires": None,
                                         "account": "111111111111"}
        self.temp_ttl = args.temp_ttl
        # --accounts: instances belong to accounts, and a key sees only its own account's.
        self.accounts = list(filter(None, (args.accounts or "").split(",")))
        self.fail_regions = set(filter(None, (args.fail_region or "").split(",")))
        self.deny = set(filter(None, (args.deny or "").split(",")))
        self.deny_roles = set(filter(None, (args.deny_role or "").split(",")))
        self.faults = {"throttle_first": args.throttle_first, "throttle_every": args.throttle_every,
                       "fail_first": args.fail_first}
        self.imds_region = args.imds_region or args.regions.split(",")[0]
        self.container_token = args.container_token
        self.imds_tokens = set()
        self.stats = {"requests": 0, "actions": {}, "keys": {}, "throttled": 0, "failed": 0,
                      "auth_failures": 0, "verified": 0, "dry_runs": 0, "imds_tokens": 0,
                      "container": 0, "assumed": [], "max_results": [], "dates": []}
        self.ec2_count = 0
        self.clock = None  # a fixed instant (datetime) set by /_mock/config, else the real time
        self.history = args.history
        self.instances = {}
        self.order = []
        kms = set(filter(None, (args.kms_fail or "").split(",")))
        for inst in self._generate(args.instances, args.regions.split(",")):
            self._add(inst)
        if args.fixture:
            with open(args.fixture) as f:
                for spec in json.load(f):
                    self._add(self._from_fixture(spec, args.regions.split(",")[0]))
        for iid in kms:
            if iid in self.instances:
                self.instances[iid]["kms_fail"] = True

    def _add(self, inst):
        inst["initial"] = (inst["state"], inst["reason"])
        if inst["id"] not in self.instances:
            self.order.append(inst["id"])
        self.instances[inst["id"]] = inst

    @staticmethod
    def _base(iid, region, az, idx):
        return {
            "id": iid, "region": region, "az": az, "state": "running", "since": 0.0, "reason": None,
            "type": ["t3.micro", "m5.large", "c5.xlarge"][idx % 3],
            "vpc": "vpc-%08x" % (0x0a000000 + int(hashlib.md5(region.encode()).hexdigest()[:4], 16)),
            "subnet": "subnet-%08x" % (0x5b000000 + int(hashlib.md5(az.encode()).hexdigest()[:6], 16)),
            "private_ip": "10.%d.%d.%d" % (idx // 65536 % 256, idx // 256 % 256, idx % 256 or 1),
            "public_ip": "203.0.113.%d" % (idx % 254 + 1), "platform": None, "tags": {},
            "high_byte": 0, "kms_fail": False, "events": [], "impaired": False,
            "launch": "2026-01-05T00:00:%02d.000Z" % (idx % 60), "cache": None, "account": "111111111111",
        }

    def _generate(self, n, regions):
        for i in range(n):
            region = regions[i % len(regions)]
            az = region + "abc"[(i // len(regions)) % 3]
            inst = self._base("i-%017x" % (0x0123456789a000 + i), region, az, i)
            if self.accounts:
                inst["account"] = self.accounts[i % len(self.accounts)]
            inst["tags"] = {"Name": "node-%04d" % i, "Env": "prod" if i % 2 == 0 else "dev",
                            "Role": ["web", "db", "batch"][i % 3]}
            if i % 5 == 4:
                inst["state"], inst["reason"] = "stopped", ("Client.UserInitiatedShutdown",
                                                            "Client.UserInitiatedShutdown: User initiated shutdown")
            if i % 10 == 7:
                inst["platform"] = "windows"
            if i % 7 == 3:
                inst["high_byte"] = 256
            if i % 50 == 10:
                inst["events"].append({"code": "system-reboot", "description": "scheduled reboot",
                                       "not_before": "2026-12-01T01:00:00.000Z", "not_after": "2026-12-01T03:00:00.000Z"})
            if i % 50 == 20:
                inst["events"].append({"code": "instance-reboot", "description": "[Completed] scheduled reboot",
                                       "not_before": "2026-01-01T01:00:00.000Z", "not_after": "2026-01-01T03:00:00.000Z"})
            if i % 97 == 13 and inst["state"] == "running":
                inst["impaired"] = True
            yield inst

    def _from_fixture(self, spec, default_region):
        region = spec.get("region", default_region)
        idx = len(self.order)
        inst = self._base(spec["id"], region, spec.get("az", region + "a"), idx)
        for k in ("state", "type", "vpc", "subnet", "private_ip", "public_ip", "platform", "tags", "account",
                  "kms_fail", "events", "impaired", "high_byte"):
            if k in spec:
                inst[k] = spec[k]
        if "reason" in spec:
            inst["reason"] = tuple(spec["reason"]) if spec["reason"] else None
        return inst

    # States move on by themselves.
    def settle(self, inst):
        if self.speed < 0 or inst["state"] not in ("pending", "stopping", "shutting-down"):
            return
        if time.monotonic() - inst["since"] < self.speed:
            return
        if inst["state"] == "pending":
            if inst["kms_fail"]:
                self._set(inst, "stopped", ("Client.InternalError", "Client.InternalError: Client error on launch"))
            else:
                self._set(inst, "running", None)
        elif inst["state"] == "stopping":
            self._set(inst, "stopped", ("Client.UserInitiatedShutdown", "Client.UserInitiatedShutdown: User initiated shutdown"))
        else:
            self._set(inst, "terminated", ("Client.UserInitiatedShutdown", "Client.UserInitiatedShutdown: User initiated shutdown"))

    def _set(self, inst, state, reason):
        before = inst["state"]
        inst["state"], inst["reason"], inst["since"], inst["cache"] = state, reason, time.monotonic(), None
        if before != state:
            self.record(inst, before, state)

    def now(self):
        return self.clock or datetime.now(timezone.utc)

    def record(self, inst, before, after):
        """Appends one state change to --history."""
        if not self.history:
            return
        line = json.dumps({"time": now_iso(self.now()), "id": inst["id"], "region": inst["region"],
                           "from": before, "to": after})
        with open(self.history, "a") as f:
            f.write(line + "\n")

    def sees(self, key, inst):
        """Whether the caller with access key @key sees @inst (always, unless --accounts)."""
        return not self.accounts or self.keys[key]["account"] == inst["account"]

    def secret_for(self, key, token):
        entry = self.keys.get(key)
        if entry is None:
            raise ApiError(401, "AuthFailure", "AWS was not able to validate the provided access credentials")
        if entry["token"] is not None and token != entry["token"]:
            raise ApiError(401, "AuthFailure", "AWS was not able to validate the provided access credentials")
        if entry["expires"] is not None and time.time() > entry["expires"]:
            raise ApiError(400, "RequestExpired", "The security token included in the request is expired")
        return entry["secret"]

    def issue_temp(self, account, ttl=None):
        key = "ASIAMOCK" + secrets.token_hex(6).upper()
        secret = secrets.token_urlsafe(30)
        token = "FwoGZXIvYXdzE" + secrets.token_urlsafe(90)
        ttl = self.temp_ttl if ttl is None else ttl
        expires = time.time() + ttl
        self.keys[key] = {"secret": secret, "token": token, "expires": expires, "account": account}
        exp = datetime.fromtimestamp(expires, timezone.utc)
        return key, secret, token, now_iso(exp).replace(".000Z", "Z")


# ---- XML rendering ---------------------------------------------------------------------------

def el(name, value):
    if value is None:
        return ""
    return f"<{name}>{escape(str(value))}</{name}>"


def state_xml(tag, state, high=0):
    return f"<{tag}><code>{STATE_CODES[state] + high}</code><name>{state}</name></{tag}>"


def instance_xml(inst):
    key = (inst["state"], inst["reason"], inst["public_ip"])
    if inst["cache"] and inst["cache"][0] == key:
        return inst["cache"][1]
    running = inst["state"] == "running"
    tags = "".join(f"<item><key>{escape(k)}</key><value>{escape(v)}</value></item>" for k, v in inst["tags"].items())
    reason = ""
    if inst["reason"]:
        reason = f"<stateReason><code>{escape(inst['reason'][0])}</code><message>{escape(inst['reason'][1])}</message></stateReason>"
    n = inst["private_ip"].replace(".", "-")
    public_dns = f"ec2-{inst['public_ip'].replace('.', '-')}.compute-1.amazonaws.com" if inst["public_ip"] and running else ""
    xml = ("<item>" + el("instanceId", inst["id"]) + "<imageId>ami-0abcdef1234567890</imageId>" +
           state_xml("instanceState", inst["state"], inst["high_byte"]) +
           el("privateDnsName", f"ip-{n}.{inst['region']}.compute.internal") + f"<dnsName>{public_dns}</dnsName>" +
           el("reason", "User initiated" if inst["state"] == "stopped" else "") +
           "<keyName>ops</keyName><amiLaunchIndex>0</amiLaunchIndex><productCodes/>" +
           el("instanceType", inst["type"]) + el("launchTime", inst["launch"]) +
           f"<placement><availabilityZone>{inst['az']}</availabilityZone><groupName/><tenancy>default</tenancy></placement>" +
           el("platform", inst["platform"]) +
           el("platformDetails", "Windows" if inst["platform"] == "windows" else "Linux/UNIX") +
           "<monitoring><state>disabled</state></monitoring>" +
           el("subnetId", inst["subnet"]) + el("vpcId", inst["vpc"]) + el("privateIpAddress", inst["private_ip"]) +
           (el("ipAddress", inst["public_ip"]) if running else "") +
           "<sourceDestCheck>true</sourceDestCheck><groupSet><item><groupId>sg-0123456789abcdef0</groupId>"
           "<groupName>default</groupName></item></groupSet>" + reason +
           "<architecture>x86_64</architecture><rootDeviceType>ebs</rootDeviceType><rootDeviceName>/dev/xvda</rootDeviceName>"
           "<blockDeviceMapping/><virtualizationType>hvm</virtualizationType><clientToken/>" +
           (f"<tagSet>{tags}</tagSet>" if tags else "") +
           "<hypervisor>xen</hypervisor><networkInterfaceSet/><ebsOptimized>false</ebsOptimized></item>")
    inst["cache"] = (key, xml)
    return xml


def ec2_response(action, inner):
    return (f'<?xml version="1.0" encoding="UTF-8"?>\n<{action}Response xmlns="{EC2_NS}">'
            f"<requestId>{uuid.uuid4()}</requestId>{inner}</{action}Response>")


# ---- Filters ------------------------------------------------------------------------------------

def _glob(pattern):
    return re.compile("^" + re.escape(pattern).replace(r"\*", ".*").replace(r"\?", ".") + "$")


def instance_field(inst, name):
    if name.startswith("tag:"):
        v = inst["tags"].get(name[4:])
        return [v] if v is not None else []
    fields = {
        "instance-id": [inst["id"]], "instance-state-name": [inst["state"]],
        "instance-state-code": [str(STATE_CODES[inst["state"]])],
        "availability-zone": [inst["az"]], "vpc-id": [inst["vpc"]], "subnet-id": [inst["subnet"]],
        "instance-type": [inst["type"]], "private-ip-address": [inst["private_ip"]],
        "ip-address": [inst["public_ip"]] if inst["public_ip"] and inst["state"] == "running" else [],
        "platform": [inst["platform"]] if inst["platform"] else [],
        "tag-key": list(inst["tags"].keys()), "tag-value": list(inst["tags"].values()),
        "event.code": [e["code"] for e in inst["events"]],
        "instance-status.status": ["impaired" if inst["impaired"] else "ok"],
        "system-status.status": ["ok"],
    }
    if name not in fields:
        raise ApiError(400, "InvalidParameterValue", f"The filter '{name}' is invalid")
    return fields[name]


def parse_filters(params):
    filters = {}
    for k, v in params.items():
        m = re.match(r"^Filter\.(\d+)\.(Name|Value\.(\d+))$", k)
        if m:
            f = filters.setdefault(int(m.group(1)), {"name": None, "values": []})
            if m.group(2) == "Name":
                f["name"] = v
            else:
                f["values"].append(v)
    out = []
    for idx in sorted(filters):
        f = filters[idx]
        if not f["name"]:
            raise ApiError(400, "InvalidParameterValue", f"The filter 'null' is invalid")
        out.append((f["name"], [_glob(v) for v in f["values"]]))
    return out


def matches(inst, filters):
    for name, patterns in filters:
        values = instance_field(inst, name)
        if not any(p.match(v) for p in patterns for v in values):
            return False
    return True


def list_param(params, prefix):
    items = []
    for k, v in params.items():
        m = re.match(r"^" + re.escape(prefix) + r"\.(\d+)$", k)
        if m:
            items.append((int(m.group(1)), v))
    return [v for _, v in sorted(items)]


def is_true(params, name):
    return params.get(name, "false").lower() == "true"


# ---- The handler --------------------------------------------------------------------------------

class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "AmazonEC2"
    sys_version = ""

    def log_message(self, fmt, *args):  # quiet; --log records requests instead
        pass

    @property
    def world(self):
        return self.server.world

    def _send(self, status, body, ctype="text/xml;charset=UTF-8", extra=None):
        data = body.encode() if isinstance(body, str) else body
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        self.send_header("x-amzn-RequestId", str(uuid.uuid4()))
        for k, v in (extra or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)

    def _body(self):
        n = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(n) if n else b""

    def do_GET(self):
        self._dispatch("GET")

    def do_POST(self):
        self._dispatch("POST")

    def do_PUT(self):
        self._dispatch("PUT")

    def _dispatch(self, method):
        body = self._body()
        path = self.path
        try:
            if path.startswith("/_mock/"):
                return self._control(method, path, body)
            if path.startswith("/latest/"):
                return self._imds(method, path)
            if path.startswith("/container/"):
                return self._container()
        except ApiError as e:
            return self._send(e.status, e.message, "text/plain")
        service = "ec2"
        try:
            with self.world.lock:
                self.world.stats["requests"] += 1
                key, region, service = verify_sigv4(method, path, self.headers, body, self.world.secret_for)
                self.world.stats["verified"] += 1
                self.world.stats["dates"].append(self.headers.get("X-Amz-Date"))
                del self.world.stats["dates"][:-50]
                params = dict(parse_qsl(body.decode(), keep_blank_values=True))
                action = params.get("Action", "")
                self.world.stats["actions"][action] = self.world.stats["actions"].get(action, 0) + 1
                self.world.stats["keys"].setdefault(action, [])
                if key not in self.world.stats["keys"][action]:
                    self.world.stats["keys"][action].append(key)
                if service == "sts":
                    out = self._sts(action, params, key)
                elif service == "ec2":
                    self.caller = key
                    out = self._ec2(action, params, region)
                else:
                    raise ApiError(400, "InvalidAction", f"The service {service} is not served here")
            self._send(200, out)
        except ApiError as e:
            with self.world.lock:
                if e.code in ("AuthFailure", "SignatureDoesNotMatch", "IncompleteSignature",
                              "MissingAuthenticationToken", "InvalidClientTokenId", "RequestExpired"):
                    self.world.stats["auth_failures"] += 1
            self._error(service, e)

    def _error(self, service, e):
        rid = str(uuid.uuid4())
        if service == "sts":
            code = {"AuthFailure": "InvalidClientTokenId"}.get(e.code, e.code)
            xml = (f'<ErrorResponse xmlns="{STS_NS}"><Error><Type>Sender</Type><Code>{escape(code)}</Code>'
                   f"<Message>{escape(e.message)}</Message></Error><RequestId>{rid}</RequestId></ErrorResponse>")
        else:
            xml = (f'<?xml version="1.0" encoding="UTF-8"?>\n<Response><Errors><Error><Code>{escape(e.code)}</Code>'
                   f"<Message>{escape(e.message)}</Message></Error></Errors><RequestID>{rid}</RequestID></Response>")
        self._send(e.status, xml)

    # ---- control
    def _control(self, method, path, body):
        w = self.world
        with w.lock:
            if path == "/_mock/stats":
                return self._send(200, json.dumps(w.stats), "application/json")
            if path == "/_mock/config" and method == "POST":
                cfg = json.loads(body or b"{}")
                for k in ("throttle_first", "throttle_every", "fail_first"):
                    if k in cfg:
                        w.faults[k] = int(cfg[k])
                if "reset_count" in cfg:
                    w.ec2_count = 0
                if "speed" in cfg:
                    w.speed = float(cfg["speed"])
                if "fail_regions" in cfg:
                    w.fail_regions = set(cfg["fail_regions"])
                if "deny" in cfg:
                    w.deny = set(cfg["deny"])
                if "clock" in cfg:
                    # Transitions already due happen before the clock moves, at the old time.
                    for iid in w.order:
                        w.settle(w.instances[iid])
                    w.clock = datetime.fromisoformat(cfg["clock"].replace("Z", "+00:00")) if cfg["clock"] else None
                for spec in cfg.get("launch", []):
                    inst = w._from_fixture(spec, w.imds_region)
                    inst["launch"] = now_iso(w.now())
                    w._add(inst)
                    w.record(inst, "", inst["state"])
                for iid in cfg.get("remove", []):
                    if iid in w.instances:
                        w.record(w.instances[iid], w.instances[iid]["state"], "")
                        del w.instances[iid]
                        w.order.remove(iid)
                if cfg.get("reset_states"):
                    for inst in w.instances.values():
                        w._set(inst, inst["initial"][0], inst["initial"][1])
                return self._send(200, "{}", "application/json")
            if path == "/_mock/instances":
                for iid in w.order:
                    w.settle(w.instances[iid])
                out = [{"id": i, "state": w.instances[i]["state"], "region": w.instances[i]["region"]} for i in w.order]
                return self._send(200, json.dumps(out), "application/json")
        raise ApiError(404, "NotFound", "no such control path")

    # ---- IMDSv2 and container credentials
    def _imds(self, method, path):
        w = self.world
        with w.lock:
            if path == "/latest/api/token":
                if method != "PUT":
                    raise ApiError(405, "MethodNotAllowed", "use PUT")
                if self.headers.get("X-Forwarded-For"):
                    raise ApiError(403, "Forbidden", "forwarded")
                ttl = self.headers.get("X-aws-ec2-metadata-token-ttl-seconds", "")
                if not ttl.isdigit() or not 1 <= int(ttl) <= 21600:
                    raise ApiError(400, "BadRequest", "missing or invalid token TTL")
                token = secrets.token_urlsafe(32)
                w.imds_tokens.add(token)
                w.stats["imds_tokens"] += 1
                return self._send(200, token, "text/plain", {"X-aws-ec2-metadata-token-ttl-seconds": ttl})
            if self.headers.get("X-aws-ec2-metadata-token") not in w.imds_tokens:
                raise ApiError(401, "Unauthorized", "")
            role = "mock-instance-role"
            if path == "/latest/meta-data/iam/security-credentials/":
                return self._send(200, role, "text/plain")
            if path == "/latest/meta-data/iam/security-credentials/" + role:
                key, secret, token, exp = w.issue_temp("111111111111")
                doc = {"Code": "Success", "LastUpdated": now_iso(), "Type": "AWS-HMAC", "AccessKeyId": key,
                       "SecretAccessKey": secret, "Token": token, "Expiration": exp}
                return self._send(200, json.dumps(doc), "text/plain")
            if path == "/latest/meta-data/placement/region":
                return self._send(200, w.imds_region, "text/plain")
            if path == "/latest/meta-data/placement/availability-zone":
                return self._send(200, w.imds_region + "a", "text/plain")
        raise ApiError(404, "NotFound", "Not Found")

    def _container(self):
        w = self.world
        with w.lock:
            if w.container_token and self.headers.get("Authorization") != w.container_token:
                return self._send(403, json.dumps({"code": "AccessDenied", "message": "bad authorization token"}),
                                  "application/json")
            w.stats["container"] += 1
            key, secret, token, exp = w.issue_temp("111111111111")
            doc = {"AccessKeyId": key, "SecretAccessKey": secret, "Token": token, "Expiration": exp,
                   "RoleArn": "arn:aws:iam::111111111111:role/mock-task-role"}
            return self._send(200, json.dumps(doc), "application/json")

    # ---- STS
    def _sts(self, action, params, key):
        w = self.world
        if action != "AssumeRole":
            raise ApiError(400, "InvalidAction", f"Could not find operation {action} for version 2011-06-15")
        if params.get("Version") != "2011-06-15":
            raise ApiError(400, "InvalidAction", "Version must be 2011-06-15")
        role = params.get("RoleArn", "")
        m = ROLE_RE.match(role)
        if not m:
            raise ApiError(400, "ValidationError", f"{role} is invalid")
        session = params.get("RoleSessionName", "")
        if not re.match(r"^[\w+=,.@-]{2,64}$", session):
            raise ApiError(400, "ValidationError", "1 validation error detected: Value at 'roleSessionName' failed to satisfy constraint")
        duration = int(params.get("DurationSeconds", "3600"))
        if not 900 <= duration <= 43200:
            raise ApiError(400, "ValidationError", "The requested DurationSeconds exceeds the MaxSessionDuration set for this role.")
        if role in w.deny_roles:
            raise ApiError(403, "AccessDenied", f"User: arn:aws:iam::111111111111:user/mock is not authorized to "
                           f"perform: sts:AssumeRole on resource: {role}")
        new_key, secret, token, exp = w.issue_temp(m.group(1), min(duration, w.temp_ttl))
        w.stats["assumed"].append({"role": role, "session": session, "by": key,
                                   "external_id": params.get("ExternalId")})
        name = role.split("/")[-1]
        return (f'<AssumeRoleResponse xmlns="{STS_NS}"><AssumeRoleResult><AssumedRoleUser>'
                f"<AssumedRoleId>AROAMOCK:{escape(session)}</AssumedRoleId>"
                f"<Arn>arn:aws:sts::{m.group(1)}:assumed-role/{escape(name)}/{escape(session)}</Arn></AssumedRoleUser>"
                f"<Credentials><AccessKeyId>{new_key}</AccessKeyId><SecretAccessKey>{secret}</SecretAccessKey>"
                f"<SessionToken>{token}</SessionToken><Expiration>{exp}</Expiration></Credentials>"
                f"</AssumeRoleResult><ResponseMetadata><RequestId>{uuid.uuid4()}</RequestId></ResponseMetadata>"
                f"</AssumeRoleResponse>")

    # ---- EC2
    def _ec2(self, action, params, region):
        w = self.world
        if params.get("Version") != "2016-11-15":
            raise ApiError(400, "InvalidParameterValue", "Version must be 2016-11-15")
        w.ec2_count += 1
        if region in w.fail_regions:
            raise ApiError(401, "AuthFailure", "AWS was not able to validate the provided access credentials")
        f = w.faults
        if (f["throttle_first"] and w.ec2_count <= f["throttle_first"]) or \
                (f["throttle_every"] and w.ec2_count % f["throttle_every"] == 0):
            w.stats["throttled"] += 1
            raise ApiError(503, "RequestLimitExceeded", "Request limit exceeded.")
        if f["fail_first"] and w.ec2_count <= f["throttle_first"] + f["fail_first"]:
            w.stats["failed"] += 1
            raise ApiError(500, "InternalError", "An internal error has occurred.")
        handlers = {"DescribeInstances": self._describe, "DescribeInstanceStatus": self._status,
                    "StartInstances": self._start, "StopInstances": self._stop, "RebootInstances": self._reboot}
        if action not in handlers:
            raise ApiError(400, "InvalidAction", f"The action {action} is not valid for this web service.")
        return handlers[action](params, region)

    def _selected(self, params, region, check_ids=True):
        w = self.world
        ids = list_param(params, "InstanceId")
        for iid in ids:
            if not ID_RE.match(iid):
                raise ApiError(400, "InvalidInstanceID.Malformed", f'Invalid id: "{iid}"')
        if check_ids:
            missing = [i for i in ids if i not in w.instances or w.instances[i]["region"] != region
                       or not w.sees(self.caller, w.instances[i])]
            if len(missing) == 1:
                raise ApiError(400, "InvalidInstanceID.NotFound", f"The instance ID '{missing[0]}' does not exist")
            if missing:
                raise ApiError(400, "InvalidInstanceID.NotFound", f"The instance IDs '{', '.join(missing)}' do not exist")
        return ids

    def _page(self, params, items, action):
        w = self.world
        max_results = params.get("MaxResults")
        start = 0
        token = params.get("NextToken")
        fingerprint = hashlib.sha1(json.dumps(sorted((k, v) for k, v in params.items()
                                                     if k not in ("NextToken", "MaxResults"))).encode()).hexdigest()[:12]
        if token:
            try:
                off, fp = base64.b64decode(token.encode()).decode().split(":")
                start = int(off)
                assert fp == fingerprint
            except Exception:
                raise ApiError(400, "InvalidParameterValue", f"Invalid value '{token}' for nextToken")
        if max_results is None:
            return items[start:], None
        if not max_results.isdigit() or not 5 <= int(max_results) <= 1000:
            raise ApiError(400, "InvalidParameterValue",
                           f"Value ( {max_results} ) for parameter maxResults is invalid. "
                           "Expecting a value greater than 5 and less than 1000.")
        n = int(max_results)
        w.stats["max_results"].append(n)
        del w.stats["max_results"][:-50]
        end = start + n
        next_token = base64.b64encode(f"{end}:{fingerprint}".encode()).decode() if end < len(items) else None
        return items[start:end], next_token

    def _dry_run(self, params, action):
        if action in self.world.deny:
            raise ApiError(403, "UnauthorizedOperation",
                           "You are not authorized to perform this operation. Encoded authorization failure "
                           "message: " + base64.b64encode(secrets.token_bytes(24)).decode())
        if is_true(params, "DryRun"):
            self.world.stats["dry_runs"] += 1
            raise ApiError(412, "DryRunOperation", "Request would have succeeded, but DryRun flag is set.")

    def _chosen(self, params, region, ids, action, keep):
        """The instances of the region (those of ids when given) that pass keep and the filters."""
        w = self.world
        filters = parse_filters(params)
        self._dry_run(params, action)
        chosen = []
        for iid in (ids or w.order):
            inst = w.instances[iid]
            if inst["region"] != region or not w.sees(self.caller, inst):
                continue
            w.settle(inst)
            if keep(inst) and matches(inst, filters):
                chosen.append(inst)
        return chosen

    def _describe(self, params, region):
        w = self.world
        ids = self._selected(params, region)
        if ids and "MaxResults" in params:
            raise ApiError(400, "InvalidParameterCombination",
                           "The parameter instancesSet cannot be used with the parameter maxResults")
        chosen = self._chosen(params, region, ids, "DescribeInstances", lambda inst: True)
        page, token = self._page(params, chosen, "DescribeInstances")
        parts = []
        for inst in page:
            parts.append(f"<item><reservationId>r-{inst['id'][2:]}</reservationId><ownerId>{inst['account']}</ownerId>"
                         f"<groupSet/><instancesSet>{instance_xml(inst)}</instancesSet></item>")
        inner = "<reservationSet>" + "".join(parts) + "</reservationSet>" + (el("nextToken", token) if token else "")
        return ec2_response("DescribeInstances", inner)

    def _status(self, params, region):
        w = self.world
        ids = self._selected(params, region)
        include_all = is_true(params, "IncludeAllInstances")
        chosen = self._chosen(params, region, ids, "DescribeInstanceStatus",
                              lambda inst: include_all or inst["state"] == "running")
        page, token = self._page(params, chosen, "DescribeInstanceStatus")
        parts = []
        for inst in page:
            running = inst["state"] == "running"
            inst_status = ("impaired" if inst["impaired"] else "ok") if running else "not-applicable"
            sys_status = "ok" if running else "not-applicable"
            detail = lambda s: ("<details><item><name>reachability</name><status>"
                                f"{'failed' if s == 'impaired' else 'passed'}</status></item></details>") if running else ""
            events = "".join(
                f"<item><instanceEventId>instance-event-{hashlib.md5((inst['id'] + e['code']).encode()).hexdigest()[:17]}</instanceEventId>"
                f"<code>{e['code']}</code><description>{escape(e['description'])}</description>"
                f"<notBefore>{e['not_before']}</notBefore><notAfter>{e['not_after']}</notAfter></item>"
                for e in inst["events"])
            parts.append(f"<item>{el('instanceId', inst['id'])}{el('availabilityZone', inst['az'])}"
                         + (f"<eventsSet>{events}</eventsSet>" if events else "")
                         + state_xml("instanceState", inst["state"], inst["high_byte"])
                         + f"<systemStatus><status>{sys_status}</status>{detail(sys_status)}</systemStatus>"
                         + f"<instanceStatus><status>{inst_status}</status>{detail(inst_status)}</instanceStatus></item>")
        inner = "<instanceStatusSet>" + "".join(parts) + "</instanceStatusSet>" + (el("nextToken", token) if token else "")
        return ec2_response("DescribeInstanceStatus", inner)

    def _change(self, params, region, action, verb, transitions, ok_states):
        w = self.world
        ids = self._selected(params, region)
        if not ids:
            raise ApiError(400, "MissingParameter", "The request must contain the parameter InstanceId")
        for iid in ids:
            inst = w.instances[iid]
            w.settle(inst)
            if inst["state"] not in transitions and inst["state"] not in ok_states:
                raise ApiError(400, "IncorrectInstanceState",
                               f"The instance '{iid}' is not in a state from which it can be {verb}.")
        self._dry_run(params, action)
        items = []
        for iid in ids:
            inst = w.instances[iid]
            before = inst["state"]
            if before in transitions:
                w._set(inst, transitions[before], None)
            items.append(f"<item>{el('instanceId', iid)}{state_xml('currentState', inst['state'], inst['high_byte'])}"
                         f"{state_xml('previousState', before, inst['high_byte'])}</item>")
        return ec2_response(action, "<instancesSet>" + "".join(items) + "</instancesSet>")

    def _start(self, params, region):
        return self._change(params, region, "StartInstances", "started", {"stopped": "pending"}, ("pending", "running"))

    def _stop(self, params, region):
        return self._change(params, region, "StopInstances", "stopped",
                            {"running": "stopping", "pending": "stopping"}, ("stopping", "stopped"))

    def _reboot(self, params, region):
        w = self.world
        ids = self._selected(params, region)
        if not ids:
            raise ApiError(400, "MissingParameter", "The request must contain the parameter InstanceId")
        for iid in ids:
            w.settle(w.instances[iid])
            if w.instances[iid]["state"] != "running":
                raise ApiError(400, "IncorrectInstanceState",
                               f"The instance '{iid}' is not in a state from which it can be rebooted.")
        self._dry_run(params, "RebootInstances")
        return ec2_response("RebootInstances", "<return>true</return>")


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--port-file", help="write the port here once listening")
    p.add_argument("--instances", type=int, default=0, help="generate this many instances")
    p.add_argument("--regions", default="us-east-1", help="comma-separated regions the generated instances spread over")
    p.add_argument("--fixture", help="JSON list of instances to add")
    p.add_argument("--speed", type=float, default=0.5, help="seconds a transition takes (negative: never)")
    p.add_argument("--key", action="append", help="ACCESS_KEY:SECRET accepted (default: the mock's own)")
    p.add_argument("--temp-ttl", type=int, default=3600, help="lifetime of temporary credentials in seconds")
    p.add_argument("--throttle-first", type=int, default=0, help="answer the first N EC2 calls RequestLimitExceeded")
    p.add_argument("--throttle-every", type=int, default=0, help="answer every Nth EC2 call RequestLimitExceeded")
    p.add_argument("--fail-first", type=int, default=0, help="answer the next N EC2 calls InternalError (500)")
    p.add_argument("--kms-fail", help="comma-separated instance ids whose start fails (pending -> stopped)")
    p.add_argument("--deny", help="comma-separated EC2 actions answered UnauthorizedOperation")
    p.add_argument("--accounts", help="comma-separated account ids the generated instances spread over; "
                   "each key then sees only its own account's instances (the default key is 111111111111's)")
    p.add_argument("--fail-region", help="comma-separated regions whose EC2 calls fail with AuthFailure")
    p.add_argument("--deny-role", help="comma-separated role ARNs STS refuses")
    p.add_argument("--imds-region", help="the region IMDS reports (default: the first of --regions)")
    p.add_argument("--history", help="append every instance state change to this file (JSON lines)")
    p.add_argument("--container-token", help="the Authorization value the container endpoint wants")
    args = p.parse_args()
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    server.world = World(args)
    port = server.server_address[1]
    if args.port_file:
        tmp = args.port_file + ".tmp"
        with open(tmp, "w") as f:
            f.write(f"{port}\n")
        os.rename(tmp, args.port_file)
    print(f"listening on 127.0.0.1:{port}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    sys.exit(main())
