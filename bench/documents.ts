import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { createDocumentRenderer, loadTemplates, type Party } from '../src/documents/index.js';
import { stats } from './stats.js';

const WARMUP = 5;
const RUNS = 50;

const utility: Party = {
  name: '三亚中法供水有限公司',
  creditCode: '914602006200123456',
  address: '海南省三亚市吉阳区新风街 288 号',
  phone: '0898-88271234',
  legalRepresentative: '李明',
};

const round = (n: number) => Math.round(n * 100) / 100;

/** Median/p99 generation time per template (fonts parsed once, after warm-up) and peak RSS. */
export async function benchDocuments(): Promise<Record<string, unknown>> {
  const root = join(dirname(fileURLToPath(import.meta.url)), '..');
  const registry = await loadTemplates(join(root, 'templates'));
  const started = performance.now();
  const renderer = await createDocumentRenderer();
  const result: Record<string, unknown> = { fontLoadMs: round(performance.now() - started), runs: RUNS, warmup: WARMUP };
  for (const template of registry.list()) {
    const input = {
      template,
      variables: template.example,
      contractNumber: 'SY-2025-000123',
      issuedAt: new Date('2025-03-01T02:00:00Z'),
      utility,
      place: '海南省三亚市',
    };
    let bytes = 0;
    for (let i = 0; i < WARMUP; i++) await renderer.render(input);
    const times: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      const t0 = performance.now();
      bytes = (await renderer.render(input)).length;
      times.push(performance.now() - t0);
    }
    result[`${template.id}@v${template.version}`] = { ms: stats(times), bytes };
  }
  result.peakRssMB = round(process.resourceUsage().maxRSS / 1024);
  return result;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  console.log(JSON.stringify(await benchDocuments(), null, 2));
}
