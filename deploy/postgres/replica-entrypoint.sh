#!/usr/bin/env bash
# The streaming replica of deploy/compose.yaml. On first start (empty data folder) it copies the primary
# with pg_basebackup -R, which also writes primary_conninfo and standby.signal; then it runs the image's
# entrypoint as usual, which finds the data folder made and starts a hot standby.
set -euo pipefail

if [ ! -s "$PGDATA/PG_VERSION" ]; then
    until pg_isready --quiet --host="$PRIMARY_HOST" --port=5432; do
        echo "waiting for the primary at $PRIMARY_HOST"
        sleep 1
    done
    PGPASSWORD="$REPLICATION_PASSWORD" pg_basebackup --host="$PRIMARY_HOST" --port=5432 \
        --username="$REPLICATION_USER" --pgdata="$PGDATA" --wal-method=stream \
        --slot="$REPLICATION_SLOT" --write-recovery-conf --checkpoint=fast
    chmod 700 "$PGDATA"
fi

exec docker-entrypoint.sh postgres
