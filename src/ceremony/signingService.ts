import { createHash, randomUUID, X509Certificate } from 'node:crypto';
import { z } from 'zod';
import type { Logger } from 'pino';
import type { Database } from '../storage/db/database.js';
import type { ObjectStore } from '../storage/objects/objectStore.js';
import { contractRepository, type ContractRow, type SignerRow } from '../storage/db/contractRepository.js';
import { signingRepository } from '../storage/db/signingRepository.js';
import type { TemplateRegistry } from '../documents/index.js';
import { PkiError, type Pki, type SigningIdentity } from '../pki/index.js';
import {
  handwritingSummary, HandwritingError, MAX_POINTS, normaliseHandwriting, signPdfField, SigningError,
  type Appearance, type DrawnSignature, type Handwriting,
} from '../signing/index.js';
import { createLongTermValidation, type Archived } from '../archive/longTermValidation.js';
import type { SmsGateway } from '../notifications/smsGateway.js';
import { DomainError } from '../domain/errors.js';
import { invalidBody } from '../domain/validation.js';
import { DOCUMENT_CONTENT_TYPE, documentObjectKey, type ContractService } from '../contracts/contractService.js';
import type { ContractView } from '../contracts/contractView.js';
import { maskMobile } from '../contracts/signerIdentity.js';
import { type AuditTrail } from '../audit/auditTrail.js';
import { contractSourcesOf, isOpen, signerSourcesOf } from '../contracts/lifecycle.js';
import { ALL_ORGANISATIONS, scopeOfContext, type RequestContext } from '../domain/requestContext.js';
import type { ContractTextService } from '../contracts/contractText.js';
import type { Organisation } from '../organisations/organisationService.js';
import type { PersonalData } from '../domain/personalData.js';
import type { Queryable } from '../storage/db/database.js';
import type { SigningSecrets } from '../domain/signingSecrets.js';
import { eventRepository } from '../storage/db/eventRepository.js';
import { signingProgress, type SigningProgress } from './signingProgress.js';
import { asSigner, createCodeChallenges, DEFAULT_SIGNING_POLICY, type SigningPolicy } from './codeChallenges.js';
import type { QueuedSms } from '../notifications/smsOutbox.js';

export { DEFAULT_SIGNING_POLICY, type SigningPolicy } from './codeChallenges.js';

export interface SigningServiceDeps {
  db: Database;
  audit: AuditTrail;
  store: ObjectStore;
  pki: Pki;
  sms: SmsGateway;
  secrets: SigningSecrets;
  contracts: ContractService;
  personalData: PersonalData;
  templates: TemplateRegistry;
  log: Logger;
  location: string;
  /** Whose seal a contract gets: the organisation it was made for (its name on the arc, its seal number). */
  organisations: { current(id: string): Promise<Organisation> };
  /** The contract's text for reading on a screen, checked against the generated PDF. */
  contractText: ContractTextService;
  /** Development only: return the one-time code in the response when no SMS gateway is configured. */
  exposeCodes: boolean;
  policy?: SigningPolicy;
  /** SMS to applicants, queued in the transaction that calls for them. */
  notifications: { queue(tx: Queryable, n: QueuedSms): Promise<void> };
  clock?: () => Date;
}


const otpField = z.string({ message: 'otp is required: the 6-digit code sent by SMS' }).regex(/^\d{6}$/, 'otp must be the 6-digit code sent by SMS');
const point = z.tuple([z.number().finite(), z.number().finite()]);
const signInput = z.object({
  otp: otpField,
  consent: z.literal(true, { message: 'consent must be true: the signer agrees to sign electronically' }),
  /** A drawn signature (signature_pad's strokes as [x, y] points on a width × height pad), when the utility allows one. */
  signature: z
    .object({
      width: z.number({ message: 'signature.width is the pad width' }).positive().max(5000),
      height: z.number({ message: 'signature.height is the pad height' }).positive().max(5000),
      strokes: z.array(z.array(point).min(1).max(MAX_POINTS), { message: 'signature.strokes must be a list of strokes, each a list of [x, y] points' }).min(1).max(100),
    })
    .optional(),
});
const reasonInput = z.object({
  otp: otpField,
  reason: z.string({ message: 'reason is required' }).trim().min(1, 'reason must not be empty').max(500),
});
const accessInput = z.object({ otp: otpField });
/** How long a fresh code reopens a signed contract for reading after its link expired. */
export const ACCESS_GRANT_MS = 30 * 60_000;

