import { X509Certificate } from 'node:crypto';
import type { Database } from '../storage/db/database.js';
import { PdfInputError, verifyPdf, type RevocationSource, type VerificationReport } from '../verification/index.js';
import type { Pki } from '../pki/index.js';
import { type AuditTrail } from './auditTrail.js';
import { DomainError } from './errors.js';
import type { ContractService } from './contractService.js';
import { createDocumentRegistry } from './documentRegistry.js';
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
  clock?: () => Date;
}) {
  const now = deps.clock ?? (() => new Date());
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

  const registry = createDocumentRegistry(deps.db);

  async function verify(ctx: RequestContext, pdf: Buffer): Promise<VerificationReport> {
    let report: VerificationReport;
    try {
      report = await verifyPdf(pdf, {
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
