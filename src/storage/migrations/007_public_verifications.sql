-- Checks made on the public verify page, without an API key. Anyone can make them, as often as the
-- per-address rate limit allows, so they are not events in a contract's hash chain (which would grow
-- with every anonymous upload, and with it the evidence report); they are counted per file, China day
-- and verdict. No address or user agent: the request log has those for as long as logs are kept.
CREATE TABLE public_verifications (
  sha256       text NOT NULL,
  day          date NOT NULL,
  verdict      text NOT NULL,
  -- The contract version the file (or the revision a signature covers) matched, when it is one of ours.
  contract_id  text REFERENCES contracts (id),
  version      integer,
  count        integer NOT NULL,
  first_at     timestamptz NOT NULL,
  last_at      timestamptz NOT NULL,
  PRIMARY KEY (sha256, day, verdict)
);
CREATE INDEX public_verifications_contract_idx ON public_verifications (contract_id, day) WHERE contract_id IS NOT NULL;
