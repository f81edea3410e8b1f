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
