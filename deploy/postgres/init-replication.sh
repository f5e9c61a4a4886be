#!/usr/bin/env bash
# Runs once, when the primary's data folder is created (/docker-entrypoint-initdb.d of the postgres image):
# the role the streaming replica connects as, its slot, and the pg_hba line that lets it in.
set -euo pipefail

psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" \
    -v role="$REPLICATION_USER" -v password="$REPLICATION_PASSWORD" -v slot="$REPLICATION_SLOT" <<'SQL'
CREATE ROLE :"role" WITH REPLICATION LOGIN PASSWORD :'password';
-- A slot keeps the WAL the replica has not received yet (bounded by max_slot_wal_keep_size).
SELECT pg_create_physical_replication_slot(:'slot');
SQL

echo "host replication $REPLICATION_USER all scram-sha-256" >> "$PGDATA/pg_hba.conf"
