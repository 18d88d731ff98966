-- Experiment registry (PRODUCT.md D7): A/B tests on a shop's warehouse
-- events, with their plan, arms, lifecycle and recorded decision. created_by
-- and decided_by keep the user id as it was (no foreign key: the *_name
-- columns are the record shown, and survive the user).
CREATE TABLE experiments (
  id                  INTEGER PRIMARY KEY,
  client_id           INTEGER NOT NULL REFERENCES clients(id) ON DELETE CASCADE,
  shop_id             INTEGER NOT NULL REFERENCES shops(id) ON DELETE CASCADE,
  name                TEXT NOT NULL,
  hypothesis          TEXT NOT NULL DEFAULT '',
  status              TEXT NOT NULL,
  baseline            REAL NOT NULL,
  mde                 REAL NOT NULL,
  mde_relative        INTEGER NOT NULL,
  alpha               REAL NOT NULL,
  power               REAL NOT NULL,
  test_alpha          REAL NOT NULL,
  planned_per_arm     INTEGER NOT NULL,
  arm_column          TEXT NOT NULL,
  arms                TEXT NOT NULL,
  exposure_event      TEXT NOT NULL,
  conversion_event    TEXT NOT NULL,
  start_date          TEXT NOT NULL DEFAULT '',
  end_date            TEXT NOT NULL DEFAULT '',
  created_by          INTEGER,
  created_by_name     TEXT NOT NULL,
  created_at          DATETIME NOT NULL,
  started_at          DATETIME,
  stopped_at          DATETIME,
  stopped_by_name     TEXT NOT NULL DEFAULT '',
  decision_winner     TEXT,
  decision_note       TEXT NOT NULL DEFAULT '',
  decided_by          INTEGER,
  decided_by_name     TEXT NOT NULL DEFAULT '',
  decided_at          DATETIME,
  decision_forced     INTEGER NOT NULL DEFAULT 0,
  decision_min_sample INTEGER NOT NULL DEFAULT 0,
  decision_verdict    TEXT NOT NULL DEFAULT '',
  updated_at          DATETIME NOT NULL,
  UNIQUE (client_id, name)
);
CREATE INDEX experiments_client_status ON experiments(client_id, status);
