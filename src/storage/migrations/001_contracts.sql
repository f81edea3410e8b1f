-- Contracts, their document versions and signers; API keys; idempotency records.
CREATE TABLE api_keys (
  id          text PRIMARY KEY,
  role        text NOT NULL CHECK (role IN ('workflow', 'utility', 'auditor', 'admin')),
  key_hash    text NOT NULL UNIQUE,
  label       text NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now(),
  revoked_at  timestamptz
);

CREATE SEQUENCE contract_number_seq;

CREATE TABLE contracts (
  id                text PRIMARY KEY,
  -- Insertion order for stable cursor pagination (timestamps can tie).
  seq               bigint GENERATED ALWAYS AS IDENTITY UNIQUE,
  contract_number   text NOT NULL UNIQUE,
  template_id       text NOT NULL,
  template_version  integer NOT NULL,
  template_sha256   text NOT NULL,
  reference         text NOT NULL,
  status            text NOT NULL,
  variables         jsonb NOT NULL,
  created_by        text NOT NULL,
  created_at        timestamptz NOT NULL DEFAULT now(),
  updated_at        timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX contracts_reference_idx ON contracts (reference, seq);
CREATE INDEX contracts_status_idx ON contracts (status, seq);

CREATE TABLE document_versions (
  contract_id  text NOT NULL REFERENCES contracts (id),
  version      integer NOT NULL,
  object_key   text NOT NULL,
  sha256       text NOT NULL,
  size         integer NOT NULL,
  reason       text NOT NULL,
  created_at   timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (contract_id, version)
);
CREATE INDEX document_versions_sha256_idx ON document_versions (sha256);

CREATE TABLE signers (
  id           text PRIMARY KEY,
  contract_id  text NOT NULL REFERENCES contracts (id),
  position     integer NOT NULL,
  role         text NOT NULL,
  label        text NOT NULL,
  kind         text NOT NULL CHECK (kind IN ('person', 'organisation')),
  name         text NOT NULL,
  field_name   text NOT NULL,
  status       text NOT NULL,
  signed_at    timestamptz,
  certificate_serial text,
  UNIQUE (contract_id, position),
  UNIQUE (contract_id, role)
);

CREATE TABLE idempotency_keys (
  principal     text NOT NULL,
  key           text NOT NULL,
  operation     text NOT NULL,
  request_hash  text NOT NULL,
  resource_id   text NOT NULL,
  created_at    timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (principal, key)
);
