#!/usr/bin/env bash
# Benchmark: reading a 100 MB LatentScore 02c file (10,500 SYNTHETIC vibes × 5 candidates, made by
# `benchtop vibes synth`) with benchtop's tolerant reader (`benchtop vibes summary`, the code the
# Vibes panel runs on its worker) against plain Python reading the same lines with json.loads, in
# one run. Prints wall time and peak RSS of each and their ratios.
#   benches/vibes_load.sh [WORKDIR]
. "$(dirname "$0")/setup.sh"
file="$work/synthetic-02c-100mb.jsonl"
[ -f "$file" ] || "$bin" vibes synth -o "$file" --vibes 10500 --seed 1 > /dev/null
cat "$file" > /dev/null
/usr/bin/time -f "%e %M" -o "$work/benchtop.time" "$bin" vibes summary "$file" > "$work/benchtop.out" 2>/dev/null
/usr/bin/time -f "%e %M" -o "$work/python.time" python3 -c '
import json, sys
rows = []
for line in open(sys.argv[1], encoding="utf-8"):
    if line.strip():
        rows.append(json.loads(line))
print(len(rows), "rows")
' "$file" > "$work/python.out"
read -r bt bm < "$work/benchtop.time"
read -r pt pm < "$work/python.time"
echo "file: $(du -m "$file" | cut -f1) MB; $(head -1 "$work/benchtop.out")"
echo "python json.loads: $(cat "$work/python.out")"
echo "benchtop: ${bt} s, peak RSS $((bm / 1024)) MB"
echo "python:   ${pt} s, peak RSS $((pm / 1024)) MB"
python3 -c "print(f'benchtop is {float($pt)/float($bt):.2f}x the speed, {float($bm)/float($pm):.2f}x the memory')"
