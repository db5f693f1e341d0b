#!/usr/bin/env python3
"""Decode benchmark, side by side in one run, whole processes timed by hyperfine.

    python3 benches/decode_table.py [--runs N] [--echolab PATH] [--out FILE.md]

For each loop (color3d_jpeg_baseline, Issue164, ultrasound-multiframe, a JPEG 2000 and an RLE
file from ../shared/dicom, and a generated 1000-frame 1016x708 colour JPEG cine) it times:

* `echolab decode FILE --threads 1` and `--threads <all cores>` (display RGB of every frame);
* libjpeg-turbo: `turbo_harness` (benches/turbo_harness.c, linked against the same vendored
  library Echolab is built with) on the JPEG frames extracted beforehand, one thread;
* dcmtk: `dcmdjpeg` / `dcmdrle` to /dev/null, or `dcmj2pnm +Fa` for uncompressed files;
* pydicom + pylibjpeg: `dcmread(FILE).pixel_array` in a fresh interpreter;

then first-frame latency (the same tools on frame 0 only) and peak RSS (`/usr/bin/time -f %M`,
one run each). Ratios are computed within the run. A peer that is not installed is shown "-".
Needs: hyperfine, cc; optional: dcmtk, python3 with pydicom + pylibjpeg (+ pylibjpeg-openjpeg).
Corpus: $ECHOLAB_REAL_DICOM or ../shared/dicom.
"""

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
JPEG_TS = {"1.2.840.10008.1.2.4.50", "1.2.840.10008.1.2.4.51", "1.2.840.10008.1.2.4.70",
           "1.2.840.10008.1.2.4.57"}
FILES = [
    "color3d_jpeg_baseline.dcm",
    "Issue164.dcm",
    "ultrasound-multiframe.dcm",
    "US1_J2KI.dcm",
    "dbdicom_0020.DCM",
]
PY_ALL = "import sys, pydicom; pydicom.dcmread(sys.argv[1]).pixel_array.sum()"
PY_FIRST = ("import sys; from pydicom.pixels import pixel_array; "
            "pixel_array(sys.argv[1], index=0).sum()")


def run(cmd, **kw):
    return subprocess.run(cmd, check=True, capture_output=True, text=True, **kw)


def have_pydicom():
    try:
        run([sys.executable, "-c", "import pydicom, pylibjpeg, libjpeg, numpy"])
        return True
    except (subprocess.CalledProcessError, FileNotFoundError):
        return False


def extract(path, out_dir):
    """Writes each frame's JPEG stream as out_dir/NNNN.jpg (pydicom); returns the file list."""
    code = (
        "import sys, pydicom\n"
        "from pydicom.encaps import generate_frames\n"
        "ds = pydicom.dcmread(sys.argv[1])\n"
        "n = int(getattr(ds, 'NumberOfFrames', 1) or 1)\n"
        "for i, f in enumerate(generate_frames(ds.PixelData, number_of_frames=n)):\n"
        "    open(f'{sys.argv[2]}/{i:05d}.jpg', 'wb').write(f)\n"
    )
    out_dir.mkdir(parents=True, exist_ok=True)
    run([sys.executable, "-c", code, str(path), str(out_dir)])
    return sorted(str(p) for p in out_dir.glob("*.jpg"))


def build_harness(work):
    target = Path(os.environ.get("CARGO_TARGET_DIR", ROOT / "target"))
    outs = sorted(target.glob("release/build/turbojpeg-sys-*/out/lib/libturbojpeg.a"))
    if not outs:
        return None
    out = outs[-1].parent.parent
    exe = work / "turbo_harness"
    run(["cc", "-O2", "-o", str(exe), str(ROOT / "benches/turbo_harness.c"),
         f"-I{out / 'include'}", str(outs[-1])])
    return exe


def transfer_syntax(echolab, path):
    out = run([echolab, "inspect", str(path), "--json"]).stdout
    info = json.loads(out)
    return info["transfer_syntax_uid"], info["frames"], info["columns"], info["rows"]


def hyperfine(commands, runs, work, tag):
    """Mean seconds per named command (all in one hyperfine run)."""
    names = list(commands)
    export = work / f"{tag}.json"
    cmd = ["hyperfine", "-N", "--warmup", "2", "--runs", str(runs), "--export-json", str(export)]
    for name in names:
        cmd += ["-n", name, commands[name]]
    run(cmd)
    results = json.loads(export.read_text())["results"]
    return {r["command"]: (r["mean"], r["stddev"] or 0.0) for r in results}


def peak_rss_mb(command):
    r = subprocess.run(["/usr/bin/time", "-f", "%M", "sh", "-c", command + " >/dev/null"],
                       capture_output=True, text=True)
    if r.returncode != 0:
        return None
    return int(r.stderr.strip().splitlines()[-1]) / 1024.0


