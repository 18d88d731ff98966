-- Reference data for the KPIs (PRODUCT.md C4, C6, multi-currency):
-- monthly targets, the editable benchmark table, dated FX rates.
CREATE TABLE targets (
  client_id  INTEGER NOT NULL REFERENCES clients(id) ON DELETE CASCADE,
  shop_id    INTEGER NOT NULL DEFAULT 0,
  kpi        TEXT NOT NULL,
  month      TEXT NOT NULL,
  value      REAL NOT NULL,
  currency   TEXT NOT NULL DEFAULT '',
  updated_at DATETIME NOT NULL,
  PRIMARY KEY (client_id, shop_id, kpi, month)
);
CREATE TABLE benchmarks (
  category   TEXT NOT NULL,
  kpi        TEXT NOT NULL,
  value      REAL NOT NULL,
  currency   TEXT NOT NULL DEFAULT '',
  source     TEXT NOT NULL,
  edited     INTEGER NOT NULL DEFAULT 0,
  updated_at DATETIME NOT NULL,
  PRIMARY KEY (category, kpi)
);
CREATE TABLE fx_rates (
  base       TEXT NOT NULL,
  quote      TEXT NOT NULL,
  day        TEXT NOT NULL,
  rate       TEXT NOT NULL,
  source     TEXT NOT NULL DEFAULT '',
  updated_at DATETIME NOT NULL,
  PRIMARY KEY (base, quote, day)
);
