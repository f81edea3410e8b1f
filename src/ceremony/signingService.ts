import { createHash, randomUUID, X509Certificate } from 'node:crypto';
import { z } from 'zod';
import type { Logger } from 'pino';
import type { Database } from '../storage/db/database.js';
import type { ObjectStore } from '../storage/objects/objectStore.js';
import { contractRepository, type ContractRow, type SignerRow } from '../storage/db/contractRepository.js';
import { signingRepository } from '../storage/db/signingRepository.js';
import type { TemplateRegistry } from '../documents/index.js';
import { PkiError, type Pki, type SigningIdentity } from '../pki/index.js';
import { signPdfField, SigningError, type Appearance } from '../signing/index.js';
import { createLongTermValidation, type Archived } from '../archive/longTermValidation.js';
import { SmsGatewayError, type SmsGateway } from '../notifications/smsGateway.js';
import { DomainError } from '../domain/errors.js';
import { DOCUMENT_CONTENT_TYPE, documentObjectKey, type ContractService } from '../contracts/contractService.js';
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

export interface SigningPolicy {
  codeTtlMs: number;
  resendAfterMs: number;
  maxFailures: number;
  lockMs: number;
}

export const DEFAULT_SIGNING_POLICY: SigningPolicy = {
  codeTtlMs: 5 * 60_000,
  resendAfterMs: 60_000,
  maxFailures: 5,
  lockMs: 15 * 60_000,
};

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
  clock?: () => Date;
}


const signInput = z.object({
  otp: z.string({ message: 'otp is required: the 6-digit code sent by SMS' }).regex(/^\d{6}$/, 'otp must be the 6-digit code sent by SMS'),
  consent: z.literal(true, { message: 'consent must be true: the signer agrees to sign electronically' }),
});
const declineInput = z.object({
  reason: z.string({ message: 'reason is required' }).trim().min(1, 'reason must not be empty').max(500),
});

function parse<T>(schema: z.ZodType<T>, body: unknown): T {
  const r = schema.safeParse(body ?? {});
  if (!r.success) {
    throw new DomainError(
      'unprocessable',
      'validation_failed',
      r.error.issues.map((i) => i.message).join('; '),
      r.error.issues.map((i) => ({ path: `/${i.path.join('/')}`, message: i.message })),
    );
  }
  return r.data;
}

const conflict = (code: string, message: string, extra?: Record<string, unknown>) =>
  new DomainError('conflict', code, message, undefined, extra);

