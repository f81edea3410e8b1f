-- The interruption register behind the reliability agreements: every change is a new revision, never an
-- overwrite; the current state is the latest revision.
CREATE TABLE interruptions (
  id              text PRIMARY KEY,
  seq             bigserial UNIQUE,
  organisation_id text NOT NULL REFERENCES organisations (id),
  created_at      timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE interruption_revisions (
  interruption_id text NOT NULL REFERENCES interruptions (id),
  revision        integer NOT NULL,
  started_at      timestamptz NOT NULL,
  ended_at        timestamptz,
  planned         boolean NOT NULL,
  notice_given_at timestamptz,
  cause           text NOT NULL,
  customers       integer NOT NULL,
  contract_ids    text[] NOT NULL DEFAULT '{}',
  supply_zones    text[] NOT NULL DEFAULT '{}',
  addresses       text[] NOT NULL DEFAULT '{}',
  description     text NOT NULL,
  -- Why this revision was made (a correction, the interruption ending); null for the first.
  reason          text,
  actor           jsonb NOT NULL,
  at              timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (interruption_id, revision)
);
CREATE INDEX interruption_revisions_time_idx ON interruption_revisions (started_at);

-- For every append-only table from here on (contract_events keeps its own function from 004).
CREATE FUNCTION append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION '% is append-only: % is not allowed', TG_TABLE_NAME, TG_OP USING ERRCODE = 'insufficient_privilege';
END
$$;
CREATE TRIGGER interruption_revisions_no_update BEFORE UPDATE OR DELETE ON interruption_revisions
  FOR EACH ROW EXECUTE FUNCTION append_only();
CREATE TRIGGER interruption_revisions_no_truncate BEFORE TRUNCATE ON interruption_revisions
  FOR EACH STATEMENT EXECUTE FUNCTION append_only();

-- Customers served, as the utility states it for a year (and a supply zone, or '' for the whole system).
CREATE TABLE customers_served (
  organisation_id text NOT NULL REFERENCES organisations (id),
  year            integer NOT NULL,
  zone            text NOT NULL DEFAULT '',
  customers       integer NOT NULL,
  updated_by      text NOT NULL,
  updated_at      timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (organisation_id, year, zone)
);

-- The annual water bill of a customer under a reliability agreement, as the utility states it per year:
-- the base of a bill_percent compensation and of every cap. Integer fen.
CREATE TABLE agreement_bills (
  contract_id     text NOT NULL REFERENCES contracts (id),
  year            integer NOT NULL,
  annual_bill_fen bigint NOT NULL,
  updated_by      text NOT NULL,
  updated_at      timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (contract_id, year)
);
