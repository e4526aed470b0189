#!/bin/sh
# Backs up the node's application data into an archive named after the run, in the node's backup
# volume, and prints the archive's path. Copied to the node by hjob-run (script:), run there and
# removed afterwards. A volume that is not mounted fails the job: the backup is not made
# somewhere it would be lost.
set -eu
node=$hosts/${HOPS_NODE:?}
data=$node/app/data dest=$node/backup
if ! [ -f "$dest/.volume" ]; then
  echo "backup volume $dest is not mounted" >&2
  exit 3
fi
archive="$dest/app-$HOPS_RUN_ID.tar.gz"
tar -czf "$archive.part" -C "$data" .
mv "$archive.part" "$archive"
tar -tzf "$archive" > /dev/null   # readable, or the job fails
echo "$archive"