function parse<T>(schema: z.ZodType<T>, body: unknown): T {
  const r = schema.safeParse(body ?? {});
  if (!r.success) {
    throw invalidBody(r.error, r.error.issues.map((i) => i.message).join('; '));
  }
  return r.data;
}

/**
 * SMS apps glue the sentence's punctuation onto a link ("…/sign/abc。"); a token never ends in one, so
 * it is taken off instead of calling the link invalid.
 */
export const withoutTrailingPunctuation = (token: string) => token.replace(/[^\w-]+$/u, '');

const linkGone = () => new DomainError('gone', 'signing_link_expired', 'This signing link has expired; ask the utility for a new one');

const conflict = (code: string, message: string, extra?: Record<string, unknown>) =>
  new DomainError('conflict', code, message, undefined, extra);

/** PAdES signing of contracts by their parties, one incremental revision per signature. */
export function createSigningService(deps: SigningServiceDeps) {
  const { db, store, pki, secrets, log } = deps;
  const policy = deps.policy ?? DEFAULT_SIGNING_POLICY;
  const now = deps.clock ?? (() => new Date());
  const codes = createCodeChallenges({
    db, audit: deps.audit, sms: deps.sms, secrets, templates: deps.templates, organisations: deps.organisations, log, policy,
    exposeCodes: deps.exposeCodes, now,
  });

  async function contractOf(id: string): Promise<ContractRow> {
    const c = await contractRepository.get(db, id);
    if (!c) throw new DomainError('not_found', 'contract_not_found', `No contract with id ${id}`);
    return c;
  }

  const linkExpired = (signer: SignerRow) => Boolean(signer.token_expires_at && new Date(signer.token_expires_at) <= now());

  /** The drawing, checked before any code is spent: the organisation must allow drawing, and it must be a signature. */
  async function drawnSignature(contract: ContractRow, drawn: DrawnSignature): Promise<Handwriting> {
    const org = await deps.organisations.current(contract.organisation_id);
    if (!org.handwrittenSignature) {
      throw new DomainError('unprocessable', 'handwriting_disabled', `${org.name} does not take drawn signatures; sign without one (leave signature out)`);
    }
    try {
      return normaliseHandwriting(drawn);
    } catch (err) {
      if (err instanceof HandwritingError) throw new DomainError('unprocessable', 'invalid_signature_drawing', `The drawn signature cannot be used: ${err.message}; draw it again`);
      throw err;
    }
  }

  const isKeyHolder = (ctx: RequestContext) => ctx.actor.type === 'api_key';

  /**
   * The link, or after it expired a signed party's read-access grant. A signed party without one is
   * told they can get one (access_expired), everybody else that the link is gone.
   */
  async function readable(token: string, grant?: string): Promise<{ signer: SignerRow; contract: ContractRow }> {
    const found = await byToken(token, { expired: true });
    if (!linkExpired(found.signer) || (found.signer.status === 'signed' && secrets.grantValid(found.signer.id, grant, now()))) return found;
    if (found.signer.status === 'signed') {
      throw new DomainError('gone', 'access_expired', 'The link has expired; a code sent to the signer\'s mobile (POST …/access/otp, then …/access) opens the signed contract again');
    }
    throw linkGone();
  }

  /**
   * What declining and asking for a correction share: a reason and the code (no turn needed), then one
   * transaction under the contract row lock that spends the code with what it was for; a throw in `act`
   * leaves the code unspent.
   */
  async function actWithReason(
    ctx: RequestContext,
    token: string,
    body: unknown,
    act: (tx: Queryable, a: { signer: SignerRow; contract: ContractRow; reason: string; at: Date; who: RequestContext }) => Promise<void>,
  ): Promise<{ id: string }> {
    const { reason, otp } = parse(reasonInput, body);
    const { signer, contract } = await byToken(token);
    assertSignerOpen(contract, signer);
    const challenge = await codes.check(ctx, contract, signer, otp, 'act');
    const at = now();
    await db.transaction(async (tx) => {
      await lockInOrder(tx, contract.id, { contractRow: true });
      await codes.consume(tx, challenge, at);
      await act(tx, { signer, contract, reason, at, who: asSigner(ctx, signer) });
      await ctx.commit?.(tx, contract.id);
    });
    return { id: contract.id };
  }

  /** The timeline the link holder may see, of a contract view already read. */
  async function progressOf(view: ContractView, signerId: string, token: string, utility: { name: string; phone: string }): Promise<SigningProgress> {
    const events = await eventRepository.chain(db, view.id);
    const title = deps.templates.get(view.templateId, view.templateVersion, view.organisationId)?.title ?? view.templateId;
    return signingProgress(view, title, events, signerId, `/api/v1/signing/${token}/document`, utility);
  }

  /** The link of a party who signed, expired or not: their lasting read access; for anyone else the link is gone. */
  async function signedPartyOf(token: string): Promise<{ signer: SignerRow; contract: ContractRow }> {
    const found = await byToken(token, { expired: true });
    if (found.signer.status !== 'signed') throw linkGone();
    return found;
  }

  /** `expired`: also a link past its expiry (for the signed party's lasting read access, which has its own check). */
  async function byToken(raw: string, opts: { expired?: boolean } = {}): Promise<{ signer: SignerRow; contract: ContractRow }> {
    const token = withoutTrailingPunctuation(raw);
    const signer = /^[\w-]{20,100}$/.test(token)
      ? await signingRepository.signerByTokenHash(db, secrets.tokenHash(token))
      : undefined;
    if (!signer) throw new DomainError('not_found', 'signing_link_not_found', 'This signing link is not valid; ask the utility for a new one');
    if (!opts.expired && linkExpired(signer)) {
      throw linkGone();
    }
    // The signing link's holder acts on their own ID and mobile numbers: opened here, sealed at rest.
    return { signer: deps.personalData.openSigner(signer), contract: await contractOf(signer.contract_id) };
  }

  const AUTO_SIGN: RequestContext = { actor: { type: 'system', id: 'auto-sign', role: 'utility' } };

  /**
   * Every transaction takes its locks in one order — contract row, then the event chain, then signer
   * rows — so two of them can never wait on each other.
   */
  async function lockInOrder(tx: Queryable, contractId: string, opts: { contractRow?: boolean } = {}): Promise<void> {
    if (opts.contractRow) await tx.query('SELECT 1 FROM contracts WHERE id = $1 FOR UPDATE', [contractId]);
    await deps.audit.lock(tx, contractId);
  }

  function assertSignerOpen(contract: ContractRow, signer: SignerRow): void {
    if (signer.status === 'signed') throw conflict('already_signed', 'This party has already signed', { status: signer.status });
    if (signer.status === 'declined') throw conflict('already_declined', 'This party has declined to sign', { status: signer.status });
    if (!isOpen(contract.status)) {
      throw conflict('contract_not_signable', `The contract is ${contract.status}; it can no longer be signed`, { status: contract.status });
    }
  }

  /**
   * The checks every signing action shares: contract open, signer not done, and it is their turn.
   * Returns the contract's signers as it checked them.
   */
  async function assertCanAct(contract: ContractRow, signer: SignerRow, signers?: SignerRow[]): Promise<SignerRow[]> {
    assertSignerOpen(contract, signer);
    const all = signers ?? (await contractRepository.signers(db, [contract.id]));
    const waitingFor = all.find((s) => s.position < signer.position && s.status !== 'signed');
    if (waitingFor) {
      throw conflict('out_of_turn', `It is not this party's turn: ${waitingFor.label} (${waitingFor.role}) signs first`, {
        waitingFor: waitingFor.role,
      });
    }
    return all;
  }

  const ltv = createLongTermValidation(pki);
  /** The certificates of every signature, this one's included, for the completing B-LTA step. */
  async function withLongTermValidation(pdf: Uint8Array, certificate: Buffer, signers: SignerRow[]): Promise<Archived> {
    const earlier = await signingRepository.certificates(db, signers.flatMap((s) => (s.status === 'signed' && s.certificate_serial ? [s.certificate_serial] : [])));
    return ltv.complete(pdf, [...earlier, certificate]);
  }

  /** Signs the latest revision and records it; any lost race is a 409 and leaves nothing half-done. */
  async function applySignature(
    ctx: RequestContext,
    contract: ContractRow,
    signer: SignerRow,
    signers: SignerRow[],
    identity: SigningIdentity & { serial: string; eventCertificate?: boolean },
    appearance: Appearance,
    signedAt: Date,
    beforeCommit?: (tx: Queryable) => Promise<boolean>,
  ): Promise<void> {
    const latest = await signingRepository.latestVersion(db, contract.id);
    const current = await store.get(latest.object_key);
    if (!current) throw new DomainError('unavailable', 'document_missing', 'The current document version is missing from storage');
    let signed: Uint8Array;
    let timestampAt: Date | null = null;
    let archiveUntil: Date | null = null;
    try {
      signed = await signPdfField({
        pdf: current,
        fieldName: signer.field_name,
        identity,
        timestamp: {
          async timestamp(imprint: Buffer) {
            const { token, genTime } = await pki.timestampWithTime(imprint);
            timestampAt = genTime;
            return token;
          },
        },
        appearance,
        signingTime: signedAt,
        reason: `${signer.label}签署`,
        location: deps.location,
      });
      if (signers.every((s) => s.id === signer.id || s.status === 'signed')) {
        ({ pdf: signed, archiveUntil } = await withLongTermValidation(signed, identity.certificate, signers));
      }
    } catch (err) {
      if (err instanceof SigningError && err.code === 'field_already_signed') throw conflict('already_signed', 'This party has already signed');
      if (err instanceof SigningError && err.code === 'timestamp_failed' && !(err.cause instanceof PkiError && err.cause.code === 'certificate_unavailable')) {
        throw new DomainError('unavailable', 'timestamp_unavailable', 'The timestamp authority did not answer; retry the call');
      }
      throw err;
    }
    const sha256 = createHash('sha256').update(signed).digest('hex');
    const objectKey = documentObjectKey(sha256);
    await store.put(objectKey, signed, DOCUMENT_CONTENT_TYPE);
    const document = { version: latest.version + 1, sha256 };
    const committed = await db.transaction(async (tx) => {
      await lockInOrder(tx, contract.id, { contractRow: true });
      if (beforeCommit && !(await beforeCommit(tx))) return false;
      const outcome = await signingRepository.commitSignature(tx, {
        contractId: contract.id,
        signerId: signer.id,
        version: {
          contract_id: contract.id, version: document.version, object_key: objectKey, sha256, size: signed.byteLength,
          reason: `signed:${signer.role}`, archive_until: archiveUntil,
        },
        signedAt,
        certificateSerial: identity.serial,
        timestampAt,
        signerFrom: signerSourcesOf('signed'),
        contractFrom: contractSourcesOf('completed'),
      });
      // Throwing rolls back the signer/contract updates of a lost race, so nothing half-done is committed.
      if (!outcome) throw conflict('concurrent_signature', 'Another change was recorded at the same time; reload and try again');
      await ctx.commit?.(tx, contract.id);
      if (identity.eventCertificate) {
        await deps.audit.append(tx, {
          contractId: contract.id, type: 'certificate.issued', ctx, at: signedAt,
          data: { signerId: signer.id, serial: identity.serial, kind: 'event', subject: signer.name },
        });
      }
      await deps.audit.append(tx, {
        contractId: contract.id, type: 'signer.signed', ctx, at: signedAt, document,
        data: {
          signerId: signer.id, role: signer.role, certificateSerial: identity.serial,
          ...(appearance.kind === 'person' && appearance.handwriting ? { handwritten: handwritingSummary(appearance.handwriting) } : {}),
        },
      });
      if (outcome.status === 'completed') {
        await deps.audit.append(tx, { contractId: contract.id, type: 'contract.completed', ctx, at: signedAt, document });
        // Every person who signed hears that it took effect, with the link that keeps showing it.
        for (const s of signers.filter((x) => x.kind === 'person')) {
          await deps.notifications.queue(tx, { kind: 'completed', contractId: contract.id, signerId: s.id, dedupeKey: `completed:${s.id}` });
        }
      } else {
        const next = (await contractRepository.signers(tx, [contract.id])).find((s) => s.status !== 'signed');
        if (next) await deps.contracts.notifySigner(tx, next, ctx, signedAt, document, contract.notify);
      }
      return true;
    });
    if (!committed) throw conflict('code_already_used', 'This code has already been used; request a new one');
  }

  const serials = new WeakMap<Buffer, string>();
  async function organisationIdentity(org: Organisation): Promise<SigningIdentity & { serial: string }> {
    const id = await pki.organisationIdentityFor(org);
    let serial = serials.get(id.certificate);
    if (!serial) serials.set(id.certificate, (serial = new X509Certificate(id.certificate).serialNumber.toLowerCase()));
    return { ...id, serial };
  }

  async function signAsUtility(ctx: RequestContext, contract: ContractRow, signer: SignerRow, signers?: SignerRow[]): Promise<void> {
    if (signer.kind !== 'organisation') {
      throw conflict('signer_is_person', 'This signer is a person and signs with their signing link and SMS code');
    }
    const all = await assertCanAct(contract, signer, signers);
    const org = await deps.organisations.current(contract.organisation_id);
    const identity = await organisationIdentity(org);
    const at = now();
    await applySignature(ctx, contract, signer, all, identity, { kind: 'seal', organisation: org.name, sealNumber: org.sealNumber, signedAt: at }, at);
  }

  /** The utility signs by itself when its turn comes, if the template or the contract asks for it. */
  async function autoSignIfDue(contractId: string): Promise<void> {
    const contract = await contractOf(contractId);
    if (!isOpen(contract.status)) return;
    const signers = await contractRepository.signers(db, [contractId]);
    const next = signers.find((s) => s.status !== 'signed');
    if (!next || next.kind !== 'organisation') return;
    const template = deps.templates.get(contract.template_id, contract.template_version, contract.organisation_id);
    const spec = template?.signers.find((s) => s.role === next.role);
    if (!(contract.auto_sign ?? spec?.autoSign ?? false)) return;
    try {
      await signAsUtility(AUTO_SIGN, contract, next, signers);
    } catch (err) {
      // The caller's own action already succeeded; the utility can still sign through the API later.
      log.warn({ err, contractId }, 'automatic utility signature failed');
    }
  }

  /**
   * Automatic utility signatures that did not happen (TSA or storage down, a crash right after the
   * previous signature) are retried from the periodic sweep; the version key stops a double signature.
   */
  async function retryAutoSigns(limit = 20): Promise<number> {
    // By digest: an organisation's own version may differ from the shared one of the same number.
    const autoTemplates = deps.templates
      .everyVersion()
      .filter((t) => t.signers.some((s) => s.role === 'utility' && s.autoSign))
      .map((t) => t.sha256);
    const due = await db.query<{ id: string }>(
      `SELECT c.id FROM contracts c
       WHERE c.status IN ('awaiting_signatures', 'partially_signed') AND c.updated_at < $1
         AND (c.auto_sign IS TRUE OR (c.auto_sign IS NULL AND c.template_sha256 = ANY($2)))
         AND (SELECT s.kind FROM signers s WHERE s.contract_id = c.id AND s.status <> 'signed' ORDER BY s.position LIMIT 1) = 'organisation'
       ORDER BY c.updated_at LIMIT $3`,
      [new Date(now().getTime() - 30_000), autoTemplates, limit],
    );
    for (const { id } of due.rows) await autoSignIfDue(id);
    return due.rows.length;
  }

  return {
    autoSignIfDue,
    retryAutoSigns,

    /**
     * `page`: also what the signing page shows besides (the contract's text for the reflowed reading,
     * and the progress), from the same reads; the JSON API asks for neither.
     */
    async view(ctx: RequestContext, token: string, opts: { page?: boolean } = {}) {
      const found = await byToken(token);
      const { contract } = found;
      let { signer } = found;
      const at = now();
      await db.transaction(async (tx) => {
        await lockInOrder(tx, contract.id);
        // An API key holder reading the link (the workflow, the utility) is not the signer viewing it.
        if (isKeyHolder(ctx)) {
          await deps.audit.append(tx, { contractId: contract.id, type: 'signing_link.read', ctx, at, data: { signerId: signer.id } });
          return;
        }
        // Only the first opening is an event (and a webhook): reloads and link previews are not news.
        if (await signingRepository.markViewed(tx, signer.id, signerSourcesOf('viewed'), at)) {
          await deps.audit.append(tx, { contractId: contract.id, type: 'signer.viewed', ctx: asSigner(ctx, signer), at, data: { signerId: signer.id } });
        }
      });
      signer = deps.personalData.openSigner((await signingRepository.signer(db, contract.id, signer.id))!);
      const v = deps.personalData.openVariables(contract.id, contract.variables) as Record<string, any>;
      const c = await deps.contracts.get(ALL_ORGANISATIONS, contract.id);
      const template = deps.templates.get(contract.template_id, contract.template_version, contract.organisation_id);
      const all = c.signers;
      const waitingFor = all.find((s) => s.order < signer.position && s.status !== 'signed');
      const [org, text] = await Promise.all([
        deps.organisations.current(contract.organisation_id),
        opts.page ? deps.contractText.of(contract, c.versions[0].sha256) : Promise.resolve(undefined),
      ]);
      const utility = { name: org.name, phone: org.phone };
      return {
        utility,
        /** Whether the page offers a pad to draw a signature on. */
        handwriting: org.handwrittenSignature,
        ...(text !== undefined ? { text } : {}),
        ...(opts.page ? { progress: await progressOf(c, signer.id, token, utility) } : {}),
        contract: {
          id: contract.id,
          contractNumber: contract.contract_number,
          title: template?.title ?? contract.template_id,
          status: contract.status,
          documentUrl: `/api/v1/signing/${token}/document`,
          document: { version: c.document.version, sha256: c.document.sha256 },
          summary: {
            siteAddress: v.site?.address,
            usageCategory: v.usage?.category,
            meters: Array.isArray(v.meters) ? v.meters.map((m: any) => ({ location: m.location, diameterDN: m.diameterDN, type: m.type })) : undefined,
            term: v.term ?? v.period,
          },
        },
        signer: {
          id: signer.id,
          role: signer.role,
          label: signer.label,
          name: signer.name,
          status: signer.status,
          mobile: signer.mobile ? maskMobile(signer.mobile) : undefined,
          signedAt: signer.signed_at ? new Date(signer.signed_at).toISOString() : null,
        },
        yourTurn: !waitingFor && isOpen(contract.status) && signer.status !== 'signed' && signer.status !== 'declined',
        waitingFor: waitingFor?.role ?? null,
        linkExpiresAt: signer.token_expires_at ? new Date(signer.token_expires_at).toISOString() : null,
      };
    },

    /** Read-only: following the progress is not viewing the contract, so nothing is recorded. */
    async progress(token: string, grant?: string): Promise<SigningProgress> {
      const { signer, contract } = await readable(token, grant);
      const [view, org] = await Promise.all([deps.contracts.viewOf(contract), deps.organisations.current(contract.organisation_id)]);
      return progressOf(view, signer.id, token, { name: org.name, phone: org.phone });
    },

    /** `grant`: the read-access cookie, for a signed party whose link has expired. */
    async document(ctx: RequestContext, token: string, grant?: string) {
      const { contract, signer } = await readable(token, grant);
      const doc = await deps.contracts.document(ALL_ORGANISATIONS, contract.id);
      await deps.contracts.recordDownload(isKeyHolder(ctx) ? ctx : asSigner(ctx, signer), contract.id, doc);
      return doc;
    },

    /** The code sent last, as the send call described it (for an Idempotency-Key replay: no second SMS). */
    async lastCode(token: string) {
      const { signer } = await byToken(token);
      const last = await signingRepository.latestChallenge(db, signer.id);
      if (!last) throw new DomainError('invalid', 'code_not_requested', 'No code has been sent for this link');
      const wait = new Date(last.created_at).getTime() + policy.resendAfterMs - now().getTime();
      return { sentTo: maskMobile(signer.mobile!), expiresAt: new Date(last.expires_at).toISOString(), resendAfterSeconds: Math.max(0, Math.ceil(wait / 1000)) };
    },

    /** A code for acting on the contract: signing in turn, or declining or asking for a correction at any time. */
    async sendCode(ctx: RequestContext, token: string) {
      const { signer, contract } = await byToken(token);
      assertSignerOpen(contract, signer);
      return codes.send(ctx, contract, signer, 'act');
    },

    async signWithCode(ctx: RequestContext, token: string, body: unknown) {
      const input = parse(signInput, body);
      const { signer, contract } = await byToken(token);
      const signers = await assertCanAct(contract, signer);
      const at = now();
      const handwriting = input.signature ? await drawnSignature(contract, input.signature) : undefined;
      const challenge = await codes.check(ctx, contract, signer, input.otp, 'act');
      const identity = await pki.issueEventCertificate(
        { name: signer.name, idType: signer.id_type ?? 'other', idNumber: signer.id_number ?? '', mobile: signer.mobile ?? undefined },
        { contractId: contract.id, signerId: signer.id },
      );
      try {
        await applySignature(
          asSigner(ctx, signer),
          contract,
          signer,
          signers,
          { ...identity, eventCertificate: true },
          { kind: 'person', name: signer.name, caption: '电子签名', signedAt: at, ...(handwriting ? { handwriting } : {}) },
          at,
          (tx) => signingRepository.consumeChallenge(tx, challenge.id, at),
        );
      } finally {
        // The one-time key exists only for this signature: drop the only reference to it.
        (identity as Partial<SigningIdentity>).signer = undefined;
      }
      await autoSignIfDue(contract.id);
      return { id: contract.id };
    },

    /** Final: the contract will not take effect. Needs the code, so holding the link is not enough. */
    decline: (ctx: RequestContext, token: string, body: unknown) =>
      // Unlike signing, declining needs no turn: a later party may refuse the terms at once.
      actWithReason(ctx, token, body, async (tx, { signer, contract, reason, at, who }) => {
        const ok = await signingRepository.decline(tx, {
          contractId: contract.id, signerId: signer.id, reason, at,
          signerFrom: signerSourcesOf('declined'), contractFrom: contractSourcesOf('declined'),
        });
        if (!ok) throw conflict('contract_not_signable', 'The contract changed meanwhile; reload it');
        await deps.audit.append(tx, { contractId: contract.id, type: 'signer.declined', ctx: who, at, data: { signerId: signer.id, role: signer.role, reason } });
        await deps.audit.append(tx, { contractId: contract.id, type: 'contract.declined', ctx: who, at, data: { reason } });
      }),

    /**
     * Not final: the signer says something in the contract is wrong. The utility hears of it (event and
     * webhook), the signer gets an SMS that it arrived, and the contract stays open for a corrected issue.
     */
    requestCorrection: (ctx: RequestContext, token: string, body: unknown) =>
      actWithReason(ctx, token, body, async (tx, { signer, contract, reason, at, who }) => {
        // Voided, declined or signed meanwhile: there is nothing left to correct.
        const current = await contractRepository.get(tx, contract.id);
        if (!current || !isOpen(current.status)) {
          throw conflict('contract_not_signable', `The contract is ${current?.status}; a correction can no longer be asked for`, { status: current?.status });
        }
        const event = await deps.audit.append(tx, {
          contractId: contract.id, type: 'signer.correction_requested', ctx: who, at, data: { signerId: signer.id, role: signer.role, reason },
        });
        await deps.notifications.queue(tx, { kind: 'correction_received', contractId: contract.id, signerId: signer.id, dedupeKey: `correction_received:${event.id}` });
      }),

    /**
     * A person who signed keeps read access after their link expired: a fresh code to the same mobile
     * number opens it again for a while. Nobody else gets a code this way.
     */
    /** Whether the link belongs to a party who signed (whose lasting read access survives the link). */
    async signedParty(token: string): Promise<boolean> {
      return Boolean(await signedPartyOf(token).catch(() => undefined));
    },

    /** Whom the holder of a link, expired or not, should call: the contract's organisation. */
    async contactOf(token: string): Promise<{ name: string; phone: string } | undefined> {
      const found = await byToken(token, { expired: true }).catch(() => undefined);
      if (!found) return undefined;
      const org = await deps.organisations.current(found.contract.organisation_id);
      return { name: org.name, phone: org.phone };
    },

    async sendAccessCode(ctx: RequestContext, token: string) {
      const { signer, contract } = await signedPartyOf(token);
      return codes.send(ctx, contract, signer, 'access');
    },

    async grantAccess(ctx: RequestContext, token: string, body: unknown): Promise<{ grant: string; expiresAt: string }> {
      const { otp } = parse(accessInput, body);
      const { signer, contract } = await signedPartyOf(token);
      const challenge = await codes.check(ctx, contract, signer, otp, 'access');
      const at = now();
      const until = new Date(at.getTime() + ACCESS_GRANT_MS);
      await db.transaction(async (tx) => {
        await lockInOrder(tx, contract.id);
        await codes.consume(tx, challenge, at);
        await deps.audit.append(tx, { contractId: contract.id, type: 'signer.access_granted', ctx: asSigner(ctx, signer), at, data: { signerId: signer.id, until: until.toISOString() } });
      });
      return { grant: secrets.accessGrant(signer.id, until), expiresAt: until.toISOString() };
    },

    async signByUtility(ctx: RequestContext, contractId: string, signerId: string) {
      const contract = await deps.contracts.row(scopeOfContext(ctx), contractId);
      const signer = await signingRepository.signer(db, contractId, signerId);
      if (!signer) throw new DomainError('not_found', 'signer_not_found', `Contract ${contractId} has no signer ${signerId}`);
      await signAsUtility(ctx, contract, signer);
      return deps.contracts.get(ALL_ORGANISATIONS, contractId);
    },
  };
}

export type SigningService = ReturnType<typeof createSigningService>;
