import { mkdir, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { benchBatches } from './batches.js';
import { benchDocuments } from './documents.js';
import { benchHostile } from './hostile.js';
import { benchSignPage } from './signPage.js';
import { benchSigning } from './signing.js';
import { benchVerification } from './verification.js';
import { benchWorkflow } from './workflow.js';

/** `npm run bench`: every measured figure in one JSON report, also written to bench/results/latest.json. */
const report: Record<string, unknown> = {
  measuredAt: new Date().toISOString(),
  node: process.version,
  documents: await benchDocuments(),
  signing: await benchSigning(),
  verification: await benchVerification(),
  hostile: await benchHostile(),
  workflow: await benchWorkflow(),
  batches: await benchBatches(),
  signPage: await benchSignPage(),
};
report.peakRssMB = Math.round(process.resourceUsage().maxRSS / 1024);
const out = fileURLToPath(new URL('./results/', import.meta.url));
await mkdir(out, { recursive: true });
await writeFile(`${out}latest.json`, `${JSON.stringify(report, null, 2)}\n`);
console.log(JSON.stringify(report, null, 2));
