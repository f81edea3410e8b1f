import { X509Certificate } from 'node:crypto';
import type { Database } from '../storage/db/database.js';
import { contractRepository } from '../storage/db/contractRepository.js';
import { eventRepository } from '../storage/db/eventRepository.js';
import type { DocumentRenderer, TemplateRegistry } from '../documents/index.js';
import { createEvidenceReport } from '../documents/evidenceReport.js';
import type { Pki } from '../pki/index.js';
import { eventView, type AuditTrail } from '../audit/auditTrail.js';
import type { ContractService } from './contractService.js';
import { maskIdNumber, maskMobile } from './signerIdentity.js';
import type { Scope } from '../domain/requestContext.js';
import type { Organisation } from '../organisations/organisationService.js';
import type { PersonalData } from '../domain/personalData.js';

/** The evidence report (存证报告): the contract's record as a PDF signed by the utility. */
export function createEvidenceService(deps: {
  db: Database;
  audit: AuditTrail;
  contracts: ContractService;
  templates: TemplateRegistry;
  renderer: DocumentRenderer;
  pki: Pki;
  /** The report is made and sealed by the contract's own organisation. */
  organisations: { current(id: string): Promise<Organisation> };
  personalData: PersonalData;
  clock?: () => Date;
}) {
  const now = deps.clock ?? (() => new Date());
  const subjectOf = (pem: string) => new X509Certificate(pem).subject.replace(/\n/g, ', ');

  return {
    async report(scope: Scope, contractId: string): Promise<Uint8Array> {
      const row = await deps.contracts.row(scope, contractId);
      const view = await deps.contracts.viewOf(row);
      const org = await deps.organisations.current(row.organisation_id);
      const signers = (await contractRepository.signers(deps.db, [contractId])).map(deps.personalData.openSigner);
      const events = await eventRepository.chain(deps.db, contractId);
      const issuing = subjectOf(deps.pki.issuingPem());
      const template = deps.templates.get(view.templateId, view.templateVersion, row.organisation_id);
      const eventsOf = (type: string, signerId: string) => events.filter((e) => e.type === type && e.data.signerId === signerId);
      return createEvidenceReport(
        {
          contract: {
            id: view.id,
            contractNumber: view.contractNumber,
            title: template?.title ?? view.templateId,
            templateId: view.templateId,
            templateVersion: view.templateVersion,
            templateSha256: view.templateSha256,
            reference: view.reference,
            status: view.status,
            createdAt: view.createdAt,
            completedAt: view.completedAt,
          },
          versions: view.versions,
          signers: signers.map((s) => ({
            order: s.position,
            role: s.role,
            label: s.label,
            kind: s.kind,
            name: s.name,
            idType: s.id_type,
            idNumberMasked: s.id_number ? maskIdNumber(s.id_number) : null,
            mobileMasked: s.mobile ? maskMobile(s.mobile) : null,
            status: s.status,
            codeSentAt: eventsOf('signer.code_sent', s.id).map((e) => new Date(e.at).toISOString()),
            // The code is checked in the same step that signs: a verified code and the signature share one time.
            codeVerifiedAt: s.kind === 'person' && s.signed_at ? new Date(s.signed_at).toISOString() : null,
            signedAt: s.signed_at ? new Date(s.signed_at).toISOString() : null,
            certificateSerial: s.certificate_serial,
            certificateIssuer: s.certificate_serial ? issuing : null,
            timestampTime: s.timestamp_at ? new Date(s.timestamp_at).toISOString() : null,
            declinedAt: s.declined_at ? new Date(s.declined_at).toISOString() : null,
            declineReason: s.decline_reason,
            handwritten: (eventsOf('signer.signed', s.id)[0]?.data.handwritten as { strokes: number; points: number; sha256: string } | undefined) ?? null,
          })),
          events: events.map(eventView),
          chainValid: deps.audit.verify(events).valid,
          generatedAt: now(),
          utility: { name: org.name, creditCode: org.creditCode, sealNumber: org.sealNumber },
        },
        { identity: await deps.pki.organisationIdentityFor(org), timestamp: { timestamp: (d) => deps.pki.timestamp(d) } },
        deps.renderer,
      );
    },
  };
}

export type EvidenceService = ReturnType<typeof createEvidenceService>;
