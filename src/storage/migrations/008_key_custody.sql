-- Long-lived private keys (KEY_STORE=database): sealed with AES-256-GCM under MASTER_KEY, so every
-- instance with the same database and master key uses one PKI and nothing is needed on disk.
-- Keys kept in a PKCS#11 token (KEY_STORE=pkcs11) have no row here.
CREATE TABLE IF NOT EXISTS pki_keys (
  label       text PRIMARY KEY,
  public_key  bytea NOT NULL,            -- SubjectPublicKeyInfo, DER
  sealed      text NOT NULL,             -- water-esign/sealed-key envelope bound to the label
  created_at  timestamptz NOT NULL DEFAULT now()
);

-- The certificate each service role uses now, and the key (by label, in the named store) it belongs to.
CREATE TABLE IF NOT EXISTS pki_identities (
  role        text PRIMARY KEY CHECK (role IN ('root', 'issuing', 'ocsp', 'tsa', 'organisation')),
  key_store   text NOT NULL CHECK (key_store IN ('database', 'pkcs11')),
  key_label   text NOT NULL,
  certificate bytea NOT NULL,
  chain_pem   text NOT NULL DEFAULT '',  -- issuer first, for imported material whose chain is not ours
  imported    boolean NOT NULL DEFAULT false,
  updated_at  timestamptz NOT NULL DEFAULT now()
);
