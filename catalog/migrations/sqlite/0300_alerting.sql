-- Alerting (PRODUCT.md E1–E6): rules, alerts with their lifecycle,
-- comments, transitions (the notification outbox), delivery log,
-- notification channels.
CREATE TABLE alert_rules (
  id         INTEGER PRIMARY KEY,
  name       TEXT NOT NULL UNIQUE,
  client_id  INTEGER REFERENCES clients(id) ON DELETE CASCADE,
  definition TEXT NOT NULL,
  enabled    INTEGER NOT NULL,
  updated_at DATETIME NOT NULL
);
CREATE TABLE alerts (
  id            INTEGER PRIMARY KEY,
  rule_id       INTEGER NOT NULL REFERENCES alert_rules(id) ON DELETE CASCADE,
  rule_name     TEXT NOT NULL,
  client_id     INTEGER NOT NULL REFERENCES clients(id) ON DELETE CASCADE,
  shop_id       INTEGER,
  scope         TEXT NOT NULL,
  dim           TEXT NOT NULL DEFAULT '',
  kpi           TEXT NOT NULL DEFAULT '',
  detector      TEXT NOT NULL DEFAULT '',
  level         INTEGER NOT NULL DEFAULT 0,
  colour        TEXT NOT NULL DEFAULT '',
  state         TEXT NOT NULL,
  op            TEXT NOT NULL,
  value         REAL NOT NULL,
  threshold     REAL NOT NULL,
  baseline      REAL,
  currency      TEXT NOT NULL DEFAULT '',
  periods       INTEGER NOT NULL,
  period_from   TEXT NOT NULL,
  period_to     TEXT NOT NULL,
  first_seen    TEXT NOT NULL,
  last_seen     TEXT NOT NULL,
  opened_at     DATETIME NOT NULL,
  updated_at    DATETIME NOT NULL,
  deadline      DATETIME,
  escalation    INTEGER NOT NULL DEFAULT 0,
  assignee_id   INTEGER REFERENCES users(id) ON DELETE SET NULL,
  acked_at      DATETIME,
  acked_by      INTEGER,
  resolved_at   DATETIME,
  resolved_by   INTEGER,
  auto_resolved INTEGER NOT NULL DEFAULT 0,
  cause         TEXT NOT NULL DEFAULT '',
  actions       TEXT NOT NULL DEFAULT '',
  preventable   INTEGER,
  recurrence    INTEGER NOT NULL DEFAULT 0,
  open_key      TEXT UNIQUE
);
CREATE INDEX alerts_client_state ON alerts(client_id, state);
CREATE INDEX alerts_rule_client ON alerts(rule_id, client_id);
CREATE TABLE alert_comments (
  id         INTEGER PRIMARY KEY,
  alert_id   INTEGER NOT NULL REFERENCES alerts(id) ON DELETE CASCADE,
  user_id    INTEGER REFERENCES users(id) ON DELETE SET NULL,
  author     TEXT NOT NULL,
  body       TEXT NOT NULL,
  created_at DATETIME NOT NULL
);
CREATE INDEX alert_comments_alert ON alert_comments(alert_id);
CREATE TABLE alert_events (
  id          INTEGER PRIMARY KEY,
  alert_id    INTEGER NOT NULL REFERENCES alerts(id) ON DELETE CASCADE,
  client_id   INTEGER NOT NULL REFERENCES clients(id) ON DELETE CASCADE,
  kind        TEXT NOT NULL,
  step        INTEGER NOT NULL,
  idem_key    TEXT NOT NULL UNIQUE,
  created_at  DATETIME NOT NULL,
  notified_at DATETIME
);
CREATE INDEX alert_events_pending ON alert_events(notified_at);
CREATE TABLE alert_deliveries (
  id        INTEGER PRIMARY KEY,
  alert_id  INTEGER REFERENCES alerts(id) ON DELETE CASCADE,
  client_id INTEGER REFERENCES clients(id) ON DELETE CASCADE,
  idem_key  TEXT NOT NULL,
  channel   TEXT NOT NULL,
  target    TEXT NOT NULL,
  attempt   INTEGER NOT NULL,
  status    TEXT NOT NULL,
  error     TEXT NOT NULL DEFAULT '',
  at        DATETIME NOT NULL
);
CREATE INDEX alert_deliveries_alert ON alert_deliveries(alert_id);
CREATE UNIQUE INDEX alert_deliveries_sent ON alert_deliveries(idem_key, channel, target) WHERE status = 'sent';
CREATE TABLE alert_channels (
  id         INTEGER PRIMARY KEY,
  client_id  INTEGER REFERENCES clients(id) ON DELETE CASCADE,
  name       TEXT NOT NULL UNIQUE,
  kind       TEXT NOT NULL,
  url        TEXT NOT NULL,
  secret     TEXT NOT NULL DEFAULT '',
  min_level  INTEGER NOT NULL DEFAULT 1,
  lang       TEXT NOT NULL DEFAULT 'zh-CN',
  created_at DATETIME NOT NULL
);
CREATE TABLE alert_meta (
  key   TEXT PRIMARY KEY,
  value TEXT NOT NULL
);
