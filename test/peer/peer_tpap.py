#!/usr/bin/env python3
"""Peer test of login v4 (TPAP): the independent tpap-peer client against our simulator.

Usage: peer_tpap.py PATH/TO/tpap-peer/client.py CAMERAS.jsonl
Each line of CAMERAS.jsonl is one camera as printed by the simulator CLI (loginFlow "tpap").
Prints one PASS/FAIL line per check and a final "tpap peer: N passed, N failed"; exits 1 on any
failure. The peer client is only run as a program; nothing of it is copied here.
"""
import json
import subprocess
import sys

passed = 0
failed = 0

POLLED = ["getDeviceInfo", "getConnectionType", "getDetectionConfig", "getPersonDetectionConfig",
          "getLensMaskConfig", "getLedStatus", "getSdCardStatus", "getLastAlarmInfo"]


def check(cam, what, ok, detail=""):
    global passed, failed
    if ok:
        passed += 1
        print(f"PASS {cam}: {what}")
    else:
        failed += 1
        print(f"FAIL {cam}: {what} {detail}".rstrip())


def peer(client, desc, password, methods=None, requests=1):
    args = [sys.executable, client, "--host", desc["host"], "--port", str(desc["port"]),
            "--password", password, "--requests", str(requests)]
    for m in methods or []:
        args += ["--method", m]
    out = subprocess.run(args, capture_output=True, text=True, timeout=60)
    try:
        return json.loads(out.stdout.strip().splitlines()[-1]), out.returncode
    except (ValueError, IndexError):
        return {"ok": False, "stderr": out.stderr[-300:]}, out.returncode


def run_camera(client, desc, lock_check):
    label = f"{desc['name']} ({desc['model']}, tpap/{desc['hashAlgo']})"
    pw = desc["cloudPassword"]

    r, rc = peer(client, desc, pw, ["getDeviceInfo"])
    check(label, "login, dev_confirm verified, device info", rc == 0 and r.get("ok") is True, json.dumps(r)[:300])
    if rc == 0:
        basic = r["responses"][0]["result"]["device_info"]["basic_info"]
        check(label, "device model as described", basic.get("device_model") == desc["model"], str(basic.get("device_model")))

    r, rc = peer(client, desc, pw, POLLED, requests=4)
    ok = rc == 0 and r.get("ok") is True
    check(label, f"{len(POLLED)} polled methods x 4 requests in one session (seq start_seq..+3)", ok, json.dumps(r)[:300])
    if ok:
        codes = {x["method"]: x.get("error_code") for x in r["responses"]}
        check(label, "every polled method answered with error_code 0", all(c == 0 for c in codes.values()) and len(codes) == len(POLLED), json.dumps(codes))
        sd = next(x for x in r["responses"] if x["method"] == "getSdCardStatus")["result"]
        check(label, "SD card answer has hd_info", "hd_info" in json.dumps(sd), json.dumps(sd)[:200])

    r, rc = peer(client, desc, pw + "-wrong")
    check(label, "wrong password refused at pake_share with -40401", rc != 0 and r.get("step") == "pake_share" and r.get("error_code") == -40401, json.dumps(r)[:300])

    if lock_check:
        r, rc = peer(client, desc, pw + "-wrong")
        check(label, "second wrong password suspends logins (-40404)", rc != 0 and r.get("error_code") == -40404, json.dumps(r)[:300])
        r, rc = peer(client, desc, pw)
        check(label, "while suspended even the right password gets -40404 at pake_register", rc != 0 and r.get("step") == "pake_register" and r.get("error_code") == -40404, json.dumps(r)[:300])
    else:
        r, rc = peer(client, desc, pw, ["getDeviceInfo"])
        check(label, "right password still logs in after one failure", rc == 0 and r.get("ok") is True, json.dumps(r)[:300])


def main():
    client, path = sys.argv[1], sys.argv[2]
    with open(path) as f:
        cameras = [json.loads(line) for line in f if line.strip()]
    for i, desc in enumerate(cameras):
        if desc.get("loginFlow") != "tpap":
            check(desc.get("name"), "camera is on TPAP", False, desc.get("loginFlow"))
            continue
        run_camera(client, desc, lock_check=(i == len(cameras) - 1))
    print(f"tpap peer: {passed} passed, {failed} failed")
    return 0 if failed == 0 and passed > 0 else 1


if __name__ == "__main__":
    sys.exit(main())
