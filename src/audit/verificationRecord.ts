import { chinaDay } from '../chinaTime.js';
import type { Database } from '../storage/db/database.js';
import type { VerificationReport } from '../verification/index.js';
import type { AuditTrail } from './auditTrail.js';
import type { RequestContext } from '../domain/requestContext.js';

/** Who asked: a caller with an API key, or anyone at all on the public verify page. */
export type VerificationAudience = 'authenticated' | 'public';

/**
 * Where a verification is written down. A check by an authenticated caller (an auditor, with their key)
 * is evidence about the contract and goes into its hash chain. An anonymous check is not: anyone could
 * lengthen any contract's chain and evidence report at will. It is counted per file and day instead,
 * which still tells the utility that, and how often, a contract was checked in public.
 */
export function createVerificationRecorder(deps: { db: Database; audit: AuditTrail }) {
  return async function record(ctx: RequestContext, report: VerificationReport, audience: VerificationAudience, at: Date): Promise<void> {
    // A file we issued (or the revision a signature covers) files the check under its contract.
    const registered = [report.registered, ...report.signatures.map((s) => s.registered)].find((r) => r.matched);
    if (audience === 'public') {
      await deps.db.query(
        `INSERT INTO public_verifications (sha256, day, verdict, contract_id, version, count, first_at, last_at)
         VALUES ($1, $2, $3, $4, $5, 1, $6, $6)
         ON CONFLICT (sha256, day, verdict) DO UPDATE SET count = public_verifications.count + 1, last_at = EXCLUDED.last_at`,
        [report.sha256, chinaDay(at), report.verdict, registered?.contractId ?? null, registered?.version ?? null, at],
      );
      return;
    }
    await deps.db.transaction((tx) =>
      deps.audit.append(tx, {
        contractId: registered?.contractId ?? null,
        type: 'document.verified',
        ctx,
        at,
        document: registered ? { version: registered.version!, sha256: registered.sha256! } : undefined,
        data: { sha256: report.sha256, verdict: report.verdict, signatures: report.signatures.length },
      }),
    );
  };
}
