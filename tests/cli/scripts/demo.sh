# scripts/demo shows the build's progress (ninja's status lines) on stderr, keeps stdout for the
# demo, and runs the real hcal and hmon-check on the real examples. It runs in a copy of the
# repository whose scripts/setup installs nothing and whose scripts/build prints what ninja prints
# and links the binaries this test run built (a test must not install packages or rebuild).
mkdir -p repo/scripts
cp "$HOPS_SOURCE_DIR/scripts/demo" repo/scripts/
cp -r "$HOPS_SOURCE_DIR/examples" repo/
printf '#!/bin/sh\nexit 0\n' > repo/scripts/setup
cat > repo/scripts/build <<'SH'
#!/bin/sh
# Prints what ninja prints on a first build, then links the binaries of this test run.
mkdir -p "$BUILD_DIR"
if [ -x "$BUILD_DIR/hcal" ]; then echo "ninja: no work to do."; exit 0; fi
echo "[1/3] Building CXX object common/CMakeFiles/hops_common.dir/cli.cpp.o"
echo "[2/3] Linking CXX executable hcal"
echo "[3/3] Linking CXX executable hmon-check"
for b in hcal hmon-check; do ln -s "$HOPS_BIN/$b" "$BUILD_DIR/$b"; done
SH
chmod +x repo/scripts/setup repo/scripts/build
export BUILD_DIR=$WORK/demo-build
for attempt in first second; do
  echo "== $attempt run"
  bash repo/scripts/demo > out.txt 2> err.txt
  echo "[exit $?]"
  echo "-- stderr, without hcal's judged-instant lines:"
  grep -v '^hcal: judged ' err.txt
  echo "-- stdout starts:"
  head -6 out.txt
  echo "-- commands run: $(grep -c '^\$ ' out.txt), failing with status 3 (usage or definition error): $(grep -c '^\[exit 3\]' out.txt)"
done
