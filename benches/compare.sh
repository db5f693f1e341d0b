#!/usr/bin/env bash
# Peer timings for benches/decode.rs: dcmtk and pydicom (+pylibjpeg) decoding a DICOM loop.
#
#   benches/compare.sh PEER MODE FILE RUNS KIND
#     PEER  dcmtk | pydicom
#     MODE  first (open + decode frame 0) | all (open + decode every frame)
#     KIND  jpeg | native   (picks the dcmtk tool for MODE=all)
#
# Prints one line: "SECONDS <median wall seconds>" or "SKIP <reason>".
# dcmtk: wall time of the process (includes its start-up, a few ms);
#   first = dcmj2pnm --frame 1 FILE /dev/null (JPEG-capable dcm2pnm, PPM to /dev/null);
#   all   = dcmdjpeg FILE /dev/null for JPEG (decompress every frame, output discarded),
#           dcmj2pnm +Fa (every frame to raw PPM in RAM, /dev/shm) for uncompressed files.
# pydicom: measured inside Python (interpreter start-up excluded);
#   first = pydicom.pixels.pixel_array(FILE, index=0) (reads the file, decodes frame 0, RGB);
#   all   = dcmread(FILE).pixel_array (every frame, RGB).
set -euo pipefail

peer=${1:?peer}; mode=${2:?mode}; file=${3:?file}; runs=${4:-5}; kind=${5:-jpeg}

median() { sort -g | awk '{a[NR]=$1} END {if (NR % 2) print a[(NR+1)/2]; else print (a[NR/2]+a[NR/2+1])/2}'; }

now() { date +%s.%N; }

case "$peer" in
dcmtk)
    for tool in dcmj2pnm dcmdjpeg; do
        command -v "$tool" >/dev/null || { echo "SKIP $tool not installed (apt-get install dcmtk)"; exit 0; }
    done
    tmp=$(mktemp -d "${TMPDIR_FOR_BENCH:-/dev/shm}/echolab-bench.XXXXXX" 2>/dev/null || mktemp -d)
    trap 'rm -rf "$tmp"' EXIT
    for _ in $(seq "$runs"); do
        start=$(now)
        if [ "$mode" = first ]; then
            dcmj2pnm --frame 1 "$file" /dev/null >/dev/null 2>&1
        elif [ "$kind" = jpeg ]; then
            dcmdjpeg "$file" /dev/null >/dev/null 2>&1
        else
            dcmj2pnm +Fa --write-raw-pnm "$file" "$tmp/frame" >/dev/null 2>&1
            rm -f "$tmp"/frame*
        fi
        end=$(now)
        echo "$end - $start" | bc -l
    done | median | sed 's/^/SECONDS /'
    ;;
pydicom)
    python3 - "$mode" "$file" "$runs" <<'PY'
import sys, time, statistics
mode, path, runs = sys.argv[1], sys.argv[2], int(sys.argv[3])
try:
    import numpy  # noqa: F401
    import pydicom
    from pydicom.pixels import pixel_array
except ImportError as e:
    print(f"SKIP {e} (pip install pydicom pylibjpeg pylibjpeg-libjpeg numpy)")
    sys.exit(0)
ts = pydicom.dcmread(path, stop_before_pixels=True).file_meta.TransferSyntaxUID
if ts.is_compressed:
    try:
        import pylibjpeg  # noqa: F401
        import libjpeg  # noqa: F401
    except ImportError as e:
        print(f"SKIP {e} (pip install pylibjpeg pylibjpeg-libjpeg)")
        sys.exit(0)
times = []
for _ in range(runs):
    t = time.perf_counter()
    if mode == "first":
        a = pixel_array(path, index=0)
    else:
        a = pydicom.dcmread(path).pixel_array
    a.sum()  # touch the data
    times.append(time.perf_counter() - t)
print(f"SECONDS {statistics.median(times):.6f}")
PY
    ;;
*)
    echo "SKIP unknown peer $peer"
    ;;
esac
