import { createHash } from 'node:crypto';
import { setImmediate as yieldToEvents } from 'node:timers/promises';
import type { Logger } from 'pino';
import type { Database } from '../storage/db/database.js';
import { batchRepository, type BatchRow, type ItemRow, type ItemStatus } from '../storage/db/batchRepository.js';
import { DomainError } from '../domain/errors.js';
import type { RequestContext } from '../domain/requestContext.js';
import type { PersonalData } from '../domain/personalData.js';
import type { ContractService } from '../contracts/contractService.js';
import type { Countersign } from '../ceremony/countersign.js';
import { itemRequest } from './batchService.js';

export interface BatchWorkerDeps {
  db: Database;
  contracts: Pick<ContractService, 'create'>;
  countersign: Pick<Countersign, 'one'>;
  personalData: PersonalData;
  log: Logger;
  /** Items worked on at once in this instance (each lane takes a few at a time). */
  concurrency: number;
  /** How long a claimed item is this instance's; an instance that dies gives its items up after it. */
  leaseMs: number;
  pollMs?: number;
  /** Requests in flight on this instance: an item waits for them (up to a bound), so people come first. */
  requests?: { idle(timeoutMs: number): Promise<boolean> };
}

/** Items a lane claims at once: few, so a lease is short work and another instance finds the rest. */
const CHUNK = 5;
/** Attempts before an item is given up: a storage outage is waited out, an item that kills its worker is not retried for ever. */
const MAX_ATTEMPTS = 6;
/** How long an item waits for this instance's requests to finish: a steady stream of them slows a batch, never stops it. */
const MAX_WAIT_FOR_REQUESTS_MS = 100;
/** 5 s, 20 s, 80 s … capped at ten minutes. */
const retryDelayMs = (attempts: number) => Math.min(5000 * 4 ** (attempts - 1), 600_000);

type Outcome = { status: ItemStatus; contractId?: string; code?: string; error?: ItemRow['error'] } | { retry: ItemRow['error'] };

/**
 * Works off batch items from the shared queue in PostgreSQL (PGlite for the embedded default): items are
 * leased under SKIP LOCKED, so several instances share a batch and one that is killed mid-way leaves its
 * items to the others once their lease runs out. An item is made with an idempotency key of its
 * organisation, template and reference, written in the contract's own transaction: an item worked twice
 * (its worker died after the contract was made and before the item was settled) finds the first contract.
 * Between items it yields to the event loop and lets the requests in flight finish first, so interactive
 * signing keeps its latency while a batch runs.
 */
