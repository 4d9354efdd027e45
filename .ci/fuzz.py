#!/usr/bin/env python3
"""Schema fuzzing of rampflow with schemathesis, as the operator, a wallet and a partner.

Starts `rampflow serve` on a fresh SQLite database, seeds real resources through the API (a
wallet, a partner, a user who granted the partner access, a price list, an order, a webhook
endpoint and so an event), and runs `st run` against the server's own /openapi.json once per
role, on the operations that role may call, with the seeded ids as path parameters. Every
check is on; the exclusions below say which check is left out where, and why. Exits non-zero
on any failure.

Run it inside a network namespace with only loopback (`unshare -n`; `tests/api/fuzz.rs` does):
the server then may register webhook endpoints on any address, since nothing outside this
machine can be reached. Without `--isolated`, webhook-endpoint creation is not fuzzed, so that
no generated URL is ever called.

Usage: fuzz.py --binary target/debug/rampflow --st .venv/bin/st [--isolated] [--examples 25]
"""

import argparse
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

ADMIN = "fuzz-admin-token"

# Checks left out, by operation id, and why. Everything else runs every check.
#
# positive_data_acceptance expects a 2xx (or 401, 403, 404, 409, 429) for every request the
# schema allows. It cannot know the rules a schema cannot express (listed in the spec's
# description, "What the schemas cannot say"): ISO 4217 and ISO 3166 code lists, minor units, fields that depend on each
# other or on the order's state, references to existing resources, opaque cursors and
# configured bounds. Generated data that satisfies the schema therefore meets 4xx answers
# that are right:
POSITIVE_EXCLUDED = {
    # ISO lists and minor units (`fiat.currency`, `country`, fee `fixed` keys); partner ids
    # and quote ids that must exist; `quote_id` or the terms, not both.
    "create_order": "ISO 4217 list, minor units, existing partner and quote, user grant",
    "create_quote": "ISO 4217 list, minor units, a partner pricing the pair (no_partner)",
    "compare_quotes": "ISO 4217 list, minor units, fiat_amount xor crypto_amount in a query",
    "put_partner_pricing": "ISO 4217 list, minor units, each pair once, min_fiat <= max_fiat",
    "put_wallet_fee": "ISO 4217 list (fixed keys), minor units",
    "put_user": "ISO 3166 list, E.164 phones, real past birth dates",
    # Fields that depend on the order: an address or bank details by direction, the window
    # within the configured bounds and the reminder inside it, amounts in the order's
    # currency's minor units. (A command on an order in another status is 409, which this
    # check takes as a right answer, as it does 404.)
    "accept_order": "address or bank by direction; window bounds; reminder inside the window",
    "funds_received_order": "minor units of the order's currency or asset",
    "complete_order": "minor units of the order's currency and asset",
    "refund_order": "minor units; at most what the order holds",
    # Opaque cursors: a string the API did not issue is 422.
    "list_orders": "opaque cursors",
    "list_events": "opaque cursors",
    "list_wallets": "opaque cursors",
    "list_partners": "opaque cursors",
    "list_grants": "opaque cursors",
    "list_access_log": "opaque cursors",
    "list_webhook_endpoints": "opaque cursors",
    # A webhook URL must resolve to an address the server may call.
    "create_webhook_endpoint": "URLs that do not resolve are 422",
}

# Checks left out of every operation: none. (A check named here goes into every block of the
# config, since a block of its own replaces the defaults for its operation.)
EXCLUDED_EVERYWHERE = []


# Operations whose path parameters are left to schemathesis: the stateful phase deletes the
# endpoints it created itself, and checks that they existed (ensure_resource_availability);
# with the seeded id in its place, it would delete the seed (gone after the first run) instead.
UNSEEDED = {"delete_webhook_endpoint"}


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def call(base, method, path, key=None, body=None):
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(base + path, data=data, method=method)
    if key:
        request.add_header("Authorization", f"Bearer {key}")
    if data is not None:
        request.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            text = response.read()
            return response.status, json.loads(text) if text else None
    except urllib.error.HTTPError as error:
        text = error.read()
        return error.code, json.loads(text) if text else None


