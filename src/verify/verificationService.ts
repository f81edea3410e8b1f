import { X509Certificate } from 'node:crypto';
import type { Database } from '../storage/db/database.js';
import { PdfInputError, VerifierBusyError, verifyPdf, type PdfVerifier, type RevocationSource, type VerificationReport } from '../verification/index.js';
import type { Pki } from '../pki/index.js';
import { type AuditTrail } from '../audit/auditTrail.js';
import { DomainError } from '../domain/errors.js';
import type { ContractService } from '../contracts/contractService.js';
import { createDocumentRegistry } from './documentRegistry.js';
import { scopeOfContext, type RequestContext } from '../domain/requestContext.js';
import { createVerificationRecorder, type VerificationAudience } from '../audit/verificationRecord.js';

/**
 * Verification as the service offers it: its own root plus TRUST_ANCHORS, revocation answered by its
 * own certificate database for what it issued, and "registered" from the document versions it stored.
 */
export function createVerificationService(deps: {
  db: Database;
  audit: AuditTrail;
  pki: Pki;
  contracts: ContractService;
  extraTrustAnchors: Buffer[];
  requireRevocation: boolean;
  allowOnline: boolean;
  /** Where the work runs: the worker pool in the service (uploads are hostile), in-process by default. */
  verifier?: PdfVerifier;
  clock?: () => Date;
}) {
  const now = deps.clock ?? (() => new Date());
  const verifier = deps.verifier ?? verifyPdf;
  const trustAnchors = [deps.pki.rootDer(), ...deps.extraTrustAnchors];
  const issuing = new X509Certificate(deps.pki.issuingPem());

  const revocation: RevocationSource = {
    async status(cert, issuer) {
      if (!new X509Certificate(issuer).publicKey.equals(issuing.publicKey)) return undefined;
      const serial = new X509Certificate(cert).serialNumber.toLowerCase();
      const r = await deps.pki.revocationOf(serial);
      // A compromised key may have been misused before it was revoked (RFC 5280 §5.3.2), and a one-time
      // event key revoked as compromised means the signing itself is disowned: no time, so nothing signed
      // earlier is taken as good. Superseded and the other reasons date the end of use.
      const dated = r.revokedAt && r.reason !== 'keyCompromise';
      return {
        status: r.status,
        source: 'local',
        checkedAt: now().toISOString(),
        ...(dated ? { revokedAt: r.revokedAt!.toISOString() } : {}),
        ...(r.reason ? { reason: r.reason } : {}),
      };
    },
  };

  const registry = createDocumentRegistry(deps.db);

  const record = createVerificationRecorder(deps);

  async function verify(ctx: RequestContext, pdf: Buffer, audience: VerificationAudience): Promise<VerificationReport> {
    let report: VerificationReport;
    try {
      report = await verifier(pdf, {
        trustAnchors,
        validationTime: now(),
        revocation,
        allowOnline: deps.allowOnline,
        registry,
        revocationPolicy: deps.requireRevocation ? 'require' : 'best_effort',
      });
    } catch (err) {
      if (err instanceof PdfInputError) {
        throw new DomainError('unprocessable', err.code, `The file cannot be verified: ${err.message}`);
      }
      if (err instanceof VerifierBusyError) throw new DomainError('unavailable', 'verifier_busy', 'Every verification worker is busy; retry in a few seconds');
      throw err;
    }
    await record(ctx, report, audience, now());
    return report;
  }

  return {
    verify,
    async verifyStored(ctx: RequestContext, contractId: string): Promise<VerificationReport> {
      const doc = await deps.contracts.document(scopeOfContext(ctx), contractId);
      return verify(ctx, doc.bytes, 'authenticated');
    },
  };
}

export type VerificationService = ReturnType<typeof createVerificationService>;
