import type { Database } from '../storage/db/database.js';
import type { DocumentRegistry, RegisteredContract } from '../verification/index.js';

/**
 * What the verifier may ask about files this service issued: which stored version a hash is, and for
 * that version's contract who signs which field with which certificate (the certificate table
 * records each event certificate's contract and signer).
 */
export function createDocumentRegistry(db: Database): DocumentRegistry {
  return {
    async lookup(sha256s) {
      if (sha256s.length === 0) return [];
      const res = await db.query<{ sha256: string; contract_id: string; version: number }>(
        'SELECT sha256, contract_id, version FROM document_versions WHERE sha256 = ANY($1)',
        [sha256s],
      );
      return res.rows.map((r) => ({ sha256: r.sha256, contractId: r.contract_id, version: r.version }));
    },

    async contract(contractId): Promise<RegisteredContract | undefined> {
      const c = await db.query<{ contract_number: string; status: string; latest: number; organisation_id: string }>(
        `SELECT contract_number, status, organisation_id, (SELECT max(version) FROM document_versions WHERE contract_id = $1) AS latest
           FROM contracts WHERE id = $1`,
        [contractId],
      );
      const row = c.rows[0];
      if (!row) return undefined;
      const signers = await db.query<{ id: string; role: string; label: string; kind: 'person' | 'organisation'; field_name: string; certificate_serial: string | null }>(
        'SELECT id, role, label, kind, field_name, certificate_serial FROM signers WHERE contract_id = $1 ORDER BY position',
        [contractId],
      );
      const certs = await db.query<{ serial: string; kind: string; signer_id: string | null }>(
        `SELECT serial, kind, signer_id FROM certificates WHERE (kind = 'event' AND contract_id = $1) OR (kind = 'organisation' AND organisation_id = $2)`,
        [contractId, row.organisation_id],
      );
      const serialsFor = (s: (typeof signers.rows)[number]) => {
        const own = certs.rows.filter((x) => (s.kind === 'organisation' ? x.kind === 'organisation' : x.kind === 'event' && x.signer_id === s.id)).map((x) => x.serial);
        return [...new Set([...own, ...(s.certificate_serial ? [s.certificate_serial.toLowerCase()] : [])])];
      };
      return {
        contractId,
        contractNumber: row.contract_number,
        status: row.status,
        latestVersion: Number(row.latest ?? 0),
        parties: signers.rows.map((s) => ({ role: s.role, label: s.label, kind: s.kind, fieldName: s.field_name, certificateSerials: serialsFor(s) })),
      };
    },
  };
}