def expect(result, *statuses):
    status, body = result
    if status not in statuses:
        sys.exit(f"seeding failed: {status} {body}")
    return body


def seed(base, isolated):
    """Real resources for each role's path parameters."""
    wallet = expect(call(base, "POST", "/v1/admin/wallets", ADMIN, {"name": "Fuzz Wallet"}), 201)
    partner = expect(call(base, "POST", "/v1/admin/partners", ADMIN, {"name": "Fuzz Partner"}), 201)
    wkey, pkey = wallet["api_key"], partner["api_key"]
    # The operator's run rotates these keys, not the ones the other runs use.
    spare_wallet = expect(call(base, "POST", "/v1/admin/wallets", ADMIN, {"name": "Spare Wallet"}), 201)
    spare_partner = expect(call(base, "POST", "/v1/admin/partners", ADMIN, {"name": "Spare Partner"}), 201)
    expect(call(base, "PUT", "/v1/users/u-42", wkey, {"email": "ada@example.com", "country": "NG"}), 200, 201)
    expect(call(base, "PUT", f"/v1/users/u-42/grants/{partner['id']}", wkey), 200)
    pairs = [
        {"direction": d, "crypto": {"asset": "USDC", "network": "solana"}, "fiat_currency": "NGN", "rate": "1500"}
        for d in ("onramp", "offramp")
    ]
    expect(call(base, "PUT", "/v1/partner/pricing", pkey, {"pairs": pairs, "fee": {"percent": "1"}}), 200)
    endpoint = None
    if isolated:
        endpoint = expect(call(base, "POST", "/v1/webhook-endpoints", wkey, {"url": "http://127.0.0.1:9/hooks"}), 201)
    order = expect(call(base, "POST", "/v1/orders", wkey, {
        "direction": "offramp", "partner_id": partner["id"], "user_ref": "u-42",
        "crypto": {"asset": "USDC", "network": "solana", "amount": "10.00"},
        "fiat": {"currency": "NGN", "amount": "15000.00"},
        "user_wallet_address": "F2etcaJ1userWallet", "payment_method": "bank_transfer",
    }), 201)
    events = expect(call(base, "GET", f"/v1/events?order_id={order['id']}", wkey), 200)
    event_id = events["data"][0]["id"] if events["data"] else order["id"]
    return {
        "wallet": wallet, "partner": partner, "order": order["id"], "event": event_id,
        "spare_wallet": spare_wallet["id"], "spare_partner": spare_partner["id"],
        "endpoint": endpoint["id"] if endpoint else order["id"],
    }


def operations_of(spec, role):
    """Operation ids `role` may call; the operator also takes those that need no key."""
    found = []
    for item in spec["paths"].values():
        for operation in item.values():
            roles = [r for requirement in operation.get("security", []) for rs in requirement.values() for r in rs]
            if role in roles or (role == "operator" and not roles):
                found.append(operation["operationId"])
    return found


