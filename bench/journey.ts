import { performance } from 'node:perf_hooks';

/** The calls of one contract's journey, in order; latencies are reported per call. */
export const CALLS = ['create', 'otp', 'sign', 'download', 'verify'] as const;
export type Call = (typeof CALLS)[number];

export interface JourneyOptions {
  /** Base URLs of the instances; consecutive calls of a journey go to different instances round-robin. */
  urls: string[];
  workflowKey: string;
  auditorKey: string;
  templateId: string;
  variables: Record<string, unknown>;
  /** Same key on every instance: the create is idempotent per key. */
  idempotencyKey?: string;
  /** Also send the create to the next instance with the same key, concurrently (idempotency across instances). */
  duplicateCreate?: boolean;
  skipVerify?: boolean;
  timeoutMs?: number;
}

export interface JourneyResult {
  contractId: string;
  latencies: Partial<Record<Call, number>>;
  status: string;
}

export class JourneyError extends Error {
  constructor(readonly call: Call, readonly status: number, body: string) {
    super(`${call} answered ${status}: ${body.slice(0, 300)}`);
  }
}

let turn = 0;

/**
 * What the API promises a client: a 503 (storage or database briefly unavailable) may be retried after
 * Retry-After; a journey does so a few times, with the wait capped so a run stays bounded.
 */
async function send(url: string, init: () => RequestInit, retries = 3): Promise<Response> {
  for (let attempt = 0; ; attempt++) {
    const res = await fetch(url, init());
    if (res.status !== 503 || attempt >= retries) return res;
    await res.arrayBuffer();
    const wait = Math.min(Number(res.headers.get('retry-after') ?? 1), 1) * 250 * (attempt + 1);
    await new Promise((r) => setTimeout(r, wait));
  }
}

async function call(
  name: Call,
  lat: JourneyResult['latencies'],
  url: string,
  init: RequestInit & { expect: number[] },
): Promise<Response> {
  const t = performance.now();
  const res = await send(url, () => init);
  if (!init.expect.includes(res.status)) throw new JourneyError(name, res.status, await res.text());
  lat[name] = performance.now() - t;
  return res;
}

/** create → applicant code (developmentCode) → applicant sign (utility auto-signs) → download → verify. */
export async function runJourney(o: JourneyOptions): Promise<JourneyResult> {
  const lat: JourneyResult['latencies'] = {};
  const pick = () => o.urls[turn++ % o.urls.length];
  const signal = () => AbortSignal.timeout(o.timeoutMs ?? 30_000);
  const json = (key: string) => ({ authorization: `Bearer ${key}`, 'content-type': 'application/json' });
  const body = JSON.stringify({ templateId: o.templateId, reference: `LOAD-${Math.random().toString(36).slice(2)}`, variables: o.variables });
  const createHeaders = { ...json(o.workflowKey), ...(o.idempotencyKey ? { 'idempotency-key': o.idempotencyKey } : {}) };

  const t0 = performance.now();
  const first = pick();
  const create = (base: string) => send(`${base}/api/v1/contracts`, () => ({ method: 'POST', headers: createHeaders, body, signal: signal() }));
  const creates = [create(first)];
  if (o.duplicateCreate) creates.push(create(pick()));
  const answers = await Promise.all(creates);
  const contracts = [];
  for (const res of answers) {
    if (res.status !== 201 && res.status !== 200) throw new JourneyError('create', res.status, await res.text());
    contracts.push(await res.json());
  }
  lat.create = performance.now() - t0;
  const contract = contracts[0] as { id: string; signers: { signingUrl?: string }[] };
  if (contracts.some((c) => c.id !== contract.id)) throw new Error(`one Idempotency-Key gave two contracts: ${contracts.map((c) => c.id)}`);

  const token = contract.signers[0].signingUrl!.split('/').pop()!;
  const otp = await call('otp', lat, `${pick()}/api/v1/signing/${token}/otp`, {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}', signal: signal(), expect: [202],
  });
  const code = ((await otp.json()) as { developmentCode?: string }).developmentCode;
  if (!code) throw new Error('no developmentCode: run the service with NODE_ENV=development and without SMS_WEBHOOK_URL');

  const t1 = performance.now();
  const signed = await send(`${pick()}/api/v1/signing/${token}/sign`, () => ({
    method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ otp: code, consent: true }), signal: signal(),
  }));
  if (signed.status !== 200) throw new JourneyError('sign', signed.status, await signed.text());
  // The answer is the contract (older API) or the link holder's progress view with the contract inside.
  const answer = (await signed.json()) as { status?: string; contract?: { status: string } };
  const after = { status: answer.status ?? answer.contract?.status ?? 'unknown' };
  lat.sign = performance.now() - t1;

  const t2 = performance.now();
  const doc = await send(`${pick()}/api/v1/contracts/${contract.id}/document`, () => ({ headers: { authorization: `Bearer ${o.auditorKey}` }, signal: signal() }));
  if (doc.status !== 200) throw new JourneyError('download', doc.status, await doc.text());
  const pdf = Buffer.from(await doc.arrayBuffer());
  lat.download = performance.now() - t2;

  if (!o.skipVerify) {
    const t3 = performance.now();
    const v = await send(`${pick()}/api/v1/verify`, () => ({
      method: 'POST', headers: { authorization: `Bearer ${o.auditorKey}`, 'content-type': 'application/pdf' }, body: pdf, signal: signal(),
    }));
    if (v.status !== 200) throw new JourneyError('verify', v.status, await v.text());
    await v.arrayBuffer();
    lat.verify = performance.now() - t3;
  }
  return { contractId: contract.id, latencies: lat, status: after.status };
}

/** Runs fn for 0..n-1 with at most `limit` in flight. */
export async function withConcurrency<T>(n: number, limit: number, fn: (i: number) => Promise<T>): Promise<PromiseSettledResult<T>[]> {
  const out: PromiseSettledResult<T>[] = new Array(n);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, n) }, async () => {
      while (next < n) {
        const i = next++;
        try {
          out[i] = { status: 'fulfilled', value: await fn(i) };
        } catch (reason) {
          out[i] = { status: 'rejected', reason };
        }
      }
    }),
  );
  return out;
}
