import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { Database, Queryable } from '../storage/db/database.js';
import type { ContractRow, SignerRow } from '../storage/db/contractRepository.js';
import { signingRepository, type ChallengeRow } from '../storage/db/signingRepository.js';
import { messageText, type TemplateRegistry } from '../documents/index.js';
import { SmsGatewayError, type SmsGateway } from '../notifications/smsGateway.js';
import { DomainError } from '../domain/errors.js';
import { maskMobile } from '../contracts/signerIdentity.js';
import type { AuditTrail } from '../audit/auditTrail.js';
import type { RequestContext } from '../domain/requestContext.js';
import type { SigningSecrets } from '../domain/signingSecrets.js';

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

export type CodePurpose = ChallengeRow['purpose'];

export interface CodeChallengeDeps {
  db: Database;
  audit: AuditTrail;
  sms: SmsGateway;
  secrets: SigningSecrets;
  templates: TemplateRegistry;
  organisations: { current(id: string): Promise<{ name: string; phone: string }> };
  log: Logger;
  policy: SigningPolicy;
  exposeCodes: boolean;
  now: () => Date;
}

/** What a signer does is recorded as theirs, from the address the request came from. */
export const asSigner = (ctx: RequestContext, signer: SignerRow): RequestContext => ({ ...ctx, actor: { type: 'signer', id: signer.id, role: signer.role } });

/**
 * One-time codes by SMS, the proof that the person acting holds the mobile number on the contract:
 * sent with a resend wait, checked under the signer's row lock so that concurrent guesses are counted
 * one by one, locked after too many wrong ones. A code is for one purpose: a code asked for to read a
 * signed contract again cannot sign or decline.
 */
export function createCodeChallenges(deps: CodeChallengeDeps) {
  const { db, secrets, policy, now } = deps;

  function assertNotLocked(signer: SignerRow): void {
    if (signer.locked_until && new Date(signer.locked_until) > now()) {
      const retryAfter = Math.ceil((new Date(signer.locked_until).getTime() - now().getTime()) / 1000);
      throw new DomainError('too_many', 'signer_locked', `Too many wrong codes; try again in ${Math.ceil(retryAfter / 60)} minutes`, undefined, {
        retryAfterSeconds: retryAfter,
      });
    }
  }

  async function codeText(contract: ContractRow, code: string): Promise<string> {
    const template = deps.templates.get(contract.template_id, contract.template_version, contract.organisation_id);
    const org = await deps.organisations.current(contract.organisation_id);
    return messageText('code', template?.messages, {
      utility: { name: org.name, phone: org.phone },
      contract: { title: template?.title ?? contract.template_id, number: contract.contract_number },
      code,
    });
  }

  return {
    assertNotLocked,

    async send(ctx: RequestContext, contract: ContractRow, signer: SignerRow, purpose: CodePurpose) {
      const at = now();
      const id = randomUUID();
      const code = secrets.newCode();
      const expiresAt = new Date(at.getTime() + policy.codeTtlMs);
      const who = asSigner(ctx, signer);
      // The signer's row lock makes the lock-out and resend checks hold against concurrent requests.
      await db.transaction(async (tx) => {
        await deps.audit.lock(tx, contract.id);
        assertNotLocked(await signingRepository.lockSigner(tx, signer.id));
        const last = await signingRepository.latestChallenge(tx, signer.id);
        if (last && at.getTime() - new Date(last.created_at).getTime() < policy.resendAfterMs) {
          const retryAfter = Math.ceil((new Date(last.created_at).getTime() + policy.resendAfterMs - at.getTime()) / 1000);
          throw new DomainError('too_many', 'code_recently_sent', `A code was sent moments ago; you can ask again in ${retryAfter} s`, undefined, {
            retryAfterSeconds: retryAfter,
          });
        }
        await signingRepository.insertChallenge(tx, { id, signer_id: signer.id, code_hash: secrets.codeHash(id, code), created_at: at, expires_at: expiresAt, purpose });
        await deps.audit.append(tx, {
          contractId: contract.id, type: 'signer.code_sent', ctx: who, at,
          data: { signerId: signer.id, challengeId: id, to: maskMobile(signer.mobile!), purpose },
        });
      });
      try {
        await deps.sms.send({ kind: 'code', mobile: signer.mobile!, text: await codeText(contract, code), code, contractId: contract.id, signerId: signer.id });
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

    /**
     * The latest code, if it is the one typed, unused, unexpired and for this purpose; a wrong one is
     * counted (and locks the signer at the limit, burning every outstanding code). The caller consumes
     * the challenge in the transaction that does what the code was for.
     */
    async check(ctx: RequestContext, contract: ContractRow, signer: SignerRow, otp: string, purpose: CodePurpose): Promise<ChallengeRow> {
      const at = now();
      const checked = await db.transaction(async (tx: Queryable) => {
        await deps.audit.lock(tx, contract.id);
        assertNotLocked(await signingRepository.lockSigner(tx, signer.id));
        const challenge = await signingRepository.latestChallenge(tx, signer.id);
        if (!challenge || challenge.purpose !== purpose) throw new DomainError('invalid', 'code_not_requested', 'Request a code first (POST …/otp)');
        if (challenge.used_at) throw new DomainError('conflict', 'code_already_used', 'This code has already been used; request a new one');
        if (new Date(challenge.expires_at) <= at) {
          throw new DomainError('unprocessable', 'code_expired', 'The code has expired; request a new one');
        }
        if (secrets.codeMatches(challenge.id, otp, challenge.code_hash)) return { challenge };
        const result = await signingRepository.recordFailure(tx, signer.id, policy.maxFailures, new Date(at.getTime() + policy.lockMs));
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
      return checked.challenge!;
    },

    /** Marks the code used in the caller's transaction; a concurrent use of the same code loses. */
    async consume(tx: Queryable, challenge: ChallengeRow, at: Date): Promise<void> {
      if (!(await signingRepository.consumeChallenge(tx, challenge.id, at))) {
        throw new DomainError('conflict', 'code_already_used', 'This code has already been used; request a new one');
      }
    },
  };
}

export type CodeChallenges = ReturnType<typeof createCodeChallenges>;
