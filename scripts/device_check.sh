#!/usr/bin/env bash
# The GPU check of issue 12, in one run: from the repository root, on a machine with an NVIDIA
# GPU and cupy-cuda13x (or -cuda12x), numpy, a CUDA build of torch and pytest installed:
#
#     OUT=/some/folder bash scripts/device_check.sh          # default OUT: out/device-check
#
# Each part writes its log under $OUT as it goes and has its own time limit, so a run cut
# short still leaves what it did:
#   summary.txt      the GPU, the versions, which test dependencies import; then each
#                    part's exit status and last line, and the failed tests
#   sanity.txt       a Cuda device, a product, an index out of range, a convolution through
#                    cuDNN (seconds; the first signal)
#   graphed.txt      tests/test_graphed.py on CUDA: steps recorded as CUDA graphs (seconds)
#   bench-gpu.txt    `make bench-gpu`'s table (python -m benchmarks.gpu)
#   profile.txt      the GPT step's host time and cProfile, under sd.graphed and eager
#                    (python -m benchmarks.profile_step [--graphed])
#   pytest-*.txt     the tests with CUDA as every test's default device (pytest --device
#                    cuda): all of tests/ in pytest-all.txt where pytest-xdist is installed;
#                    else four parallel groups (with --all, the rest of tests/ in a fifth: a
#                    ninth file, to bring back in place of another)
# (six files with pytest-xdist; the device tool brings back at most eight)
#
# Test dependencies the machine lacks (hypothesis, tqdm, safetensors, ml_dtypes) can travel
# in .device-site/ (git-ignored; `carry` it): for the pure-Python ones,
#     python -m pip install --no-deps --target .device-site hypothesis attrs sortedcontainers tqdm
# Limits in seconds: SANITY_LIMIT (default 120), BENCH_LIMIT (default 200), PROFILE_LIMIT (default
# 200), TEST_LIMIT (default 300); XDIST: the test workers (default 12).
set -u
cd "$(dirname "$0")/.."
OUT=${OUT:-out/device-check}
PY=${PYTHON:-python3}
BENCH_LIMIT=${BENCH_LIMIT:-200}
TEST_LIMIT=${TEST_LIMIT:-300}
SANITY_LIMIT=${SANITY_LIMIT:-120}
PROFILE_LIMIT=${PROFILE_LIMIT:-200}
mkdir -p "$OUT"
export PYTHONPATH="$PWD/src:$PWD${PYTHONPATH:+:$PYTHONPATH}"
if [ -d .device-site ]; then export PYTHONPATH="$PWD/.device-site:$PYTHONPATH"; fi
# cuDNN's frontend (the convolutions of issue 12) travels as a wheel in .whl/ (git-ignored;
# `carry` it), fetched here with the device README's `pip download` line for
# nvidia-cudnn-frontend==1.32.0; the image has the cuDNN library (nvidia-cudnn-cu13)
if ls .whl/nvidia_cudnn_frontend-*.whl > /dev/null 2>&1; then
    "$PY" -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade \
        --target /tmp/cudnn-site .whl/nvidia_cudnn_frontend-*.whl \
        && export PYTHONPATH="/tmp/cudnn-site:$PYTHONPATH"
fi
export PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1

note() {  # note PART STATUS LOG: one line of the summary
    echo "$1: exit $2: $(tail -n 1 "$3" 2>/dev/null)" | tee -a "$OUT/summary.txt"
}

# ---- 1. what is here -------------------------------------------------------------------
{
    nvidia-smi --query-gpu=name,memory.total,driver_version,compute_cap --format=csv 2>&1
    "$PY" - <<'EOF'
import importlib, platform
print("python", platform.python_version())
for name in ["numpy", "cupy", "torch", "pytest", "hypothesis", "tqdm", "safetensors",
             "ml_dtypes", "typing_extensions", "sklearn", "mypy"]:
    try:
        print(f"{name:18} {getattr(importlib.import_module(name), '__version__', 'present')}")
    except Exception as err:
        print(f"{name:18} MISSING ({type(err).__name__}: {err})")
import torch
print("torch cuda", torch.cuda.is_available(), torch.version.cuda)
try:
    import cudnn
    print("cudnn frontend", getattr(cudnn, "__version__", "?"), "backend", cudnn.backend_version())
except Exception as err:
    print(f"cudnn frontend MISSING ({type(err).__name__}: {err})")
EOF
} > "$OUT/summary.txt" 2>&1
cat "$OUT/summary.txt"

# ---- 2. a first signal in seconds --------------------------------------------------------
timeout "$SANITY_LIMIT" "$PY" - > "$OUT/sanity.txt" 2>&1 <<'EOF'
import numpy as np
import shapedl as sd

gpu = sd.Cuda(seed=0)
a = np.random.default_rng(0).standard_normal((256, 512)).astype(np.float32)
got = (sd.from_numpy(a, device=gpu) @ sd.from_numpy(a, device=gpu).T).numpy()
want = a.astype(np.float64) @ a.T.astype(np.float64)
print("fp32 matmul max relative error", np.abs(got - want).max() / np.abs(want).max())
x = sd.ones((3, 4), device=gpu)
for call in (lambda: x[sd.tensor([0, 3], device=gpu)],
             lambda: sd.ops.embedding(sd.tensor([7], device=gpu), x)):
    try:
        call()
        print("NOT RAISED: an index out of range passed on the GPU")
    except (IndexError, ValueError) as err:
        print("raised as on the CPU:", type(err).__name__, err)
