# scripts/demo shows the build's progress (ninja's status lines) on stderr, keeps stdout for the
# demo, and plays the real scenario 3 with the real tools. It runs in a copy of the repository
# whose scripts/setup installs nothing and whose scripts/build prints what ninja prints and links
# the binaries this test run built (a test must not install packages or rebuild).
mkdir -p repo/scripts repo/tests/unit/testing
cp "$HOPS_SOURCE_DIR/scripts/demo" repo/scripts/
cp -r "$HOPS_SOURCE_DIR/examples" repo/
cp -r "$HOPS_SOURCE_DIR/tests/cli" "$HOPS_SOURCE_DIR/tests/peers" repo/tests/
cp "$HOPS_SOURCE_DIR"/tests/unit/testing/*.py repo/tests/unit/testing/
printf '#!/bin/sh\nexit 0\n' > repo/scripts/setup
cat > repo/scripts/build <<'SH'
#!/bin/sh
# Prints what ninja prints on a first build, then links the binaries of this test run.
mkdir -p "$BUILD_DIR"
if [ -x "$BUILD_DIR/hcal" ]; then echo "ninja: no work to do."; exit 0; fi
echo "[1/2] Building CXX object common/CMakeFiles/hops_common.dir/cli.cpp.o"
echo "[2/2] Linking CXX executable hcal"
for b in hcal hmon-check hnotify hjob-run haws-ec2 hscope-sync; do ln -s "$HOPS_BIN/$b" "$BUILD_DIR/$b"; done
SH
chmod +x repo/scripts/setup repo/scripts/build
export BUILD_DIR=$WORK/demo-build
mkdir -p tmp
echo "== first run"
TMPDIR=$WORK/tmp bash repo/scripts/demo 3-monitor-recover > out.txt 2> err.txt
echo "[exit $?]"
echo "-- stderr:"
cat err.txt
echo "-- stdout: headings, and what the peers received"
grep -E '^== ' out.txt
sed -n '/^== What the peers received/,$p' out.txt | grep -E '^    \[' | sed -E 's/[0-9]+/N/g'
echo "-- temporary files left: $(find tmp -mindepth 1 | wc -l)"
echo "== second run, an unknown scenario"
bash repo/scripts/demo nosuch > out.txt 2> err.txt
echo "[exit $?]"
cat err.txt out.txt
