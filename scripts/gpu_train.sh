#!/usr/bin/env bash
# One prepared training session on a lent GPU machine (docs/training.md, "Training on a GPU").
#
# Build CARRY here first: .venv/bin/python -m scripts.gpu_carry --start ../shared/models/gpu-v8n-416-tiles.pt
# Runs from the repository root there, with the carried folder CARRY holding: whl/ (ultralytics and its
# small pure-Python needs as wheels), stub/ (a 30-line polars stand-in: ultralytics reads its results.csv
# with it after each epoch), data/<set>/{images,labels}/train + data.yaml, and the starting checkpoint(s).
# Every run is a plain `pothole train` command; they share the GPU and its CPUs in parallel, each stopped
# by its own --hours budget. The last checkpoint, results.csv and a combined log come back under $OUT.
set -uo pipefail
CARRY=${CARRY:-.gpu}
HOURS=${HOURS:-0.115}
DEVICE=${DEVICE:-0}
WORKERS=${WORKERS:-5}
OUT=${OUT:-/tmp/gpu-out}
mkdir -p "$OUT"
if ls "$CARRY"/whl/*.whl >/dev/null 2>&1; then
  python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target /tmp/site \
    "$CARRY"/whl/*.whl || exit 3
fi
export PYTHONPATH="/tmp/site:$CARRY/stub:$PWD${PYTHONPATH:+:$PYTHONPATH}"
export POTHOLE_RUNS_DIR=/tmp/pw-runs
log="$OUT/gpu.log"
{ nvidia-smi --query-gpu=name,memory.total --format=csv,noheader 2>/dev/null || echo "no nvidia-smi"; nproc
  python3 -c "import torch, ultralytics; print('torch', torch.__version__, 'cuda', torch.cuda.is_available(), 'ultralytics', ultralytics.__version__)"
} >"$log" 2>&1 || { cat "$log"; exit 4; }

data=(--data "$CARRY/data/chitholian-potholes/data.yaml" --data "$CARRY/data/dnit-rs-es/data.yaml")
common=(train "${data[@]}" --device "$DEVICE" --cache ram --batch 64 --workers "$WORKERS" --no-deterministic
        --epochs 600 --hours "$HOURS" --tile 416 --imgsz 416)
start=$CARRY/gpu-v8n-416-tiles.pt
limit=$(python3 -c "print(int($HOURS * 3600 + 150))")
declare -A runs=(
  [cont-a]="--from $start --optimizer SGD --lr0 0.002 --lrf 0.1 --warmup-epochs 0 --close-mosaic 10 --seed 1"
  [cont-b]="--from $start --optimizer SGD --lr0 0.005 --lrf 0.05 --warmup-epochs 1 --close-mosaic 15 --seed 2"
  [p2]="--from $start --model yolov8n-p2.yaml --optimizer SGD --lr0 0.01 --warmup-epochs 2 --close-mosaic 15 --seed 3"
)
for name in "${!runs[@]}"; do
  # shellcheck disable=SC2086  # the run's options are words on purpose
  timeout "$limit" python3 pothole_cli.py "${common[@]}" --name "$name" ${runs[$name]} >"/tmp/$name.log" 2>&1 &
done
wait
for name in "${!runs[@]}"; do
  run=$POTHOLE_RUNS_DIR/$name
  { echo "== $name: $(cat "$run/command.txt" 2>/dev/null)"; tr '\r' '\n' <"/tmp/$name.log" | grep -v '━' | tail -25; } >>"$log"
  cp "$run/weights/last.pt" "$OUT/$name.pt" 2>>"$log"
  cp "$run/results.csv" "$OUT/$name.results.csv" 2>>"$log"
done
ls -la "$OUT" >>"$log"
