#!/usr/bin/env bash
# One cluster task's share of a slide list: works out this task's index and the number of tasks from the
# scheduler's variables, then runs `tessera analyze --list LIST --shard INDEX/COUNT --out OUT_DIR ...`.
# Slides already done in OUT_DIR are skipped, so a task that is rerun (a retry, a requeue) only does what
# is left. Every task names outputs from the whole list, so no two tasks ever write the same file.
#
#   Usage: run-shard.sh SLIDE_LIST OUT_DIR [tessera analyze options: --model DIR --write csv,json ...]
#
# Index and count:
#   Slurm job array:        SLURM_ARRAY_TASK_ID (less SLURM_ARRAY_TASK_MIN, over SLURM_ARRAY_TASK_STEP)
#                           of SLURM_ARRAY_TASK_COUNT tasks
#   Kubernetes Indexed Job: JOB_COMPLETION_INDEX of TESSERA_SHARDS tasks (set it to the Job's completions)
#   TESSERA_SHARDS          overrides the count in both
#   TESSERA_CHUNK_SIZE=C    instead: as many tasks as it takes for each to get at most C slides,
#                           ceil(slides / C); tasks past that have nothing to do and exit 0
#   TESSERA                 the command to run (default: tessera if on PATH, else node and this checkout's
#                           cli/tessera.mjs)
# Exit status: tessera's (0 all done, 1 a slide failed, 2 bad arguments); 2 when the variables are missing.
set -euo pipefail

fail() {
  echo "run-shard.sh: $*" >&2
  exit 2
}

[ "$#" -ge 2 ] || fail "usage: run-shard.sh SLIDE_LIST OUT_DIR [tessera analyze options]"
list=$1
out=$2
shift 2
[ -f "$list" ] || fail "the slide list $list is not a file (one slide path per line)"

if [ -n "${SLURM_ARRAY_TASK_ID:-}" ]; then
  index=$(( (SLURM_ARRAY_TASK_ID - ${SLURM_ARRAY_TASK_MIN:-0}) / ${SLURM_ARRAY_TASK_STEP:-1} ))
  count=${TESSERA_SHARDS:-${SLURM_ARRAY_TASK_COUNT:-}}
elif [ -n "${JOB_COMPLETION_INDEX:-}" ]; then
  index=$JOB_COMPLETION_INDEX
  count=${TESSERA_SHARDS:-}
else
  fail "no task index: run as a Slurm array task (SLURM_ARRAY_TASK_ID) or a Kubernetes Indexed Job pod (JOB_COMPLETION_INDEX)"
fi

if [ -n "${TESSERA_CHUNK_SIZE:-}" ]; then
  [[ $TESSERA_CHUNK_SIZE =~ ^[1-9][0-9]*$ ]] || fail "TESSERA_CHUNK_SIZE must be a whole number above 0, got '$TESSERA_CHUNK_SIZE'"
  # Counted as tessera reads the list: blank lines and lines starting with # are not slides.
  slides=$(grep -c -v -E '^[[:space:]]*(#|$)' "$list" || true)
  count=$(( (slides + TESSERA_CHUNK_SIZE - 1) / TESSERA_CHUNK_SIZE ))
  if [ "$count" -eq 0 ] || [ "$index" -ge "$count" ]; then
    echo "run-shard.sh: task $index: nothing to do ($slides slides in chunks of $TESSERA_CHUNK_SIZE make $count tasks)" >&2
    exit 0
  fi
fi

[ -n "$count" ] || fail "no task count: set TESSERA_SHARDS to the number of tasks (a Kubernetes Job's completions) or TESSERA_CHUNK_SIZE"
[[ $index =~ ^[0-9]+$ && $count =~ ^[0-9]+$ ]] || fail "task index '$index' and count '$count' must be whole numbers"
[ "$index" -lt "$count" ] || fail "task index $index is not below the task count $count: the array or Job has more tasks than TESSERA_SHARDS says"

if [ -n "${TESSERA:-}" ]; then
  read -r -a cmd <<< "$TESSERA"
elif command -v tessera > /dev/null; then
  cmd=(tessera)
else
  cmd=(node "$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/cli/tessera.mjs")
fi

echo "run-shard.sh: task $index of $count on $(hostname)" >&2
exec "${cmd[@]}" analyze --list "$list" --out "$out" --shard "$index/$count" "$@"
