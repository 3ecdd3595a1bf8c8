#!/usr/bin/env bash
# run_fixed.sh COMPNN OUT: runs a fixed, deterministic list of compnn commands (every command, on
# small generated data, fixed seeds, one thread) and the Python package (run_fixed.py, with the
# PYTHONPATH the caller exports), writing everything under OUT (which must not exist).
# Compare two such folders with compare.py. See README.md.
set -euo pipefail

if [ $# -ne 2 ]; then
    echo "usage: run_fixed.sh COMPNN OUT (OUT must not exist)" >&2
    exit 2
fi
if [ ! -x "$1" ]; then
    echo "run_fixed.sh: $1 is not an executable compnn binary" >&2
    exit 2
fi
if [ -e "$2" ]; then
    echo "run_fixed.sh: $2 already exists; give a folder that does not exist" >&2
    exit 2
fi
COMPNN=$(realpath "$1")
HERE=$(cd "$(dirname "$0")" && pwd)
MODELS=$(cd "$HERE/../../models" && pwd)
PYTHON=/usr/bin/python3
mkdir -p "$2"
OUT=$(cd "$2" && pwd)
cd "$OUT"
mkdir logs
step=0

log_command() {  # log_command NOTE PROGRAM ARGS...: the command as a shell line, in commands.txt
    local note=$1
    printf '%02d %s' "$step" "$2" >> commands.txt
    shift 2
    printf ' %q' "$@" >> commands.txt
    echo "$note" >> commands.txt
}

run() {  # run NAME ARGS...: compnn ARGS, its stdout and stderr in logs/NN-NAME.{stdout,stderr}
    local name
    step=$((step + 1))
    name=$(printf '%02d-%s' "$step" "$1")
    shift
    log_command "" compnn "$@"
    echo "[$SECONDS s] $name"
    if ! "$COMPNN" "$@" > "logs/$name.stdout" 2> "logs/$name.stderr"; then
        echo "run_fixed.sh: step $name failed: compnn $*" >&2
        cat "logs/$name.stderr" >&2
        exit 1
    fi
}

refuse() {  # refuse NAME ARGS...: compnn ARGS must fail; its status goes to logs/NN-NAME.status
    local name status=0
    step=$((step + 1))
    name=$(printf '%02d-%s' "$step" "$1")
    shift
    log_command "  # must fail" compnn "$@"
    echo "[$SECONDS s] $name (a refusal)"
    "$COMPNN" "$@" > "logs/$name.stdout" 2> "logs/$name.stderr" || status=$?
    echo "$status" > "logs/$name.status"
    if [ "$status" -eq 0 ]; then
        echo "run_fixed.sh: step $name should have failed: compnn $*" >&2
        exit 1
    fi
}

python_step() {  # python_step NAME MODE: run_fixed.py MODE OUT
    step=$((step + 1))
    log_command "" python3 run_fixed.py "$2" OUT
    echo "[$SECONDS s] $(printf '%02d' "$step")-$1"
    "$PYTHON" "$HERE/run_fixed.py" "$2" "$OUT"
}

# Inputs: copies of the shipped models (so that recorded paths fall under OUT), datasets, arrays.
mkdir models sheets predict
cp "$MODELS/facades-label2photo.model" "$MODELS/scenes-segnet.model" models/
L2P=models/facades-label2photo.model
SEG=models/scenes-segnet.model

run data-facades data facades --out data/facades --size 64 --train 16 --val 3 --test 2 --seed 5
run data-scenes data scenes --out data/scenes --size 128 --train 12 --val 3 --test 0 --seed 4
python_step inputs inputs
run data-import-pix2pix data import pix2pix pix2pix-src --palette cmp-facades --out data/pix2pix --size 32
run data-check-facades data check data/facades
run data-check-scenes data check data/scenes
run data-check-pix2pix data check data/pix2pix
run data-sheet data sheet data/facades --split val --count 3 --columns 2 --tile 64 --out sheets/facades-val.png
refuse data-exists data facades --out data/facades --size 64 --train 2 --val 1 --test 1

# Networks
run layers-l2p layers $L2P
run layers-segnet-64x96 layers $SEG --size 64x96
run predict-facades predict --model $L2P --data data/facades --split val --count 3 --tile 64 --out predict/facades-val.png
run predict-scenes predict --model $SEG --data data/scenes --split val --count 2 --out predict/scenes-val.png

# Feature stores
run index-facades index --model $L2P --data data/facades --out stores/facades --layers decoder2,decoder3,encoder2 --threads 1
run index-facades-all index --model $L2P --data data/facades --out stores/facades-all --layers all --dtype f32 --no-predictions --batch 5 --threads 1
run index-scenes index --model $SEG --data data/scenes --out stores/scenes --threads 1
run index-scenes-64x96 index --model $SEG --data data/scenes --out stores/scenes-64x96 --size 64x96 --layers decoder2,decoder3 --global encoder3 --no-pixels --threads 1
run index-import index --import arrays/acts --channels-first --input-size 32 --dtype f32 --out stores/imported
for store in facades facades-all scenes scenes-64x96 imported; do
    run "verify-$store" verify stores/$store
done
refuse verify-not-a-store verify data/facades

# Explanations
EXPLAIN=(explain --model $L2P --store stores/facades --threads 1)
run explain-hpm "${EXPLAIN[@]}" --query facade_val_0000 --out explain/facades-hpm
run explain-exact "${EXPLAIN[@]}" --query facade_val_0000 --method exact --out explain/facades-exact
run explain-projected "${EXPLAIN[@]}" --query facade_val_0000 --method projected --seed 7 --out explain/facades-projected
run explain-k2 "${EXPLAIN[@]}" --query facade_val_0001 --k 2 --vote-power 2 --seed 3 --out explain/facades-k2
run explain-options "${EXPLAIN[@]}" --query-split test --count 2 --layer decoder3 --overlap --hyperpatch 3 3 --search-matches 2 --iterations 8 --topk-images 6 --highlight 3 --out explain/facades-options
run explain-where "${EXPLAIN[@]}" --query facade_val_0000 --where 'wall_colour!=white,wall_colour!=grey' --out explain/facades-where
run explain-images "${EXPLAIN[@]}" --query facade_val_0000 --images facade_train_0001,facade_train_0003,facade_train_0008 --out explain/facades-images
run explain-html "${EXPLAIN[@]}" --query facade_val_0002 --query data/facades/test/facade_test_0000.png --layer decoder3 --html --html-link 'Back=../index.html' --out explain/facades-html
refuse explain-where-empty "${EXPLAIN[@]}" --query facade_val_0000 --where wall_colour=purple --out explain/refused
run explain-no-pixels explain --model $SEG --store stores/scenes-64x96 --query scene_val_0001 --threads 1 --out explain/scenes-64x96
run sweep sweep --model $L2P --store stores/facades --query facade_val_0002 --layers decoder2,decoder3,encoder2 --html --threads 1 --out sweep/facades
run sweep-all sweep --model $L2P --store stores/facades-all --query facade_val_0000 --layers all --topk-images 8 --threads 1 --out sweep/facades-all
run control control --model $L2P --store stores/facades --query facade_val_0001 --where wall_colour=red --where 'wall_colour!=white,wall_colour!=red' --images facade_train_0002,facade_train_0007 --html --html-link 'Back=../index.html' --threads 1 --out control/facades
run correspond-facades correspond --model $L2P --data data/facades --size 128 facade_val_0000 facade_val_0001 --threads 1 --out correspond/facades
run correspond-scenes correspond --model $SEG --data data/scenes scene_val_0000 scene_val_0002 --layer decoder3 --colour position --lines 10 --seed 3 --threads 1 --out correspond/scenes

# Evaluation
run eval-facades eval --model $L2P --store stores/facades --split test --count 2 --topk-images 0,4 --quality-queries 1 --quality-topk 4 --threads 1 --out eval/facades
run eval-scenes eval --model $SEG --store stores/scenes --split val --count 2 --layer decoder2,decoder3 --topk-images 0,4 --k 1,2 --quality-queries 1 --quality-topk 4 --threads 1 --out eval/scenes
run eval-scenes-exact eval --model $SEG --store stores/scenes --split val --count 1 --method exact --topk-images 4 --penultimate decoder3 --threads 1 --out eval/scenes-exact
run eval-credibility eval --model $SEG --store stores/scenes --split val --credibility --calibration-count 1 --count 2 --credibility-k 4 --layer decoder2 --ood-data data/facades --ood-split val --ood-count 2 --threads 1 --out eval/scenes-credibility
run eval-sanity eval --model $SEG --store stores/scenes --split val --sanity --count 1 --topk-images 4 --layer decoder2 --threads 1 --out eval/scenes-sanity
run explain-credibility explain --model $SEG --store stores/scenes --query scene_val_0002 --layer decoder2 --credibility eval/scenes-credibility/calibration.json --credibility-patches 50 --html --threads 1 --out explain/scenes-credibility

# The cell index, and searches over every image that use it (or not)
run cell-index cell-index stores/scenes --layer decoder3 --lists 16 --code-bytes 16 --train-cells 4096 --seed 2 --threads 1
run explain-cell-index explain --model $SEG --store stores/scenes --query scene_val_0001 --layer decoder3 --topk-images 0 --index-probes 2 --index-shortlist 32 --threads 1 --out explain/scenes-cell-index
run explain-no-cell-index explain --model $SEG --store stores/scenes --query scene_val_0001 --layer decoder3 --topk-images 0 --no-cell-index --threads 1 --out explain/scenes-no-cell-index
run eval-cell-index eval --model $SEG --store stores/scenes --split val --count 1 --layer decoder3 --topk-images 0 --quality-queries 0 --threads 1 --out eval/scenes-cell-index

# Saved activations
run match-exact match --query arrays/query.npy --database arrays/database.npy --method exact --threads 1 --out match/exact
run match-hpm match --query arrays/query.npy --database arrays/database-f16.npy --method hpm --seed 3 --iterations 8 --k 2 --search-matches 2 --min-improved 0.1 --random-images 2 --long-range 1 --threads 1 --out match/hpm
run match-projected match --query arrays/query.npy --database arrays/database.npy --method projected --components 8 --shortlist 4 --seed 1 --images 0 2 4 --hyperpatch 3 3 --threads 1 --out match/projected
run match-topk match --query arrays/query.npy --database arrays/database.npy --method exact --topk-images 2 --query-global arrays/query-global.npy --database-global arrays/database-global.npy --threads 1 --out match/topk
run match-store-layer match --query arrays/query-d8.npy --database stores/imported/fine.npy --method exact --hyperpatch 1 1 --threads 1 --out match/store-layer
refuse match-depth match --query arrays/query.npy --database stores/imported/coarse.npy --method exact --threads 1 --out match/refused

# The Python package, and its store read back by the command line
python_step python package
run verify-python-store verify python/tiny-store

echo "run_fixed.sh: $step steps in $SECONDS s, outputs in $OUT"
