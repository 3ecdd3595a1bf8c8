# What bench/scaling.sh and bench/strong_scaling.sh share (sourced from the repository root): the
# bundled model and store they time, Open MPI's settings for a root shell on one machine, and a
# wall-clock timer.
compnn=$PWD/build/bin/compnn
model=models/facades-photo2label.model
store=out/stores/facades-photo2label
[[ -x $compnn && -f $model && -d $store ]] || { echo "needs $compnn, $model and $store (scripts/demo)" >&2; exit 2; }
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_btl=self,vader

# seconds LOG COMMAND...: runs it (its output to LOG, shown on failure), prints its wall time.
seconds() {
  local log=$1 start end
  shift
  start=$(date +%s.%N)
  "$@" >"$log" 2>&1 || { cat "$log" >&2; exit 1; }
  end=$(date +%s.%N)
  echo "$end - $start" | bc
}
