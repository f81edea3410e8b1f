// The hostile corpus (test/helpers/hostileCorpus.ts): wall time and peak memory of one in-process
// verifyPdf per file. Each file runs in its own child process, so one file's peak is not hidden by
// an earlier one's and the figure is what verifying that file costs a fresh process.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { verifyPdf } from '../src/verification/index.js';
import { HOSTILE_CASES } from '../test/helpers/hostileCorpus.js';

const MB = 1024 * 1024;

/**
 * VmHWM, the peak of this process image only: getrusage's maxRSS would carry the parent's RSS over
 * fork and exec, and hide what the file cost.
 */
function peakRssOfThisProcessMB(): number {
  const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
  return m ? Math.round(Number(m[1]) / 1024) : NaN;
}

/** Child: verifies one file, prints its figures as JSON. */
async function measureOne(file: string): Promise<Record<string, unknown>> {
  const pdf = readFileSync(file);
  const rssBeforeMB = Math.round(process.memoryUsage().rss / MB);
  const t = performance.now();
  const outcome = await verifyPdf(pdf, { trustAnchors: [] }).then(
    (r) => r.verdict,
    (e: { code?: string }) => e.code ?? String(e),
  );
  const ms = Math.round((performance.now() - t) * 10) / 10;
  const peakRssMB = peakRssOfThisProcessMB();
  return { outcome, ms, rssBeforeMB, peakRssMB, growthMB: peakRssMB - rssBeforeMB };
}

export async function benchHostile(): Promise<Record<string, unknown>> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'esign-bench-hostile-'));
  const self = fileURLToPath(import.meta.url);
  const tsx = pathToFileURL(path.resolve('node_modules/tsx/dist/loader.mjs')).href;
  try {
    const files: Record<string, unknown> = {};
    for (const [i, c] of HOSTILE_CASES.entries()) {
      const file = path.join(dir, `${i}.pdf`);
      const pdf = c.pdf();
      writeFileSync(file, pdf);
      const out = execFileSync(process.execPath, ['--import', tsx, self, '--one', file], { encoding: 'utf8' });
      const expected = 'verdict' in c.expect ? c.expect.verdict : c.expect.code;
      files[c.name] = { bytes: pdf.length, expected, ...JSON.parse(out) };
    }
    return { note: 'verifyPdf in a fresh process per file; peak = VmHWM of that process', files };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[2] === '--one') {
  console.log(JSON.stringify(await measureOne(process.argv[3])));
} else if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  console.log(JSON.stringify(await benchHostile(), null, 2));
}
