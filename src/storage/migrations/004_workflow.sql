-- Lifecycle and deadlines, the append-only audit trail (hash chain), webhooks with their outbox.
ALTER TABLE contracts
  ADD COLUMN priority              boolean NOT NULL DEFAULT false,
  ADD COLUMN deadline_working_days integer,
  ADD COLUMN deadline              timestamptz,
  ADD COLUMN completed_at          timestamptz,
  ADD COLUMN closed_at             timestamptz,
  ADD COLUMN close_reason          text;
-- Contracts from before deadlines existed get the default of 2 working days, approximated in calendar days.
UPDATE contracts SET deadline_working_days = 2, deadline = created_at + interval '4 days' WHERE deadline IS NULL;
ALTER TABLE contracts ALTER COLUMN deadline SET NOT NULL, ALTER COLUMN deadline_working_days SET NOT NULL;
CREATE INDEX contracts_open_deadline_idx ON contracts (deadline) WHERE status IN ('awaiting_signatures', 'partially_signed');

ALTER TABLE signers
  ADD COLUMN notified_at  timestamptz,
  ADD COLUMN viewed_at    timestamptz,
  -- The genTime of the signature's RFC 3161 token, as opposed to the server's clock (signed_at).
  ADD COLUMN timestamp_at timestamptz;

-- One chain per contract (contract_id ''), plus one for events that belong to no contract.
CREATE TABLE contract_events (
  id               text PRIMARY KEY,
  contract_id      text NOT NULL,
  seq              integer NOT NULL,
  type             text NOT NULL,
  at               timestamptz NOT NULL,
  actor_type       text NOT NULL,
  actor_id         text NOT NULL,
  ip               text,
  user_agent       text,
  document_version integer,
  document_sha256  text,
  data             jsonb NOT NULL DEFAULT '{}',
  prev_hash        text NOT NULL,
  hash             text NOT NULL,
  UNIQUE (contract_id, seq)
);
CREATE INDEX contract_events_type_at_idx ON contract_events (type, at);

CREATE FUNCTION contract_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'contract_events is append-only: % is not allowed', TG_OP USING ERRCODE = 'insufficient_privilege';
END
$$;
CREATE TRIGGER contract_events_no_update BEFORE UPDATE OR DELETE ON contract_events
  FOR EACH ROW EXECUTE FUNCTION contract_events_append_only();
CREATE TRIGGER contract_events_no_truncate BEFORE TRUNCATE ON contract_events
  FOR EACH STATEMENT EXECUTE FUNCTION contract_events_append_only();

CREATE TABLE webhooks (
  id             text PRIMARY KEY,
  url            text NOT NULL,
  event_types    text[] NOT NULL,
  secret_sealed  text NOT NULL,
  created_by     text NOT NULL,
  created_at     timestamptz NOT NULL DEFAULT now(),
  deleted_at     timestamptz
);

-- The outbox: one row per (webhook, event), written in the transaction that records the event.
CREATE TABLE webhook_deliveries (
  id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  webhook_id       text NOT NULL REFERENCES webhooks (id),
  event_id         text NOT NULL REFERENCES contract_events (id),
  contract_id      text NOT NULL,
  status           text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'delivered', 'failed')),
  attempts         integer NOT NULL DEFAULT 0,
  next_attempt_at  timestamptz NOT NULL DEFAULT now(),
  lease_until      timestamptz,
  last_status      integer,
  last_error       text,
  delivered_at     timestamptz,
  created_at       timestamptz NOT NULL DEFAULT now(),
  UNIQUE (webhook_id, event_id)
);
CREATE INDEX webhook_deliveries_due_idx ON webhook_deliveries (next_attempt_at) WHERE status = 'pending';
CREATE INDEX webhook_deliveries_order_idx ON webhook_deliveries (webhook_id, contract_id, id) WHERE status = 'pending';

CREATE TABLE webhook_attempts (
  id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  delivery_id  bigint NOT NULL REFERENCES webhook_deliveries (id),
  at           timestamptz NOT NULL,
  status_code  integer,
  error        text,
  duration_ms  integer NOT NULL
);
CREATE INDEX webhook_attempts_delivery_idx ON webhook_attempts (delivery_id);
