#!/usr/bin/env python3
"""PACS retrieval benchmark, side by side in one run, whole processes timed by hyperfine.

    python3 benches/pacs_retrieve.py [--runs N] [--echolab PATH] [--instances 40]

Starts a throwaway Orthanc (Debian `orthanc` + `orthanc-dicomweb`; storage in a temporary
folder, ports on 127.0.0.1), uploads a study of N instances (the 12 sample files of
`sample_data/`, copied with new SOP Instance UIDs by dcmtk's `dcmodify` until N), and times
retrieving the whole study over DICOMweb into an empty folder:

* `echolab pacs retrieve` with 1 and 4 parallel downloads (each instance checked and written
  atomically, the study checked against the PACS's list);
* curl, sequential: a QIDO-RS instance list, then one WADO-RS request per instance (`curl`
  once per instance, as a shell script would);
* curl, one request: the whole study as one multipart WADO-RS answer (`curl` once, the parts
  not split).

Needs: hyperfine, curl, dcmtk, orthanc, orthanc-dicomweb, a release build of echolab.
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
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_orthanc(tmp):
    http, dicom = free_port(), free_port()
    cfg = {
        "Name": "bench", "StorageDirectory": str(tmp / "storage"),
        "IndexDirectory": str(tmp / "index"), "HttpPort": http, "DicomPort": dicom,
        "RemoteAccessAllowed": False, "AuthenticationEnabled": False,
        "Plugins": ["/usr/share/orthanc/plugins/libOrthancDicomWeb.so"],
        "DicomWeb": {"Enable": True, "Root": "/dicom-web/"}, "SaveJobs": False,
        "HttpCompressionEnabled": False,
    }
    (tmp / "orthanc.json").write_text(json.dumps(cfg))
    log = open(tmp / "orthanc.log", "w")
    proc = subprocess.Popen(["/usr/sbin/Orthanc", str(tmp / "orthanc.json")],
                            stdout=log, stderr=log)
    url = f"http://127.0.0.1:{http}"
    for _ in range(300):
        try:
            urllib.request.urlopen(url + "/system", timeout=1)
            return proc, url
        except OSError:
            time.sleep(0.1)
    proc.kill()
    sys.exit("Orthanc did not start; see " + str(tmp / "orthanc.log"))


def make_study(tmp, n):
    src = sorted((ROOT / "sample_data").glob("*.dcm"))
    out = tmp / "study"
    out.mkdir()
    files = []
    for i in range(n):
        f = out / f"{i:03d}.dcm"
        shutil.copy(src[i % len(src)], f)
        if i >= len(src):
            subprocess.run(["dcmodify", "-nb", "-m", f"(0008,0018)=2.25.{9000 + i}", str(f)],
                           check=True, stdout=subprocess.DEVNULL)
        files.append(f)
    return files


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--instances", type=int, default=40)
    ap.add_argument("--echolab", default=str(ROOT / "target/release/echolab"))
    a = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="echolab-pacs-bench-"))
    proc, url = start_orthanc(tmp)
    try:
        files = make_study(tmp, a.instances)
        size = 0
        for f in files:
            data = f.read_bytes()
            size += len(data)
            req = urllib.request.Request(url + "/instances", data=data,
                                         headers={"Content-Type": "application/dicom"})
            urllib.request.urlopen(req).read()
        study = json.load(urllib.request.urlopen(url + "/dicom-web/studies"))[0]["0020000D"]["Value"][0]
        web = url + "/dicom-web"
        out = tmp / "out"
        accept = 'multipart/related; type="application/dicom"; transfer-syntax=*'
        curl_seq = tmp / "curl_seq.sh"
        curl_seq.write_text(f"""#!/bin/sh
set -e
mkdir -p {out}/curl
curl -sf -H 'Accept: application/dicom+json' '{web}/studies/{study}/instances?includefield=0020000E' \\
 | python3 -c 'import json,sys
for i in json.load(sys.stdin): print(i["0020000E"]["Value"][0], i["00080018"]["Value"][0])' \\
 | while read series sop; do
   curl -sf -H '{'Accept: ' + accept}' -o {out}/curl/$sop.part "{web}/studies/{study}/series/$series/instances/$sop"
 done
""")
        curl_seq.chmod(0o755)
        prep_script = tmp / "prepare.sh"
        prep_script.write_text(f"#!/bin/sh\nrm -rf {out}\nmkdir -p {out}\n")
        prep_script.chmod(0o755)
        prep = str(prep_script)
        cmds = [
            ("echolab, 1 download at a time",
             f"{a.echolab} pacs retrieve {study} --url {web} --cache {out} --threads 1"),
            ("echolab, 4 parallel downloads",
             f"{a.echolab} pacs retrieve {study} --url {web} --cache {out} --threads 4"),
            ("curl, one request per instance (sequential)", str(curl_seq)),
            ("curl, whole study in one request",
             f"curl -sf -H '{'Accept: ' + accept}' -o {out}/study.multipart {web}/studies/{study}"),
        ]
        results = tmp / "hf.json"
        args = ["hyperfine", "-N", "-w", "1", "-r", str(a.runs), "--prepare", prep,
                "--export-json", str(results)]
        for name, c in cmds:
            args += ["-n", name, c]
        subprocess.run(args, check=True, stdout=subprocess.DEVNULL)
        rows = json.load(open(results))["results"]
        base = rows[2]["mean"]
        print(f"study of {a.instances} instances, {size / 1e6:.1f} MB, Orthanc on 127.0.0.1, "
              f"mean of {a.runs} runs")
        print("| method | ms | vs curl sequential |")
        print("|---|---|---|")
        for r in rows:
            print(f"| {r['command']} | {r['mean'] * 1000:.0f} ± {r['stddev'] * 1000:.0f} | "
                  f"{base / r['mean']:.2f}× |")
    finally:
        proc.kill()
        proc.wait()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
