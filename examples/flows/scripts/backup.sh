#!/bin/sh
# Backs up directory $data_dir into a dated archive in directory $backup_dir (the flow's
# parameters, which hjob-run passes as environment variables) and prints the archive's path.
# Copied to the node by hjob-run (script:), run there, and removed afterwards.
set -eu
data=${data_dir:?} dest=${backup_dir:?}
mkdir -p "$dest"
archive="$dest/backup-$(date -u +%Y%m%d-%H%M%S).tar.gz"
tar -czf "$archive.part" -C "$data" .
mv "$archive.part" "$archive"
tar -tzf "$archive" > /dev/null   # readable, or the job fails
echo "$archive"
