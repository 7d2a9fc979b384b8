#!/usr/bin/env bash
# The committed captures under pcaps/ must be exactly what the generator makes today:
# regenerate them all into a scratch directory and compare byte for byte.
#   regen_identical.sh PCAPGEN SOURCE_ROOT SCRATCH_DIR
set -euo pipefail
pcapgen=$1
root=$2
scratch=$3

rm -rf "$scratch"
mkdir -p "$scratch"
"$root/tools/pcapgen/regen" "$pcapgen" "$scratch"

fail=0
count=0
while IFS= read -r -d '' f; do
    rel=${f#"$scratch"/}
    count=$((count + 1))
    if [ ! -f "$root/pcaps/$rel" ]; then
        echo "missing committed capture: pcaps/$rel"
        fail=1
    elif ! cmp -s "$f" "$root/pcaps/$rel"; then
        echo "differs: pcaps/$rel (run tools/pcapgen/regen and commit)"
        fail=1
    fi
done < <(find "$scratch" -name '*.pcap' -print0)

# Every committed capture is made by the script, and README.md names each command.
while IFS= read -r -d '' f; do
    rel=${f#"$root/pcaps"/}
    [ -f "$scratch/$rel" ] || { echo "pcaps/$rel is not made by tools/pcapgen/regen"; fail=1; }
    grep -q -- "-o pcaps/$rel " "$root/pcaps/README.md" ||
        { echo "pcaps/README.md does not give the command for pcaps/$rel"; fail=1; }
done < <(find "$root/pcaps" -name '*.pcap' -print0)

# Same arguments, same bytes, twice in a row.
"$pcapgen" -o "$scratch/again.pcap" --seed 1 --duration 120 --behaviours all
cmp "$scratch/again.pcap" "$scratch/demo.pcap"

[ "$count" -ge 14 ] || { echo "only $count captures regenerated"; fail=1; }
if [ "$fail" -ne 0 ]; then
    echo "0 passed, 1 failed"
    exit 1
fi
echo "compared $count captures: identical"
