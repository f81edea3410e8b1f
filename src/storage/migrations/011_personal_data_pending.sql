-- Start-up looks for rows still in clear (written before encryption at rest, or by an older instance
-- during a rolling upgrade): these partial indexes hold only such rows, so the look is cheap however
-- many contracts there are.
CREATE INDEX contracts_variables_unsealed_idx ON contracts (id) WHERE NOT (variables ? '$sealed');
CREATE INDEX signers_unsealed_idx ON signers (id)
  WHERE (id_number IS NOT NULL AND id_number NOT LIKE 'v1.%') OR (mobile IS NOT NULL AND mobile NOT LIKE 'v1.%');
