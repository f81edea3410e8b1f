import { createHash } from 'node:crypto';
import type { Database } from '../storage/db/database.js';
import type { ObjectStore } from '../storage/objects/objectStore.js';
import type { DocumentVersionRow } from '../storage/db/contractRepository.js';
import { signingRepository } from '../storage/db/signingRepository.js';
import type { AuditTrail } from './auditTrail.js';
import { DOCUMENT_CONTENT_TYPE, documentObjectKey } from './contractService.js';
import type { LongTermValidation } from './longTermValidation.js';
import { SYSTEM } from './requestContext.js';

export interface ArchiveRenewalDeps {
  db: Database;
  store: ObjectStore;
  audit: AuditTrail;
  ltv: LongTermValidation;
  clock?: () => Date;
}

/**
 * Renews the document timestamps of completed contracts before their TSA certificates expire: the
 * latest version gets fresh validation data and a new document timestamp, stored as a new version.
 * Safe on several instances at once: the version number is the key, the loser's object is an orphan.
 */
export function createArchiveRenewal(deps: ArchiveRenewalDeps) {
  const { db, store } = deps;
  const now = deps.clock ?? (() => new Date());

  async function renew(v: DocumentVersionRow): Promise<boolean> {
    const current = await store.get(v.object_key);
    if (!current) throw new Error(`version ${v.version} of contract ${v.contract_id} is missing from storage (${v.object_key})`);
    const { pdf, archiveUntil } = await deps.ltv.renew(current);
    const sha256 = createHash('sha256').update(pdf).digest('hex');
    const objectKey = documentObjectKey(sha256);
    // Object first, row second, as everywhere: a failure leaves at most an unreferenced object.
    await store.put(objectKey, pdf, DOCUMENT_CONTENT_TYPE);
    const version = v.version + 1;
    return db.transaction(async (tx) => {
      await deps.audit.lock(tx, v.contract_id);
      const added = await signingRepository.insertVersion(tx, {
        contract_id: v.contract_id, version, object_key: objectKey, sha256, size: pdf.byteLength, reason: 'archive_timestamp', archive_until: archiveUntil,
      });
      if (!added) return false;
      await deps.audit.append(tx, {
        contractId: v.contract_id, type: 'document.timestamp_renewed', ctx: SYSTEM, at: now(), document: { version, sha256 },
        data: { previousVersion: v.version, previousArchiveUntil: new Date(v.archive_until!).toISOString(), archiveUntil: archiveUntil.toISOString() },
      });
      return true;
    });
  }

  return {
    /** Renews every latest version whose document timestamp expires within `withinMs`; returns how many. */
    async renewDue(withinMs: number, limit = 50): Promise<number> {
      const due = await signingRepository.archiveDue(db, new Date(now().getTime() + withinMs), limit);
      // A timestamp from a TSA whose own certificate ends no later would extend nothing: the TSA
      // certificate must be renewed first (the development PKI does so at start-up, 30 days ahead).
      const reach = deps.ltv.archiveUntil().getTime();
      let renewed = 0;
      for (const v of due) if (reach > new Date(v.archive_until!).getTime() && (await renew(v))) renewed++;
      return renewed;
    },
  };
}
