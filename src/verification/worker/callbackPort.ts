// verifyPdf asks questions only the main thread can answer: is a file one this service issued and
// who were its parties (SQL), and what is a certificate's status in this service's own PKI. In a worker both become
// numbered calls over a MessagePort, answered by the real sources on the main thread.
import type { MessagePort } from 'node:worker_threads';
import type { DocumentRegistry, RevocationSource } from '../types.js';

export interface Sources {
  revocation?: RevocationSource;
  registry?: DocumentRegistry;
}

type Call =
  | { id: number; method: 'revocation'; args: [Uint8Array, Uint8Array] }
  | { id: number; method: 'registry'; args: [string[]] }
  | { id: number; method: 'contract'; args: [string] };
type Reply = { id: number; result?: unknown; error?: string };
/** What the worker sends: that it began (the wall-time limit starts then, not while queued), or a call. */
export type WorkerMessage = { started: true } | { call: Call };

/** Main thread: answers the worker's calls; `failure` is the first error a source threw, kept whole. */
export function answerCalls(port: MessagePort, sources: Sources, onStarted: () => void): { failure?: unknown } {
  const state: { failure?: unknown } = {};
  port.on('message', (m: WorkerMessage) => {
    if ('started' in m) return onStarted();
    const { id, method, args } = m.call;
    const answer: Promise<unknown> =
      method === 'revocation'
        ? sources.revocation!.status(Buffer.from(args[0]), Buffer.from(args[1]))
        : method === 'registry'
          ? sources.registry!.lookup(args[0])
          : (sources.registry!.contract?.(args[0]) ?? Promise.resolve(undefined));
    answer.then(
      (result) => port.postMessage({ id, result } satisfies Reply),
      (err: unknown) => {
        state.failure ??= err;
        port.postMessage({ id, error: err instanceof Error ? err.message : String(err) } satisfies Reply);
      },
    );
  });
  return state;
}

/** Worker: the sources the caller had, each call a round trip to the main thread. */
export function remoteSources(port: MessagePort, has: { revocation: boolean; registry: boolean }): Sources {
  let next = 0;
  const pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  port.on('message', (r: Reply) => {
    const p = pending.get(r.id);
    pending.delete(r.id);
    if (r.error !== undefined) p?.reject(new Error(r.error));
    else p?.resolve(r.result);
  });
  const call = <T>(c: Omit<Call, 'id'>): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      const id = next++;
      pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      port.postMessage({ call: { ...c, id } as Call } satisfies WorkerMessage);
    });
  return {
    revocation: has.revocation ? { status: (cert, issuer) => call({ method: 'revocation', args: [cert, issuer] }) } : undefined,
    registry: has.registry
      ? { lookup: (sha256s) => call({ method: 'registry', args: [sha256s] }), contract: (contractId) => call({ method: 'contract', args: [contractId] }) }
      : undefined,
  };
}