def config(spec, seeds, operations):
    """schemathesis.toml: one block per operation, with the seeded ids as its path
    parameters and the checks left out for it. (Checks named on the command line would
    override these, so none are.)"""
    by_prefix = [
        ("/v1/orders/", {"id": seeds["order"]}),
        ("/v1/events/", {"id": seeds["event"]}),
        ("/v1/webhook-endpoints/", {"id": seeds["endpoint"]}),
        ("/v1/users/", {"user_ref": "u-42", "partner_id": seeds["partner"]["id"]}),
        ("/v1/admin/wallets/", {"id": seeds["spare_wallet"]}),
        ("/v1/admin/partners/", {"id": seeds["spare_partner"]}),
    ]
    lines = [f"checks.{check}.enabled = false" for check in EXCLUDED_EVERYWHERE] + [""]
    for path, item in spec["paths"].items():
        for operation in item.values():
            operation_id = operation["operationId"]
            if operation_id not in operations:
                continue
            settings = []
            for prefix, parameters in by_prefix:
                if path.startswith(prefix) and operation_id not in UNSEEDED:
                    names = [n for n in parameters if "{" + n + "}" in path]
                    values = ", ".join(f'{json.dumps("path." + n)} = {json.dumps(parameters[n])}' for n in names)
                    settings.append(f"parameters = {{ {values} }}")
            for check in EXCLUDED_EVERYWHERE:
                settings.append(f"checks.{check}.enabled = false")
            if operation_id in POSITIVE_EXCLUDED:
                settings.append("checks.positive_data_acceptance.enabled = false")
            if settings:
                lines.append("[[operations]]")
                lines.append(f"include-operation-id = {json.dumps(operation_id)}")
                lines.extend(settings)
                lines.append("")
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--binary", required=True)
    parser.add_argument("--st", required=True)
    parser.add_argument("--isolated", action="store_true")
    parser.add_argument("--examples", type=int, default=25)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()

    work = tempfile.mkdtemp(prefix="rampflow-fuzz-")
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {k: v for k, v in os.environ.items() if not k.startswith("RAMPFLOW_")}
    env.update({
        "RAMPFLOW_BIND": f"127.0.0.1:{port}",
        "RAMPFLOW_DATABASE_URL": f"sqlite://{work}/rampflow.db",
        "RAMPFLOW_DATA_DIR": work,
        "RAMPFLOW_ADMIN_TOKEN": ADMIN,
        "RAMPFLOW_LOG_FORMAT": "json",
        "RAMPFLOW_WEBHOOK_ALLOW_PRIVATE_TARGETS": "true" if args.isolated else "false",
        "RUST_LOG": "warn",
    })
    log = open(os.path.join(work, "server.log"), "w")
    server = subprocess.Popen([args.binary, "serve"], env=env, stdout=log, stderr=log, stdin=subprocess.DEVNULL)
    failed = []
    try:
        deadline = time.time() + 60
        while True:
            try:
                if call(base, "GET", "/readyz")[0] == 200:
                    break
            except OSError:
                pass
            if server.poll() is not None or time.time() > deadline:
                sys.exit("the server did not become ready; see " + log.name)
            time.sleep(0.1)
        spec = expect(call(base, "GET", "/openapi.json"), 200)
        seeds = seed(base, args.isolated)
        keys = {"operator": ADMIN, "wallet": seeds["wallet"]["api_key"], "partner": seeds["partner"]["api_key"]}
        # The partner first: the wallet's run revokes the partner's grant and deletes the user.
        for role in ("operator", "partner", "wallet"):
            operations = [
                operation_id
                for operation_id in operations_of(spec, role)
                # Outside a namespace no generated URL may be registered, so none is called.
                if args.isolated or operation_id != "create_webhook_endpoint"
            ]
            config_path = os.path.join(work, f"{role}.toml")
            with open(config_path, "w") as f:
                f.write(config(spec, seeds, operations))
            command = [
                args.st, "--config-file", config_path, "run", f"{base}/openapi.json",
                "--max-examples", str(args.examples), "--seed", str(args.seed),
                "--header", f"Authorization: Bearer {keys[role]}",
                "--workers", "1", "--no-color", "--request-timeout", "10",
            ]
            for operation_id in operations:
                command += ["--include-operation-id", operation_id]
            print(f"== schemathesis as the {role}", flush=True)
            started = time.time()
            result = subprocess.run(command, cwd=work)
            print(f"== {role}: exit {result.returncode} in {time.time() - started:.0f} s", flush=True)
            if result.returncode != 0:
                failed.append(role)
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()
        errors = [line for line in open(log.name) if '"level":"ERROR"' in line]
        if errors:
            print("server errors:\n" + "".join(errors[:20]))
            failed.append("server log")
        if not failed:
            shutil.rmtree(work, ignore_errors=True)
    if failed:
        sys.exit(f"schemathesis found failures: {', '.join(failed)} (work directory {work})")
    print("schemathesis: no failures as operator, wallet and partner")


if __name__ == "__main__":
    main()
