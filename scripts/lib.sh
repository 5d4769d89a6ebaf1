# Shared by scripts/*.sh: timed stages, preset builds and ctest totals.

stage_names=()
stage_secs=()
ctest_passed=0
ctest_failed=0

# stage NAME COMMAND...: runs the command, records how long it took, and
# stops the script (after printing the times so far) if it fails.
stage() {
  local name=$1; shift
  local start=$SECONDS
  echo "==> ${name}"
  if ! "$@"; then
    stage_names+=("${name} (FAILED)")
    stage_secs+=($((SECONDS - start)))
    print_stage_times
    print_test_totals
    echo "FAILED: ${name}" >&2
    exit 1
  fi
  stage_names+=("${name}")
  stage_secs+=($((SECONDS - start)))
  echo "<== ${name}: $((SECONDS - start)) s"
}

print_stage_times() {
  echo
  echo "Stage times:"
  local i
  for i in "${!stage_names[@]}"; do
    printf '  %-28s %5d s\n' "${stage_names[$i]}" "${stage_secs[$i]}"
  done
}

build_preset() {
  local preset=$1
  cmake --preset "${preset}" >/dev/null
  cmake --build --preset "${preset}"
}

# run_ctest PRESET: runs ctest and adds its counts to the totals.
run_ctest() {
  local preset=$1 log rc=0
  log=$(mktemp)
  ctest --preset "${preset}" 2>&1 | tee "${log}" || rc=$?
  local line
  line=$(grep -E 'tests passed, [0-9]+ tests? failed out of [0-9]+' "${log}" | tail -n 1 || true)
  rm -f "${log}"
  if [ -n "${line}" ]; then
    local failed total
    failed=$(sed -E 's/.*tests passed, ([0-9]+) tests? failed out of ([0-9]+).*/\1/' <<<"${line}")
    total=$(sed -E 's/.*tests passed, ([0-9]+) tests? failed out of ([0-9]+).*/\2/' <<<"${line}")
    ctest_passed=$((ctest_passed + total - failed))
    ctest_failed=$((ctest_failed + failed))
  fi
  return "${rc}"
}

print_test_totals() {
  echo
  echo "tests: ${ctest_passed} passed, ${ctest_failed} failed"
}