export function createBatchWorker(deps: BatchWorkerDeps) {
  const { db, log } = deps;
  let stopped = true;
  const lanes: Promise<void>[] = [];
  const sleepers = new Set<() => void>();

  const contextOf = (batch: BatchRow): RequestContext => ({
    actor: batch.requested_by.actor,
    organisationId: batch.organisation_id,
    ...(batch.requested_by.ip ? { ip: batch.requested_by.ip } : {}),
    ...(batch.requested_by.userAgent ? { userAgent: batch.requested_by.userAgent } : {}),
  });

  async function issue(batch: BatchRow, item: ItemRow): Promise<Outcome> {
    if (!item.variables || item.reference === null) return { status: 'failed', code: 'item_data_missing', error: { message: 'The item holds no variables' } };
    const variables = deps.personalData.openVariables(`batch:${batch.id}:${item.idx}`, item.variables);
    const key = `batch-item:${createHash('sha256').update(`${batch.template_id}\n${item.reference}`).digest('base64url')}`;
    try {
      const { contract, replayed } = await deps.contracts.create(
        contextOf(batch),
        itemRequest(batch, { reference: item.reference, variables, priority: item.priority }),
        { principal: `organisation:${batch.organisation_id}`, key },
        { batchId: batch.id },
      );
      return { status: replayed ? 'existing' : 'created', contractId: contract.id };
    } catch (err) {
      if (err instanceof DomainError && err.kind !== 'unavailable') {
        if (err.code === 'idempotency_key_reused') {
          return {
            status: 'failed',
            code: 'reference_conflict',
            error: { message: `A contract from template ${batch.template_id} was made for reference "${item.reference}" from different data; give the item a reference of its own or void that contract` },
          };
        }
        return { status: 'failed', code: err.code, error: { message: err.message, ...(err.details ? { details: err.details } : {}) } };
      }
      return { retry: { message: (err as Error).message } };
    }
  }

  async function countersign(batch: BatchRow, item: ItemRow): Promise<Outcome> {
    const r = await deps.countersign.one(contextOf(batch), item.contract_id!);
    if (r.outcome === 'signed') return { status: 'signed' };
    if (r.transient) return { retry: { message: r.message ?? '' } };
    return { status: r.outcome, code: r.code ?? r.outcome, error: { message: r.message ?? '' } };
  }

  async function work(batch: BatchRow, item: ItemRow): Promise<void> {
    let outcome: Outcome;
    if (item.attempts > MAX_ATTEMPTS) {
      outcome = { status: 'failed', code: 'attempts_exhausted', error: { message: `Given up after ${MAX_ATTEMPTS} attempts${item.error?.message ? `: ${item.error.message}` : ''}` } };
    } else {
      try {
        outcome = batch.kind === 'issue' ? await issue(batch, item) : await countersign(batch, item);
      } catch (err) {
        outcome = { retry: { message: (err as Error).message } };
      }
    }
    if ('retry' in outcome) {
      log.warn({ batchId: batch.id, index: item.idx, attempts: item.attempts, err: outcome.retry?.message }, 'batch item failed; it is tried again later');
      await batchRepository.retryLater(db, item, retryDelayMs(item.attempts), outcome.retry);
    } else if (!(await batchRepository.settle(db, item, outcome))) {
      log.warn({ batchId: batch.id, index: item.idx }, 'batch item lease lapsed before its outcome was written; it is worked again');
    }
  }

  const worker = {
    /** Works off up to `limit` due items; returns how many it claimed. */
    async runOnce(limit = CHUNK): Promise<number> {
      const items = await batchRepository.claim(db, limit, deps.leaseMs);
      if (items.length === 0) return 0;
      // Timed by this process's clock from the claim, never compared with the database's.
      const claimedAt = Date.now();
      const batchIds = [...new Set(items.map((i) => i.batch_id))];
      const batches = new Map((await batchRepository.byIds(db, batchIds)).map((b) => [b.id, b]));
      for (const item of items) {
        await deps.requests?.idle(MAX_WAIT_FOR_REQUESTS_MS);
        // An item whose lease is more than half gone (a slow store held up the ones before it) is left to
        // lapse and be claimed again, rather than worked while another instance may take it.
        if (Date.now() - claimedAt > deps.leaseMs / 2) continue;
        await work(batches.get(item.batch_id)!, item).catch((err) => log.error({ err, batchId: item.batch_id, index: item.idx }, 'batch item could not be settled'));
        await yieldToEvents();
      }
      await batchRepository.advance(db, batchIds);
      return items.length;
    },

    start(pollMs = deps.pollMs ?? 1000): void {
      if (!stopped) return;
      stopped = false;
      const pause = () => new Promise<void>((resolve) => {
        const wake = () => {
          clearTimeout(timer);
          sleepers.delete(wake);
          resolve();
        };
        const timer = setTimeout(wake, pollMs);
        timer.unref();
        sleepers.add(wake);
      });
      for (let i = 0; i < deps.concurrency; i++) {
        lanes.push(
          (async () => {
            while (!stopped) {
              const n = await worker.runOnce().catch((err) => {
                log.error({ err }, 'batch worker run failed');
                return 0;
              });
              if (n === 0 && !stopped) await pause();
            }
          })(),
        );
      }
    },

    /** Wakes the lanes: a batch just accepted starts now rather than at the next poll. */
    nudge(): void {
      for (const wake of [...sleepers]) wake();
    },

    async stop(): Promise<void> {
      stopped = true;
      worker.nudge();
      await Promise.all(lanes.splice(0));
    },
  };
  return worker;
}

export type BatchWorker = ReturnType<typeof createBatchWorker>;