xs = np.random.default_rng(1).standard_normal((8, 16, 20, 20)).astype(np.float32)
ws = np.random.default_rng(2).standard_normal((32, 16, 3, 3)).astype(np.float32)
cpu = sd.ops.conv2d(sd.from_numpy(xs), sd.from_numpy(ws), padding=1).numpy()
on = sd.ops.conv2d(sd.from_numpy(xs, device=gpu), sd.from_numpy(ws, device=gpu), padding=1)
print("conv2d through", "cuDNN" if gpu.backend.convolutions() else "im2col",
      "max relative error", np.abs(on.numpy() - cpu).max() / np.abs(cpu).max())
t = sd.tensor([0.5, 2.0], device=gpu).traced()
print("rpow gradient", ((2.0 ** t).sum().backward()[t]).numpy())
print("sanity done")
EOF
note sanity $? "$OUT/sanity.txt"

# ---- 2b. sd.graphed: recording and replaying CUDA graphs (seconds) ------------------------
timeout "$SANITY_LIMIT" "$PY" -m pytest --device cuda -p no:cacheprovider -q -rfE -o addopts="" \
    tests/test_graphed.py > "$OUT/graphed.txt" 2>&1
note graphed $? "$OUT/graphed.txt"

# ---- 3. make bench-gpu -----------------------------------------------------------------
timeout "$BENCH_LIMIT" "$PY" -m benchmarks.gpu > "$OUT/bench-gpu.txt" 2>&1
note bench-gpu $? "$OUT/bench-gpu.txt"

# ---- 4. the tests, CUDA as the default device -----------------------------------------------
# With pytest-xdist there (the image has it), one run over the suite on XDIST workers, in one
# file; without it, four parallel groups of files, in four (with --all, a fifth for the rest).
# The tests of the mypy plugin need no GPU; where mypy is missing they are left out, said so.
NOMYPY=()
if ! "$PY" -c "import mypy" 2> /dev/null; then
    for f in tests/test_plugin*.py tests/test_layer_registry.py tests/test_docs.py \
        tests/test_gallery.py; do NOMYPY+=("--ignore=$f"); done
    NOMYPY+=("--deselect=tests/test_examples.py::test_shape_errors_tour_catches_each_bug")
    echo "mypy missing: left out ${NOMYPY[*]}" | tee -a "$OUT/summary.txt"
fi
if "$PY" -c "import xdist" 2> /dev/null; then
    timeout "$TEST_LIMIT" "$PY" -m pytest --device cuda -p no:cacheprovider -q -rfE \
        -n "${XDIST:-12}" --dist loadfile -o addopts="" tests --ignore=tests/test_install.py \
        "${NOMYPY[@]}" > "$OUT/pytest-all.txt" 2>&1
    note "pytest all" $? "$OUT/pytest-all.txt"
else
    OPS=$(ls tests/ops/test_*.py)
    HALF=$(( $(echo "$OPS" | wc -l) / 2 ))
    declare -A TESTSETS=(
        [ops-a]="$(echo "$OPS" | head -n "$HALF" | tr '\n' ' ')"
        [ops-b]="$(echo "$OPS" | tail -n +"$((HALF + 1))" | tr '\n' ' ')"
        [nn-optim-train]="tests/nn tests/optim tests/train"
        [core]="tests/backend tests/test_losses.py tests/test_tensor.py tests/test_tape.py \
tests/test_device.py tests/test_conftest.py tests/test_benchmarks_gpu.py tests/test_interop.py \
tests/test_checkpoint.py tests/test_checkpoint_faults.py tests/test_data.py tests/test_digits_mlp.py"
    )
    if [ "${1:-}" = "--all" ]; then
        TESTSETS[rest]="tests --ignore=tests/ops --ignore=tests/nn --ignore=tests/optim \
--ignore=tests/train --ignore=tests/backend --ignore=tests/test_install.py"
    fi
    pids=()
    for group in "${!TESTSETS[@]}"; do
        # shellcheck disable=SC2086  # the group is a list of paths and options
        timeout "$TEST_LIMIT" "$PY" -m pytest --device cuda -p no:cacheprovider -q -rfE \
            --continue-on-collection-errors -o addopts="" ${TESTSETS[$group]} "${NOMYPY[@]}" \
            > "$OUT/pytest-$group.txt" 2>&1 &
        pids+=("$!:$group")
    done
    for entry in "${pids[@]}"; do
        wait "${entry%%:*}"
        note "pytest ${entry#*:}" $? "$OUT/pytest-${entry#*:}.txt"
    done
fi
failures=$(grep -h "^FAILED\|^ERROR" "$OUT"/pytest-*.txt 2>/dev/null)
# ---- 5. where a GPT step's host time goes ------------------------------------------------
{ timeout "$PROFILE_LIMIT" "$PY" -m benchmarks.profile_step --top 25 --graphed \
    && timeout "$PROFILE_LIMIT" "$PY" -m benchmarks.profile_step; } > "$OUT/profile.txt" 2>&1
note profile $? "$OUT/profile.txt"

echo "failures: $(printf '%s' "$failures" | grep -c .)" | tee -a "$OUT/summary.txt"
printf '%s\n' "$failures" >> "$OUT/summary.txt"
