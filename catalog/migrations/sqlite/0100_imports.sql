-- Import runs, quarantined rows and saved column mappings (PRODUCT.md B2, B3, B5).
CREATE TABLE imports (
  id          TEXT PRIMARY KEY,
  client_id   INTEGER NOT NULL REFERENCES clients(id) ON DELETE CASCADE,
  shop_id     INTEGER NOT NULL,
  user_id     INTEGER,
  file        TEXT NOT NULL,
  source      TEXT NOT NULL,
  status      TEXT NOT NULL,
  fixes       TEXT NOT NULL DEFAULT '',
  started_at  DATETIME NOT NULL,
  finished_at DATETIME,
  report      TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX imports_client ON imports(client_id, started_at);
CREATE TABLE quarantine (
  id          INTEGER PRIMARY KEY,
  import_id   TEXT NOT NULL REFERENCES imports(id) ON DELETE CASCADE,
  client_id   INTEGER NOT NULL,
  shop_id     INTEGER NOT NULL,
  file        TEXT NOT NULL,
  format      TEXT NOT NULL,
  row_no      INTEGER NOT NULL,
  col         TEXT NOT NULL,
  value       TEXT NOT NULL,
  reason      TEXT NOT NULL,
  raw         TEXT NOT NULL,
  header      TEXT NOT NULL,
  status      TEXT NOT NULL DEFAULT 'open',
  resolved_by TEXT NOT NULL DEFAULT '',
  created_at  DATETIME NOT NULL
);
CREATE INDEX quarantine_import ON quarantine(import_id);
CREATE INDEX quarantine_shop ON quarantine(client_id, shop_id, status);
CREATE TABLE column_mappings (
  client_id  INTEGER NOT NULL REFERENCES clients(id) ON DELETE CASCADE,
  shop_id    INTEGER NOT NULL,
  name       TEXT NOT NULL,
  body       TEXT NOT NULL,
  updated_at DATETIME NOT NULL,
  PRIMARY KEY (shop_id, name)
);
CREATE TABLE idempotency_keys (
  client_id  INTEGER NOT NULL REFERENCES clients(id) ON DELETE CASCADE,
  key        TEXT NOT NULL,
  request    TEXT NOT NULL,
  response   TEXT NOT NULL,
  created_at DATETIME NOT NULL,
  PRIMARY KEY (client_id, key)
);
