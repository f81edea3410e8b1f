import { X509Certificate } from 'node:crypto';
import type { Database } from '../storage/db/database.js';
import { PdfInputError, VerifierBusyError, verifyPdf, type PdfVerifier, type RevocationSource, type VerificationReport } from '../verification/index.js';
import type { Pki } from '../pki/index.js';
import { type AuditTrail } from './auditTrail.js';
import { DomainError } from './errors.js';
import type { ContractService } from './contractService.js';
import type { RequestContext } from './requestContext.js';

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
      const status = await deps.pki.certificateStatus(serial);
      return { status, source: 'local', checkedAt: now().toISOString() };
    },
  };

  const registry = {
    async lookup(sha256s: string[]) {
      if (sha256s.length === 0) return [];
      const res = await deps.db.query<{ sha256: string; contract_id: string; version: number }>(
        'SELECT sha256, contract_id, version FROM document_versions WHERE sha256 = ANY($1)',
        [sha256s],
      );
      return res.rows.map((r) => ({ sha256: r.sha256, contractId: r.contract_id, version: r.version }));
    },
  };

  async function verify(ctx: RequestContext, pdf: Buffer): Promise<VerificationReport> {
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
    // A file we issued (or the revision a signature covers) files the check under its contract.
    const registered = [report.registered, ...report.signatures.map((s) => s.registered)].find((r) => r.matched);
    await deps.db.transaction((tx) =>
      deps.audit.append(tx, {
        contractId: registered?.contractId ?? null,
        type: 'document.verified',
        ctx,
        at: now(),
        document: registered ? { version: registered.version!, sha256: registered.sha256! } : undefined,
        data: { sha256: report.sha256, verdict: report.verdict, signatures: report.signatures.length },
      }),
    );
    return report;
  }

  return {
    verify,
    async verifyStored(ctx: RequestContext, contractId: string): Promise<VerificationReport> {
      const doc = await deps.contracts.document(contractId);
      return verify(ctx, doc.bytes);
    },
  };
}

export type VerificationService = ReturnType<typeof createVerificationService>;
