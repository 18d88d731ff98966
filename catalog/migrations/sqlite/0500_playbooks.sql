-- Emergency playbooks (PRODUCT.md E7/F9, issue 6): named, versioned lists
-- of steps; a run of one is started by a level-3 alert and its steps are
-- tasks with an assignee and a due time. Webhook channels can be disabled;
-- the agency's SMTP settings can be kept here instead of the environment.
CREATE TABLE playbooks (
  id         INTEGER PRIMARY KEY,
  name       TEXT NOT NULL UNIQUE,
  definition TEXT NOT NULL,
  version    INTEGER NOT NULL,
  is_default INTEGER NOT NULL DEFAULT 0,
  updated_at DATETIME NOT NULL
);
CREATE TABLE playbook_runs (
  id         INTEGER PRIMARY KEY,
  alert_id   INTEGER NOT NULL UNIQUE REFERENCES alerts(id) ON DELETE CASCADE,
  client_id  INTEGER NOT NULL REFERENCES clients(id) ON DELETE CASCADE,
  playbook   TEXT NOT NULL,
  version    INTEGER NOT NULL,
  title      TEXT NOT NULL DEFAULT '',
  started_at DATETIME NOT NULL
);
CREATE INDEX playbook_runs_client ON playbook_runs(client_id);
CREATE TABLE playbook_steps (
  id           INTEGER PRIMARY KEY,
  run_id       INTEGER NOT NULL REFERENCES playbook_runs(id) ON DELETE CASCADE,
  client_id    INTEGER NOT NULL REFERENCES clients(id) ON DELETE CASCADE,
  seq          INTEGER NOT NULL,
  title        TEXT NOT NULL,
  owner        TEXT NOT NULL,
  assignee_id  INTEGER REFERENCES users(id) ON DELETE SET NULL,
  due_at       DATETIME NOT NULL,
  instructions TEXT NOT NULL DEFAULT '',
  done_at      DATETIME,
  done_by      INTEGER REFERENCES users(id) ON DELETE SET NULL,
  UNIQUE (run_id, seq)
);
CREATE INDEX playbook_steps_open ON playbook_steps(client_id, done_at);
ALTER TABLE alert_channels ADD COLUMN disabled INTEGER NOT NULL DEFAULT 0;
CREATE TABLE alert_smtp (
  id         INTEGER PRIMARY KEY CHECK (id = 1),
  addr       TEXT NOT NULL,
  from_addr  TEXT NOT NULL,
  username   TEXT NOT NULL DEFAULT '',
  password   TEXT NOT NULL DEFAULT '',
  updated_at DATETIME NOT NULL
);
