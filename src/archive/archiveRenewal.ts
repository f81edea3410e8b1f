import { createHash } from 'node:crypto';
import type { Database } from '../storage/db/database.js';
import type { ObjectStore } from '../storage/objects/objectStore.js';
import type { DocumentVersionRow } from '../storage/db/contractRepository.js';
import { signingRepository } from '../storage/db/signingRepository.js';
import type { AuditTrail } from '../audit/auditTrail.js';
import { DOCUMENT_CONTENT_TYPE, documentObjectKey } from '../contracts/contractService.js';
import type { LongTermValidation } from './longTermValidation.js';
import { SYSTEM } from '../domain/requestContext.js';
import type { Logger } from 'pino';

export interface ArchiveRenewalDeps {
  db: Database;
  store: ObjectStore;
  audit: AuditTrail;
  ltv: LongTermValidation;
  log: Logger;
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
    // Stamping bytes that are not the registered version would register them: check before anything else.
    if (createHash('sha256').update(current).digest('hex') !== v.sha256) {
      throw new Error(`version ${v.version} of contract ${v.contract_id} in storage does not match its SHA-256`);
    }
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
      // The superseded version needs no renewal any more; keeping it out of the index keeps the sweep cheap.
      await signingRepository.clearArchiveUntil(tx, v.contract_id, v.version);
      await deps.audit.append(tx, {
        contractId: v.contract_id, type: 'document.timestamp_renewed', ctx: SYSTEM, at: now(), document: { version, sha256 },
        data: { previousVersion: v.version, previousArchiveUntil: new Date(v.archive_until!).toISOString(), archiveUntil: archiveUntil.toISOString() },
      });
      return true;
    });
  }

  return {
    /**
     * Renews every latest version whose document timestamp expires within `withinMs`, batch after batch;
     * returns how many were renewed. One that fails (missing or altered object, TSA down) is logged and
     * skipped until the next sweep, so it cannot hold up the others.
     */
    async renewDue(withinMs: number, batch = 100): Promise<number> {
      const before = new Date(now().getTime() + withinMs);
      // A timestamp from a TSA whose own certificate ends no later would extend nothing: the TSA
      // certificate (and its CA) must be renewed first.
      const reach = deps.ltv.archiveUntil();
      const due = before < reach ? before : reach;
      let renewed = 0;
      const skipped = new Set<string>();
      for (;;) {
        const rows = (await signingRepository.archiveDue(db, due, batch + skipped.size)).filter((v) => !skipped.has(`${v.contract_id}:${v.version}`));
        if (rows.length === 0) break;
        for (const v of rows.slice(0, batch)) {
          try {
            if (await renew(v)) renewed++;
            else skipped.add(`${v.contract_id}:${v.version}`);
          } catch (err) {
            skipped.add(`${v.contract_id}:${v.version}`);
            deps.log.warn({ err, contractId: v.contract_id, version: v.version }, 'document timestamp renewal failed; retried at the next sweep');
          }
        }
      }
      const stuck = await signingRepository.archiveDue(db, before, 1);
      if (stuck.length > 0 && before > reach) {
        deps.log.warn({ tsaCertificateNotAfter: reach.toISOString() }, 'document timestamps are due but the TSA certificate does not reach further; renew the TSA certificate');
      }
      return renewed;
    },
  };
}
