#!/usr/bin/env bash
# Benchmark: the Scaling panel's query path and the app's memory on a full-size table.
#  1. `benchtop bench series`: load a full-size mean_eval_melted (2,073,375 rows, the SYNTHETIC
#     full set built by benches/datadecide_build.sh) and time selection-to-series (goal < 16 ms).
#  2. The real window under Xvfb opening that table (`benchtop gui --data`): its resident memory
#     once the table is loaded, and, for comparison, with the small bundled demo (goal: < 150 MB).
#   benches/scaling_app.sh [WORKDIR]   (WORKDIR as for datadecide_build.sh: it holds the table)
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/env.sh
work=${1:-$HOME/.cache/ddbench}
table="$work/benchtop.parquet"
[ -f "$table" ] || benches/datadecide_build.sh "$work" >/dev/null
cargo build --profile perf --locked --quiet --bin benchtop
bin="$CARGO_TARGET_DIR/perf/benchtop"
"$bin" bench series --data "$table" --runs 50

home=$(mktemp -d)
# -displayfd: Xvfb picks a free display and writes its number once it accepts connections.
Xvfb -displayfd 3 -screen 0 1400x900x24 -nolisten tcp 3>"$home/display" 2>/dev/null &
xvfb=$!
trap 'kill $xvfb 2>/dev/null; rm -rf "$home"' EXIT
for _ in $(seq 1 100); do [ -s "$home/display" ] && break; sleep 0.1; done
[ -s "$home/display" ] || { echo "Xvfb did not start" >&2; exit 1; }
display=":$(tr -d '[:space:]' < "$home/display")"
rss_of() { # label, extra args: start the window, wait for its table, print its memory
  local label=$1; shift
  HOME="$home" XDG_RUNTIME_DIR="$home" DISPLAY=$display BENCHTOP_LOG=benchtop=info "$bin" gui "$@" 2>"$home/log" &
  local pid=$!
  for _ in $(seq 1 120); do grep -q "loaded " "$home/log" && break; sleep 0.5; done
  if ! grep -q "loaded " "$home/log" || ! kill -0 $pid 2>/dev/null; then
    echo "$label: the window did not load its table within 60 s; its log:" >&2
    cat "$home/log" >&2
    exit 1
  fi
  sleep 3  # a few frames drawn
  echo "$label: $(grep -E 'VmRSS' /proc/$pid/status | awk '{printf "RSS %.0f MB", $2/1024}'), $(grep -o 'loaded .*' "$home/log" | head -1)"
  kill $pid; wait $pid 2>/dev/null || true
}
rss_of "window with the bundled demo" 
rss_of "window with the full-size table" --data "$table"
