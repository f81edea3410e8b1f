-- Signing links, identity of each signer, one-time codes and lock-outs.
ALTER TABLE signers
  ADD COLUMN id_type          text,
  ADD COLUMN id_number        text,
  ADD COLUMN mobile           text,
  ADD COLUMN token_hash       text UNIQUE,
  ADD COLUMN token_expires_at timestamptz,
  ADD COLUMN failed_attempts  integer NOT NULL DEFAULT 0,
  ADD COLUMN locked_until     timestamptz,
  ADD COLUMN declined_at      timestamptz,
  ADD COLUMN decline_reason   text;

-- NULL: follow the template's autoSign setting for the utility.
ALTER TABLE contracts ADD COLUMN auto_sign boolean;

CREATE TABLE otp_challenges (
  id          text PRIMARY KEY,
  signer_id   text NOT NULL REFERENCES signers (id),
  code_hash   text NOT NULL,
  created_at  timestamptz NOT NULL,
  expires_at  timestamptz NOT NULL,
  used_at     timestamptz
);
CREATE INDEX otp_challenges_signer_idx ON otp_challenges (signer_id, created_at DESC);
