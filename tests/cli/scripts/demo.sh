# scripts/demo shows the build's progress (ninja's status lines) on stderr and keeps stdout for the
# demo. Run in a copy of the repository whose setup, build and binaries are stand-ins.
mkdir -p repo/scripts repo/examples
cp "$HOPS_SOURCE_DIR/scripts/demo" repo/scripts/
printf '#!/bin/sh\nexit 0\n' > repo/scripts/setup
cat > repo/scripts/build <<'SH'
#!/bin/sh
# Stands in for scripts/build: prints what ninja prints, then leaves the two binaries.
mkdir -p "$BUILD_DIR"
if [ -x "$BUILD_DIR/hcal" ]; then echo "ninja: no work to do."; exit 0; fi
echo "[1/3] Building CXX object common/CMakeFiles/hops_common.dir/cli.cpp.o"
echo "[2/3] Linking CXX executable hcal"
echo "[3/3] Linking CXX executable hmon-check"
for b in hcal hmon-check; do printf '#!/bin/sh\necho "(%s ran)"\n' "$b" > "$BUILD_DIR/$b"; chmod +x "$BUILD_DIR/$b"; done
SH
chmod +x repo/scripts/setup repo/scripts/build
export BUILD_DIR=$WORK/stub-build
for attempt in first second; do
  echo "== $attempt run"
  bash repo/scripts/demo > out.txt 2> err.txt
  echo "[exit $?]"
  echo "-- stderr:"
  cat err.txt
  echo "-- stdout starts:"
  head -4 out.txt
done
