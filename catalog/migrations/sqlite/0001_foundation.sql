-- Foundation: clients, shops, contracts, users, assignments, API keys,
-- sessions and the audit log (PRODUCT.md A1–A5).
CREATE TABLE clients (
  id            INTEGER PRIMARY KEY,
  name          TEXT NOT NULL UNIQUE,
  package       TEXT NOT NULL,
  addons        TEXT NOT NULL DEFAULT '[]',
  note          TEXT NOT NULL DEFAULT '',
  pseudonym_key BLOB NOT NULL,
  created_at    DATETIME NOT NULL
);
CREATE TABLE shops (
  id          INTEGER PRIMARY KEY,
  client_id   INTEGER NOT NULL REFERENCES clients(id) ON DELETE CASCADE,
  name        TEXT NOT NULL,
  platform    TEXT NOT NULL,
  category    TEXT NOT NULL,
  currency    TEXT NOT NULL,
  timezone    TEXT NOT NULL,
  external_id TEXT NOT NULL DEFAULT '',
  created_at  DATETIME NOT NULL,
  UNIQUE (client_id, name)
);
CREATE TABLE contracts (
  id                     INTEGER PRIMARY KEY,
  client_id              INTEGER NOT NULL REFERENCES clients(id) ON DELETE CASCADE,
  package                TEXT NOT NULL,
  currency               TEXT NOT NULL,
  start_date             TEXT NOT NULL,
  end_date               TEXT NOT NULL,
  base_fee_minor         INTEGER NOT NULL,
  commission_bp          INTEGER NOT NULL,
  deposit_minor          INTEGER NOT NULL,
  auto_renew             INTEGER NOT NULL,
  renewal_notice_days    INTEGER NOT NULL,
  marketing_budget_minor INTEGER NOT NULL,
  payments               TEXT NOT NULL,
  committed_kpis         TEXT NOT NULL,
  created_at             DATETIME NOT NULL
);
CREATE INDEX contracts_client ON contracts(client_id);
CREATE TABLE users (
  id            INTEGER PRIMARY KEY,
  email         TEXT NOT NULL UNIQUE,
  name          TEXT NOT NULL,
  role          TEXT NOT NULL,
  client_id     INTEGER REFERENCES clients(id) ON DELETE CASCADE,
  lang          TEXT NOT NULL,
  password_hash TEXT NOT NULL,
  disabled      INTEGER NOT NULL DEFAULT 0,
  created_at    DATETIME NOT NULL
);
CREATE TABLE assignments (
  user_id   INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  client_id INTEGER NOT NULL REFERENCES clients(id) ON DELETE CASCADE,
  function  TEXT NOT NULL,
  PRIMARY KEY (user_id, client_id)
);
CREATE TABLE api_keys (
  id         INTEGER PRIMARY KEY,
  client_id  INTEGER NOT NULL REFERENCES clients(id) ON DELETE CASCADE,
  name       TEXT NOT NULL,
  prefix     TEXT NOT NULL UNIQUE,
  hash       TEXT NOT NULL,
  created_at DATETIME NOT NULL,
  last_used  DATETIME,
  revoked    INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE sessions (
  token  TEXT PRIMARY KEY,
  data   BLOB NOT NULL,
  expiry REAL NOT NULL
);
CREATE INDEX sessions_expiry ON sessions(expiry);
CREATE TABLE audit_log (
  id        INTEGER PRIMARY KEY,
  at        DATETIME NOT NULL,
  user_id   INTEGER,
  client_id INTEGER,
  action    TEXT NOT NULL,
  detail    TEXT NOT NULL DEFAULT ''
);
CREATE INDEX audit_client ON audit_log(client_id, at);
