-- Batches: many contracts issued, or countersigned, in one request and worked off by a queue every
-- instance shares (items claimed with a lease under SKIP LOCKED, like the SMS and webhook outboxes).
CREATE TABLE batches (
  id               text PRIMARY KEY,
  seq              bigserial UNIQUE,
  organisation_id  text NOT NULL REFERENCES organisations (id),
  -- 'issue': one contract per item; 'countersign': the utility's signature on each item's contract.
  kind             text NOT NULL,
  template_id      text,
  template_version integer,
  -- What every item's contract request shares (notify, deadlineWorkingDays).
  options          jsonb NOT NULL DEFAULT '{}',
  -- A countersign batch of an issue batch names it.
  source_batch_id  text REFERENCES batches (id),
  -- The actor (and address) that asked, recorded as the actor of every item's work.
  requested_by     jsonb NOT NULL,
  status           text NOT NULL DEFAULT 'queued',
  total            integer NOT NULL,
  created_at       timestamptz NOT NULL DEFAULT now(),
  started_at       timestamptz,
  finished_at      timestamptz
);
CREATE INDEX batches_organisation_idx ON batches (organisation_id, seq);

CREATE TABLE batch_items (
  batch_id     text NOT NULL REFERENCES batches (id),
  idx          integer NOT NULL,
  -- Claim order: green-channel items first, then batches in the order they came, items in theirs.
  batch_seq    bigint NOT NULL,
  priority     boolean NOT NULL DEFAULT false,
  reference    text,
  -- The row of the uploaded sheet the item came from (bulk issuance in the console).
  source_row   integer,
  -- The item's variables, sealed like a contract's; cleared once the item is worked off.
  variables    jsonb,
  -- The contract made (issue) or to sign (countersign).
  contract_id  text REFERENCES contracts (id),
  -- pending, then created | existing | signed | skipped | failed.
  status       text NOT NULL DEFAULT 'pending',
  error_code   text,
  error        jsonb,
  attempts     integer NOT NULL DEFAULT 0,
  lease_until  timestamptz,
  processed_at timestamptz,
  PRIMARY KEY (batch_id, idx)
);
CREATE INDEX batch_items_due_idx ON batch_items (priority DESC, batch_seq, idx) WHERE status = 'pending';
CREATE INDEX batch_items_contract_idx ON batch_items (contract_id);

-- Utility staff who use the console: per organisation, with roles; passwords as scrypt hashes, TOTP
-- secrets sealed under MASTER_KEY. A new user has only a set-up link (its hash) until they choose a password.
CREATE TABLE staff_users (
  id               text PRIMARY KEY,
  organisation_id  text NOT NULL REFERENCES organisations (id),
  username         text NOT NULL UNIQUE,
  display_name     text NOT NULL,
  roles            text[] NOT NULL,
  password_hash    text,
  totp_secret      text,
  -- The last TOTP time step used: a code is good once.
  totp_last_step   bigint,
  setup_token_hash text UNIQUE,
  setup_expires_at timestamptz,
  -- The identity provider's subject, for single sign-on.
  oidc_subject     text UNIQUE,
  failed_logins    integer NOT NULL DEFAULT 0,
  locked_until     timestamptz,
  disabled_at      timestamptz,
  created_by       text NOT NULL,
  created_at       timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX staff_users_organisation_idx ON staff_users (organisation_id, username);

-- Console sessions: only the SHA-256 of the cookie's token is stored. Idle and absolute ends are checked
-- on every request; stepped_up_at is the last TOTP confirmation (sealing asks for a fresh one).
CREATE TABLE staff_sessions (
  token_hash    text PRIMARY KEY,
  user_id       text NOT NULL REFERENCES staff_users (id),
  created_at    timestamptz NOT NULL DEFAULT now(),
  last_seen_at  timestamptz NOT NULL DEFAULT now(),
  expires_at    timestamptz NOT NULL,
  stepped_up_at timestamptz,
  ip            text,
  user_agent    text,
  ended_at      timestamptz
);
CREATE INDEX staff_sessions_user_idx ON staff_sessions (user_id);

-- A deadline the utility extended (with a reason, audited) keeps its first value here: the share of
-- contracts completed in time is measured against the deadline the plan set, not the extended one.
ALTER TABLE contracts ADD COLUMN first_deadline timestamptz;