/** PAdES signing of contracts by their parties, one incremental revision per signature. */
export function createSigningService(deps: SigningServiceDeps) {
  const { db, store, pki, secrets, log } = deps;
  const policy = deps.policy ?? DEFAULT_SIGNING_POLICY;
  const now = deps.clock ?? (() => new Date());

  async function contractOf(id: string): Promise<ContractRow> {
    const c = await contractRepository.get(db, id);
    if (!c) throw new DomainError('not_found', 'contract_not_found', `No contract with id ${id}`);
    return c;
  }

  async function byToken(token: string): Promise<{ signer: SignerRow; contract: ContractRow }> {
    const signer = /^[\w-]{20,100}$/.test(token)
      ? await signingRepository.signerByTokenHash(db, secrets.tokenHash(token))
      : undefined;
    if (!signer) throw new DomainError('not_found', 'signing_link_not_found', 'This signing link is not valid; ask the utility for a new one');
    if (signer.token_expires_at && new Date(signer.token_expires_at) <= now()) {
      throw new DomainError('gone', 'signing_link_expired', 'This signing link has expired; ask the utility for a new one');
    }
    // The signing link's holder acts on their own ID and mobile numbers: opened here, sealed at rest.
    return { signer: deps.personalData.openSigner(signer), contract: await contractOf(signer.contract_id) };
  }

  /** What a signer does is recorded as theirs, from the address the request came from. */
  const asSigner = (ctx: RequestContext, signer: SignerRow): RequestContext => ({ ...ctx, actor: { type: 'signer', id: signer.id, role: signer.role } });
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

  function assertNotLocked(signer: SignerRow): void {
    if (signer.locked_until && new Date(signer.locked_until) > now()) {
      const retryAfter = Math.ceil((new Date(signer.locked_until).getTime() - now().getTime()) / 1000);
      throw new DomainError('too_many', 'signer_locked', `Too many wrong codes; try again in ${Math.ceil(retryAfter / 60)} minutes`, undefined, {
        retryAfterSeconds: retryAfter,
      });
    }
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
        data: { signerId: signer.id, role: signer.role, certificateSerial: identity.serial },
      });
      if (outcome.status === 'completed') {
        await deps.audit.append(tx, { contractId: contract.id, type: 'contract.completed', ctx, at: signedAt, document });
      } else {
        const next = (await contractRepository.signers(tx, [contract.id])).find((s) => s.status !== 'signed');
        if (next) await deps.contracts.notifySigner(tx, next, ctx, signedAt, document);
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
    await applySignature(ctx, contract, signer, all, identity, { kind: 'seal', organisation: org.name, sealNumber: org.sealNumber }, now());
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

    /** `text`: also the contract's text for the reflowed reading (the signing page asks; the JSON API does not). */
    async view(ctx: RequestContext, token: string, opts: { text?: boolean } = {}) {
      const found = await byToken(token);
      const { contract } = found;
      let { signer } = found;
      const at = now();
      // Only the first opening is an event (and a webhook): reloads and link previews are not news.
      await db.transaction(async (tx) => {
        await lockInOrder(tx, contract.id);
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
        opts.text ? deps.contractText.of(contract, c.versions[0].sha256) : Promise.resolve(undefined),
      ]);
      return {
        utility: { name: org.name, phone: org.phone },
        ...(text !== undefined ? { text } : {}),
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
    async progress(token: string): Promise<SigningProgress> {
      const { signer, contract } = await byToken(token);
      const [view, events, org] = await Promise.all([
        deps.contracts.viewOf(contract), eventRepository.chain(db, contract.id), deps.organisations.current(contract.organisation_id),
      ]);
      const title = deps.templates.get(contract.template_id, contract.template_version, contract.organisation_id)?.title ?? contract.template_id;
      return signingProgress(view, title, events, signer.id, `/api/v1/signing/${token}/document`, { name: org.name, phone: org.phone });
    },

    async document(ctx: RequestContext, token: string) {
      const { contract, signer } = await byToken(token);
      const doc = await deps.contracts.document(ALL_ORGANISATIONS, contract.id);
      await deps.contracts.recordDownload(asSigner(ctx, signer), contract.id, doc);
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

    async sendCode(ctx: RequestContext, token: string) {
      const { signer, contract } = await byToken(token);
      await assertCanAct(contract, signer);
      const at = now();
      const id = randomUUID();
      const code = secrets.newCode();
      const expiresAt = new Date(at.getTime() + policy.codeTtlMs);
      const who = asSigner(ctx, signer);
      // The signer's row lock makes the lock-out and resend checks hold against concurrent requests.
      await db.transaction(async (tx) => {
        await lockInOrder(tx, contract.id);
        assertNotLocked(await signingRepository.lockSigner(tx, signer.id));
        const last = await signingRepository.latestChallenge(tx, signer.id);
        if (last && at.getTime() - new Date(last.created_at).getTime() < policy.resendAfterMs) {
          const retryAfter = Math.ceil((new Date(last.created_at).getTime() + policy.resendAfterMs - at.getTime()) / 1000);
          throw new DomainError('too_many', 'code_recently_sent', `A code was sent moments ago; you can ask again in ${retryAfter} s`, undefined, {
            retryAfterSeconds: retryAfter,
          });
        }
        await signingRepository.insertChallenge(tx, { id, signer_id: signer.id, code_hash: secrets.codeHash(id, code), created_at: at, expires_at: expiresAt });
        await deps.audit.append(tx, {
          contractId: contract.id, type: 'signer.code_sent', ctx: who, at,
          data: { signerId: signer.id, challengeId: id, to: maskMobile(signer.mobile!) },
        });
      });
      try {
        await deps.sms.send({ mobile: signer.mobile!, code, contractId: contract.id, signerId: signer.id });
      } catch (err) {
        // A code that never left the building must neither count against the resend wait nor be usable,
        // and the trail must say it was not delivered.
        await db.transaction(async (tx) => {
          await signingRepository.deleteChallenge(tx, id);
          await deps.audit.append(tx, { contractId: contract.id, type: 'signer.code_not_sent', ctx: who, at: now(), data: { signerId: signer.id, challengeId: id } });
        });
        if (err instanceof SmsGatewayError) {
          throw new DomainError('unavailable', 'sms_unavailable', 'The code could not be sent by SMS right now; try again shortly');
        }
        throw err;
      }
      return {
        sentTo: maskMobile(signer.mobile!),
        expiresAt: expiresAt.toISOString(),
        resendAfterSeconds: Math.ceil(policy.resendAfterMs / 1000),
        ...(deps.exposeCodes ? { developmentCode: code } : {}),
      };
    },

    async signWithCode(ctx: RequestContext, token: string, body: unknown) {
      const input = parse(signInput, body);
      const { signer, contract } = await byToken(token);
      const signers = await assertCanAct(contract, signer);
      const at = now();
      // Lock check, code comparison and failure count happen under the signer's row lock, so concurrent
      // guesses are counted one by one and none is compared once the signer is locked.
      const checked = await db.transaction(async (tx) => {
        await lockInOrder(tx, contract.id);
        assertNotLocked(await signingRepository.lockSigner(tx, signer.id));
        const challenge = await signingRepository.latestChallenge(tx, signer.id);
        if (!challenge) throw new DomainError('invalid', 'code_not_requested', 'Request a code first (POST …/otp)');
        if (challenge.used_at) throw conflict('code_already_used', 'This code has already been used; request a new one');
        if (new Date(challenge.expires_at) <= at) {
          throw new DomainError('unprocessable', 'code_expired', 'The code has expired; request a new one');
        }
        if (secrets.codeMatches(challenge.id, input.otp, challenge.code_hash)) return { challenge };
        const result = await signingRepository.recordFailure(tx, signer.id, policy.maxFailures, new Date(at.getTime() + policy.lockMs));
        // A lock also burns every outstanding code (an earlier one would otherwise become the latest
        // again): after the wait the signer asks for a new one.
        if (result.locked) await signingRepository.deleteOpenChallenges(tx, signer.id);
        await deps.audit.append(tx, {
          contractId: contract.id, type: result.locked ? 'signer.locked' : 'signer.code_failed', ctx: asSigner(ctx, signer), at,
          data: { signerId: signer.id, challengeId: challenge.id, failures: result.failures },
        });
        return { failure: result };
      });
      if (checked.failure) {
        if (checked.failure.locked) {
          throw new DomainError('too_many', 'signer_locked', `Too many wrong codes; try again in ${Math.round(policy.lockMs / 60_000)} minutes`, undefined, {
            retryAfterSeconds: Math.ceil(policy.lockMs / 1000),
          });
        }
        const left = policy.maxFailures - checked.failure.failures;
        throw new DomainError('unprocessable', 'wrong_code', `The code is not correct; ${left} attempts left`, undefined, { attemptsLeft: left });
      }
      const challenge = checked.challenge!;
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
          { kind: 'person', name: signer.name, caption: '电子签名', signedAt: at },
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

    async decline(ctx: RequestContext, token: string, body: unknown) {
      const { reason } = parse(declineInput, body);
      const { signer, contract } = await byToken(token);
      // Unlike signing, declining needs no turn: a later party may refuse the terms at once.
      assertSignerOpen(contract, signer);
      const at = now();
      const who = asSigner(ctx, signer);
      await db.transaction(async (tx) => {
        await lockInOrder(tx, contract.id, { contractRow: true });
        const ok = await signingRepository.decline(tx, {
          contractId: contract.id, signerId: signer.id, reason, at,
          signerFrom: signerSourcesOf('declined'), contractFrom: contractSourcesOf('declined'),
        });
        if (!ok) throw conflict('contract_not_signable', 'The contract changed meanwhile; reload it');
        await deps.audit.append(tx, { contractId: contract.id, type: 'signer.declined', ctx: who, at, data: { signerId: signer.id, role: signer.role, reason } });
        await deps.audit.append(tx, { contractId: contract.id, type: 'contract.declined', ctx: who, at, data: { reason } });
        await ctx.commit?.(tx, contract.id);
      });
      return { id: contract.id };
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