def quote(p):
    return "'" + str(p).replace("'", "'\\''") + "'"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=10)
    ap.add_argument("--echolab", default=str(Path(os.environ.get(
        "CARGO_TARGET_DIR", ROOT / "target")) / "release/echolab"))
    ap.add_argument("--long-frames", type=int, default=1000)
    ap.add_argument("--out")
    args = ap.parse_args()
    corpus = Path(os.environ.get("ECHOLAB_REAL_DICOM", ROOT.parent / "shared/dicom")) / "files"
    echolab = args.echolab
    if not Path(echolab).is_file() or shutil.which("hyperfine") is None:
        sys.exit(f"need {echolab} (cargo build --release) and hyperfine (apt-get install hyperfine)")
    cores = os.cpu_count() or 1
    with tempfile.TemporaryDirectory(prefix="echolab-bench-") as tmp:
        work = Path(tmp)
        harness = build_harness(work)
        pydicom_ok = have_pydicom()
        dcmtk_ok = shutil.which("dcmdjpeg") is not None
        run([echolab, "sample", "--long-cine", str(args.long_frames), "--out", str(work / "long")])
        paths = [corpus / f for f in FILES] + [work / "long/long_cine.dcm"]
        rows = []
        for path in paths:
            ts, frames, cols, rows_px = transfer_syntax(echolab, path)
            jpeg = ts in JPEG_TS
            p = quote(path)
            all_cmds = {
                "echolab 1": f"{echolab} decode {p} --threads 1",
                "echolab N": f"{echolab} decode {p} --threads {cores}",
            }
            first_cmds = {"echolab": f"{echolab} decode {p} --threads 1 --frames 0"}
            if jpeg and harness and pydicom_ok:
                jpgs = extract(path, work / ("frames-" + path.stem))
                all_cmds["libjpeg-turbo"] = f"{harness} " + " ".join(jpgs)
                first_cmds["libjpeg-turbo"] = f"{harness} {jpgs[0]}"
            if dcmtk_ok:
                if jpeg:
                    all_cmds["dcmtk"] = f"dcmdjpeg {p} /dev/null"
                elif ts == "1.2.840.10008.1.2.5":
                    all_cmds["dcmtk"] = f"dcmdrle {p} /dev/null"
                elif not ts.startswith("1.2.840.10008.1.2.4"):
                    all_cmds["dcmtk"] = f"dcmj2pnm +Fa --write-raw-pnm {p} {quote(work / 'pnm')}"
                if "dcmtk" in all_cmds:
                    first_cmds["dcmtk"] = f"dcmj2pnm --frame 1 {p} /dev/null"
            if pydicom_ok:
                all_cmds["pydicom"] = f"{sys.executable} -c {quote(PY_ALL)} {p}"
                first_cmds["pydicom"] = f"{sys.executable} -c {quote(PY_FIRST)} {p}"
            runs = max(3, args.runs // 3) if frames >= 500 else args.runs
            t_all = hyperfine(all_cmds, runs, work, path.stem + "-all")
            t_first = hyperfine(first_cmds, runs, work, path.stem + "-first")
            rss = {name: peak_rss_mb(c) for name, c in all_cmds.items()}
            for leftover in work.glob("pnm*"):
                leftover.unlink()
            rows.append((path.name, frames, f"{cols}x{rows_px}", ts, t_all, t_first, rss))
            print(f"measured {path.name}", file=sys.stderr)
    ms = lambda v: "-" if v is None else f"{v[0] * 1000:.0f}"
    lines = [
        f"Whole process, mean of {args.runs} runs (hyperfine), {cores} cores; "
        f"N = {cores} threads.",
        "",
        "| file | frames | echolab 1 thr ms | echolab N thr ms | N thr / 1 thr | libjpeg-turbo ms |"
        " echolab 1 thr / libjpeg-turbo speed | dcmtk ms | pydicom ms | vs dcmtk | vs pydicom |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for name, frames, size, _ts, t, _f, _r in rows:
        e1, en = t["echolab 1"][0], t["echolab N"][0]
        turbo, dcmtk, py = t.get("libjpeg-turbo"), t.get("dcmtk"), t.get("pydicom")
        ratio = lambda peer: "-" if peer is None else f"{peer[0] / en:.1f}x"
        lines.append(
            f"| {name} | {frames} x {size} | {ms(t['echolab 1'])} | {ms(t['echolab N'])} | "
            f"{e1 / en:.2f}x | {ms(turbo)} | "
            f"{'-' if turbo is None else f'{turbo[0] / e1 * 100:.0f} %'} | {ms(dcmtk)} | "
            f"{ms(py)} | {ratio(dcmtk)} | {ratio(py)} |")
    lines += [
        "",
        "| file | first frame ms: echolab / libjpeg-turbo / dcmtk / pydicom |"
        " peak RSS MB, whole loop: echolab 1 thr / N thr / libjpeg-turbo / dcmtk / pydicom |",
        "|---|---|---|",
    ]
    for name, _n, _s, _ts, _t, f, r in rows:
        firsts = " / ".join(ms(f.get(k)) for k in ["echolab", "libjpeg-turbo", "dcmtk", "pydicom"])
        mb = lambda k: "-" if r.get(k) is None else f"{r[k]:.0f}"
        peaks = " / ".join(mb(k) for k in ["echolab 1", "echolab N", "libjpeg-turbo", "dcmtk",
                                           "pydicom"])
        lines.append(f"| {name} | {firsts} | {peaks} |")
    text = "\n".join(lines)
    print(text)
    if args.out:
        Path(args.out).write_text(text + "\n")


if __name__ == "__main__":
    main()
