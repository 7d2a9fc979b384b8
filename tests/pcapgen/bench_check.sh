#!/usr/bin/env bash
# Benchmark mode: --flows 200000 --packets 2000000 must give that many frames and about that
# many distinct conversations, counted from the file by an independent reader (flowcount).
#   bench_check.sh PCAPGEN FLOWCOUNT SCRATCH_DIR
set -euo pipefail
pcapgen=$1
flowcount=$2
scratch=$3
mkdir -p "$scratch"
out=$scratch/bench.pcap

start=$(date +%s)
"$pcapgen" -o "$out" --flows 200000 --packets 2000000 --summary 2> "$scratch/summary.txt"
end=$(date +%s)
cat "$scratch/summary.txt"
echo "generated in $((end - start)) s"

read -r _ packets _ flows < <("$flowcount" "$out")
rm -f "$out"
echo "flowcount: packets $packets flows $flows"
fail=0
[ "$packets" -eq 2000000 ] || { echo "FAIL: $packets packets, want 2000000"; fail=1; }
# DNS answers from the forwarder and C-MOVE sub-associations add conversations; 2% slack.
[ "$flows" -ge 196000 ] && [ "$flows" -le 204000 ] ||
    { echo "FAIL: $flows distinct flows, want about 200000"; fail=1; }
[ $((end - start)) -le 20 ] || { echo "FAIL: took $((end - start)) s"; fail=1; }

# Bad usage exits 2 with a message.
set +e
"$pcapgen" --flows 10 -o "$scratch/x.pcap" 2>/dev/null; rc1=$?
"$pcapgen" -o "$scratch/x.pcap" --behaviours nosuch 2>/dev/null; rc2=$?
"$pcapgen" 2>/dev/null; rc3=$?
set -e
[ "$rc1" -eq 2 ] && [ "$rc2" -eq 2 ] && [ "$rc3" -eq 2 ] ||
    { echo "FAIL: usage errors exit $rc1 $rc2 $rc3, want 2"; fail=1; }
rm -f "$scratch/x.pcap"
if [ "$fail" -ne 0 ]; then
    echo "0 passed, 1 failed"
    exit 1
fi
echo "1 passed, 0 failed"
