-- Platform connectors (issue 3, item 4): one connection per shop and
-- platform with its credentials (stored as given, not encrypted), the sync
-- cursor, the log of sync runs and the webhook deliveries already taken.
CREATE TABLE connections (
  id           INTEGER PRIMARY KEY,
  client_id    INTEGER NOT NULL REFERENCES clients(id) ON DELETE CASCADE,
  shop_id      INTEGER NOT NULL REFERENCES shops(id) ON DELETE CASCADE,
  kind         TEXT NOT NULL,
  base_url     TEXT NOT NULL DEFAULT '',
  credentials  TEXT NOT NULL DEFAULT '{}',
  enabled      INTEGER NOT NULL DEFAULT 1,
  interval_s   INTEGER NOT NULL,
  sync_cursor  TEXT NOT NULL DEFAULT '',
  cursor_at    DATETIME,
  last_run_at  DATETIME,
  last_status  TEXT NOT NULL DEFAULT '',
  last_error   TEXT NOT NULL DEFAULT '',
  created_at   DATETIME NOT NULL,
  UNIQUE (shop_id, kind)
);
CREATE INDEX connections_client ON connections(client_id);
CREATE TABLE connection_runs (
  id            INTEGER PRIMARY KEY,
  connection_id INTEGER NOT NULL REFERENCES connections(id) ON DELETE CASCADE,
  client_id     INTEGER NOT NULL REFERENCES clients(id) ON DELETE CASCADE,
  origin        TEXT NOT NULL,
  started_at    DATETIME NOT NULL,
  finished_at   DATETIME,
  status        TEXT NOT NULL,
  pages         INTEGER NOT NULL DEFAULT 0,
  inserted      INTEGER NOT NULL DEFAULT 0,
  updated       INTEGER NOT NULL DEFAULT 0,
  unchanged     INTEGER NOT NULL DEFAULT 0,
  retries       INTEGER NOT NULL DEFAULT 0,
  cursor_from   TEXT NOT NULL DEFAULT '',
  cursor_to     TEXT NOT NULL DEFAULT '',
  error         TEXT NOT NULL DEFAULT ''
);
CREATE INDEX connection_runs_conn ON connection_runs(connection_id, id);
CREATE TABLE connection_webhooks (
  connection_id INTEGER NOT NULL REFERENCES connections(id) ON DELETE CASCADE,
  webhook_id    TEXT NOT NULL,
  topic         TEXT NOT NULL,
  received_at   DATETIME NOT NULL,
  PRIMARY KEY (connection_id, webhook_id)
);
