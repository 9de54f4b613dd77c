#!/usr/bin/env python3
"""Peer test: pytapo (the reference client) logs in to simulated cameras and reads state.

Usage: peer_pytapo.py CAMERAS.jsonl
Each line is one camera as printed by the simulator CLI. Prints one PASS/FAIL line per check and
a final "peer: N passed, N failed"; exits 1 on any failure. Written for this project; pytapo is
used only as a client.
"""
import json
import sys
import traceback

from pytapo import Tapo

passed = 0
failed = 0


def check(cam, what, ok, detail=""):
    global passed, failed
    if ok:
        passed += 1
        print(f"PASS {cam}: {what}")
    else:
        failed += 1
        print(f"FAIL {cam}: {what} {detail}".rstrip())


def run_camera(desc):
    label = f"{desc['name']} ({desc['loginFlow']}/{desc['hashAlgo']})"
    try:
        tapo = Tapo(
            desc["host"],
            desc["user"],
            desc["cloudPassword"],
            desc["cloudPassword"],
            controlPort=desc["port"],
            printWarnInformation=False,
        )
    except Exception as err:  # pytapo raises plain Exception
        check(label, "login", False, f"-> {type(err).__name__}: {err}")
        return
    check(label, "login", True)

    # Which flow pytapo chose tells us the simulator answered the probe like real firmware.
    secure = tapo.transport.isSecureConnectionCached
    expected_secure = desc["loginFlow"] == "secure"
    check(label, f"pytapo chose the {'secure' if expected_secure else 'legacy'} flow", secure == expected_secure, f"(secure={secure})")
    if expected_secure:
        algo = tapo.getEncryptionMethod()
        check(label, f"password hash detected as {desc['hashAlgo']}", algo == desc["hashAlgo"], f"(got {algo})")

    def read(what, fn, predicate):
        try:
            value = fn()
        except Exception as err:
            check(label, what, False, f"-> {type(err).__name__}: {err}")
            return None
        ok = predicate(value)
        check(label, what, ok, "" if ok else f"-> {json.dumps(value)[:300]}")
        return value

    read(
        "getBasicInfo: model and type",
        tapo.getBasicInfo,
        lambda v: v["device_info"]["basic_info"]["device_model"] == desc["model"]
        and v["device_info"]["basic_info"]["device_type"] == "SMART.IPCAMERA",
    )
    read("getMotionDetection: enabled on/off", tapo.getMotionDetection, lambda v: v.get("enabled") in ("on", "off"))
    read("getPrivacyMode: enabled on/off", tapo.getPrivacyMode, lambda v: v.get("enabled") in ("on", "off"))
    read(
        "getSDCard: status and sizes",
        tapo.getSDCard,
        lambda v: isinstance(v, list) and "status" in v[0]["hd_info_1"] and v[0]["hd_info_1"]["total_space"].endswith("B"),
    )
    # A write and a read back, through the same session.
    try:
        tapo.setPrivacyMode(True)
        on = tapo.getPrivacyMode()["enabled"]
        tapo.setPrivacyMode(False)
        off = tapo.getPrivacyMode()["enabled"]
        check(label, "setPrivacyMode round trip", on == "on" and off == "off", f"-> {on}/{off}")
    except Exception as err:
        check(label, "setPrivacyMode round trip", False, f"-> {type(err).__name__}: {err}")
    if desc["ptz"]:
        read("getPresets", tapo.getPresets, lambda v: isinstance(v, dict) and len(v) >= 1)


def connect(desc, password):
    return Tapo(desc["host"], desc["user"], password, password, controlPort=desc["port"], printWarnInformation=False)


def check_wrong_password(desc):
    """Run last: a wrong password, as pytapo handles it, against both firmware kinds."""
    label = f"{desc['name']} ({desc['loginFlow']}/{desc['hashAlgo']})"
    try:
        connect(desc, "not-the-password")
        check(label, "wrong password refused", False, "-> login succeeded")
        return
    except Exception as err:
        message = str(err)
    if desc["loginFlow"] == "secure":
        # pytapo checks device_confirm and never sends the digest: nothing counts against the camera.
        check(label, "wrong password refused locally (no digest sent)", "Invalid authentication data" in message, f"-> {message}")
        try:
            ok = connect(desc, desc["cloudPassword"]).getBasicInfo()["device_info"]["basic_info"]["device_model"] == desc["model"]
        except Exception as err:
            ok = False
            message = str(err)
        check(label, "right password still accepted (camera did not count a failure)", ok, f"-> {message}")
    else:
        # Legacy firmware counts the hashed password; with one allowed failure it suspends logins,
        # and pytapo must understand the suspension answer (-40404 with sec_left).
        check(label, "wrong password suspends logins (pytapo reads sec_left)", "Temporary Suspension" in message, f"-> {message}")
        try:
            connect(desc, desc["cloudPassword"])
            check(label, "suspension applies to the right password too", False, "-> login succeeded")
        except Exception as err:
            check(label, "suspension applies to the right password too", "Temporary Suspension" in str(err), f"-> {err}")


def main():
    if len(sys.argv) != 2:
        print("usage: peer_pytapo.py CAMERAS.jsonl", file=sys.stderr)
        return 2
    with open(sys.argv[1]) as f:
        cameras = [json.loads(line) for line in f if line.strip()]
    if not cameras:
        print("FAIL no cameras described")
        return 1
    for desc in cameras:
        try:
            run_camera(desc)
        except Exception:
            traceback.print_exc()
            check(desc.get("name", "?"), "unexpected error", False)
    for desc in cameras:
        if desc["name"].startswith("Sim C210") or desc["loginFlow"] == "legacy":
            try:
                check_wrong_password(desc)
            except Exception:
                traceback.print_exc()
                check(desc.get("name", "?"), "unexpected error", False)
    print(f"peer: {passed} passed, {failed} failed")
    return 0 if failed == 0 and passed > 0 else 1


if __name__ == "__main__":
    sys.exit(main())
