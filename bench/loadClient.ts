import { performance } from 'node:perf_hooks';
import { CALLS, runJourney, type Call } from './journey.js';

/**
 * The load generator, run as its own process by bench/load.ts so that its CPU is not counted as the
 * service's. Input: one JSON argument; output: one JSON line on stdout.
 */
interface ClientInput {
  urls: string[];
  concurrency: number;
  durationMs: number;
  workflowKey: string;
  auditorKey: string;
  templateId: string;
  variables: Record<string, unknown>;
}

const input = JSON.parse(process.argv[2]) as ClientInput;
const latencies: Record<Call, number[]> = Object.fromEntries(CALLS.map((c) => [c, []])) as unknown as Record<Call, number[]>;
const journeys: number[] = [];
const errors: string[] = [];
let completed = 0;
let failed = 0;

const started = performance.now();
const deadline = started + input.durationMs;
await Promise.all(
  Array.from({ length: input.concurrency }, async () => {
    while (performance.now() < deadline) {
      const t = performance.now();
      try {
        const r = await runJourney({ ...input, timeoutMs: 30_000 });
        for (const c of CALLS) if (r.latencies[c] !== undefined) latencies[c].push(r.latencies[c]!);
        journeys.push(performance.now() - t);
        if (r.status === 'completed') completed++;
        else {
          failed++;
          if (errors.length < 10) errors.push(`contract ${r.contractId} ended ${r.status}`);
        }
      } catch (err) {
        failed++;
        if (errors.length < 10) errors.push((err as Error).message);
      }
    }
  }),
);
const elapsedMs = performance.now() - started;

function pct(xs: number[], p: number): number | null {
  if (xs.length === 0) return null;
  const s = [...xs].sort((a, b) => a - b);
  return Math.round(s[Math.min(s.length - 1, Math.ceil(p * s.length) - 1)] * 10) / 10;
}

process.stdout.write(
  `${JSON.stringify({
    elapsedMs: Math.round(elapsedMs),
    cpuSeconds: Math.round(((process.cpuUsage().user + process.cpuUsage().system) / 1e6) * 100) / 100,
    completed,
    failed,
    contractsPerSecond: Math.round((completed / (elapsedMs / 1000)) * 10) / 10,
    latencyMs: Object.fromEntries(
      [...CALLS.map((c) => [c, latencies[c]] as const), ['journey', journeys] as const].map(([c, xs]) => [c, { p50: pct(xs, 0.5), p99: pct(xs, 0.99), n: xs.length }]),
    ),
    errors,
  })}\n`,
);
