import { z } from 'zod';
import { DomainError } from '../domain/errors.js';
import { invalidBody } from '../domain/validation.js';
import { scopeOfContext, type RequestContext } from '../domain/requestContext.js';
import type { ContractService } from '../contracts/contractService.js';
import type { SigningService } from './signingService.js';

/** At most this many contracts in one call: each is a signature, and the caller waits for all of them. */
export const COUNTERSIGN_MAX = 200;

/** `{ids}`: a set of contract ids, at most `max`, none twice. */
export const contractIdsInput = (max: number, per: string) =>
  z.object({
    ids: z
      .array(z.string().uuid('each id must be a contract id'), { message: 'ids must be a list of contract ids' })
      .min(1, 'ids must name at least one contract')
      .max(max, `at most ${max} contracts per ${per}`)
      .refine((ids) => new Set(ids).size === ids.length, 'ids must not repeat a contract'),
  });

const input = contractIdsInput(COUNTERSIGN_MAX, 'call');

export interface CountersignOutcome {
  id: string;
  outcome: 'signed' | 'skipped' | 'failed';
  /** The contract's status after the call (absent when it was not found). */
  status?: string;
  /** Why it was skipped or failed, as the single-contract call would answer. */
  code?: string;
  message?: string;
  /** The failure is the service's (storage or the signing key unavailable): the same call may succeed later. */
  transient?: boolean;
}

/**
 * The utility seals, in one call, every contract of a set whose turn has come to it (a person signed
 * before it, or it signs first). Each is the same signature as the single call, one after another; a
 * contract not waiting for the utility is skipped, one that fails is reported and the rest go on. A retried
 * call signs nothing twice: those already sealed are skipped as already_signed.
 */
export function createCountersign(deps: { contracts: Pick<ContractService, 'get'>; signing: Pick<SigningService, 'signByUtility'> }) {
  /** One contract's outcome; a failure the single call would answer is an outcome, anything else throws. */
  async function one(ctx: RequestContext, id: string): Promise<CountersignOutcome> {
    try {
      const contract = await deps.contracts.get(scopeOfContext(ctx), id);
      const next = [...contract.signers].sort((a, b) => a.order - b.order).find((s) => s.status !== 'signed');
      const utility = contract.signers.find((s) => s.kind === 'organisation');
      if (!utility || utility.status === 'signed') {
        return { id, outcome: 'skipped', status: contract.status, code: 'already_signed', message: 'The utility has signed this contract already' };
      }
      if (next?.id !== utility.id || (contract.status !== 'awaiting_signatures' && contract.status !== 'partially_signed')) {
        return { id, outcome: 'skipped', status: contract.status, code: 'not_waiting_for_utility', message: `The contract is ${contract.status}; ${next && next.id !== utility.id ? `${next.label} signs first` : 'it cannot be signed'}` };
      }
      const signed = await deps.signing.signByUtility(ctx, id, utility.id);
      return { id, outcome: 'signed', status: signed.status };
    } catch (err) {
      if (!(err instanceof DomainError)) throw err;
      return { id, outcome: 'failed', code: err.code, message: err.message, ...(err.kind === 'unavailable' ? { transient: true } : {}) };
    }
  }

  return {
    one,
    async many(ctx: RequestContext, body: unknown): Promise<{ signed: number; skipped: number; failed: number; results: CountersignOutcome[] }> {
      const parsed = input.safeParse(body ?? {});
      if (!parsed.success) {
        throw invalidBody(parsed.error);
      }
      const results: CountersignOutcome[] = [];
      for (const id of parsed.data.ids) results.push(await one(ctx, id));
      const count = (o: CountersignOutcome['outcome']) => results.filter((r) => r.outcome === o).length;
      return { signed: count('signed'), skipped: count('skipped'), failed: count('failed'), results };
    },
  };
}

export type Countersign = ReturnType<typeof createCountersign>;
