-- Every certificate this service issued or imported. Private keys are never stored here:
-- CA / service keys live encrypted under DATA_DIR/pki, event-certificate keys are discarded after signing.
CREATE TABLE IF NOT EXISTS certificates (
  serial            text PRIMARY KEY CHECK (serial ~ '^[0-9a-f]+$'),  -- lowercase hex, no leading zeros
  kind              text NOT NULL CHECK (kind IN ('root', 'issuing', 'ocsp', 'tsa', 'organisation', 'event')),
  subject           text NOT NULL,
  issuer            text NOT NULL,
  not_before        timestamptz NOT NULL,
  not_after         timestamptz NOT NULL,
  der               bytea NOT NULL,
  status            text NOT NULL DEFAULT 'good' CHECK (status IN ('good', 'revoked')),
  revoked_at        timestamptz,
  revocation_reason text CHECK (revocation_reason IN ('unspecified', 'keyCompromise', 'cACompromise', 'affiliationChanged',
                                                      'superseded', 'cessationOfOperation', 'certificateHold', 'privilegeWithdrawn')),
  contract_id       text,
  signer_id         text,
  created_at        timestamptz NOT NULL DEFAULT now(),
  CHECK ((status = 'revoked') = (revoked_at IS NOT NULL)),
  CHECK (kind = 'event' OR (contract_id IS NULL AND signer_id IS NULL))
);

-- The CRL lists revoked certificates; the partial index keeps that scan small as event certificates pile up.
CREATE INDEX IF NOT EXISTS certificates_revoked_idx ON certificates (revoked_at) WHERE status = 'revoked';
CREATE INDEX IF NOT EXISTS certificates_contract_idx ON certificates (contract_id, signer_id) WHERE contract_id IS NOT NULL;
