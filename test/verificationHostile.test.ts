// Files built to exhaust the verifier: each must end with its proper answer (a verdict, or a 422
// code) without the process's memory exploding, and a worker that hits a limit must be replaced.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createVerifyPool, PdfInputError, VerifierBusyError, verifyPdf, type VerifyPool } from '../src/verification/index.js';
import { makeGenuine, type Genuine } from './helpers/attackCorpus.js';
import { dssBomb, heapBomb, HOSTILE_CASES, plainDocument, xrefStreamReuse } from './helpers/hostileCorpus.js';

const MB = 1024 * 1024;
/** Peak resident memory of this process so far (maxRSS is in KiB). */
const peakRss = () => process.resourceUsage().maxRSS * 1024;

describe('hostile files, verified in-process', () => {
  for (const c of HOSTILE_CASES) {
    it(`${c.name} → ${'verdict' in c.expect ? c.expect.verdict : c.expect.code}, with bounded memory`, async () => {
      const pdf = c.pdf();
      const before = peakRss();
      const outcome = await verifyPdf(pdf, { trustAnchors: [] }).then(
        (r) => ({ verdict: r.verdict }),
        (e: unknown) => {
          expect(e).toBeInstanceOf(PdfInputError);
          return { code: (e as PdfInputError).code };
        },
      );
      expect(outcome).toEqual(c.expect);
      // One 60 MiB stream decoded (and once predicted) fits; one decode per reference or section does not.
      expect(peakRss() - before).toBeLessThan(400 * MB);
    });
  }

  it('a DSS naming one stream many times is read once and says so', async () => {
    const r = await verifyPdf(dssBomb(200), { trustAnchors: [] });
    expect(r.warnings).toContain('DSS /Certs lists the same objects again 199 times; each was read once');
  });
});

describe('verification worker pool', () => {
  let g: Genuine;
  const pools: VerifyPool[] = [];
  const pool = (o: Partial<Parameters<typeof createVerifyPool>[0]> = {}) => {
    const p = createVerifyPool({ threads: 1, maxQueue: 0, timeoutMs: 60_000, heapMb: 256, ...o });
    pools.push(p);
    return p;
  };
  beforeAll(async () => {
    g = await makeGenuine();
  });
  afterAll(async () => {
    await Promise.all(pools.map((p) => p.close()));
    await g?.close();
  });

  it('gives the same report as in-process verification, the registry and revocation answered on the main thread', async () => {
    const p = pool();
    const asked: string[][] = [];
    let revocationChecks = 0;
    const local = g.revocationSource();
    const opts = {
      trustAnchors: [g.rootDer],
      validationTime: new Date(),
      revocation: {
        status(cert: Buffer, issuer: Buffer) {
          expect(Buffer.isBuffer(cert) && Buffer.isBuffer(issuer)).toBe(true);
          revocationChecks++;
          return local.status(cert, issuer);
        },
      },
      registry: {
        async lookup(sha256s: string[]) {
          asked.push(sha256s);
          return [{ sha256: sha256s[0], contractId: 'c-1', version: 3 }];
        },
      },
    };
    const inWorker = await p.verify(g.twoSignatures, opts);
    expect(inWorker.verdict).toBe('valid');
    expect(inWorker.registered).toMatchObject({ matched: true, contractId: 'c-1', version: 3 });
    expect(asked.length).toBe(1);
    expect(revocationChecks).toBeGreaterThan(0);
    expect(inWorker.signatures.map((s) => s.revocation.status)).toEqual(['good', 'good']);
    // The source stamps each answer with the time it was asked.
    const untimed = (r: unknown) => JSON.parse(JSON.stringify(r, (k, v: unknown) => (k === 'checkedAt' ? undefined : v)));
    expect(untimed(inWorker)).toEqual(untimed(await verifyPdf(g.twoSignatures, opts)));
  });

  it('a failing source reaches the caller as itself, not as a worker error', async () => {
    class DatabaseDown extends Error {}
    const down = new DatabaseDown('connection refused');
    const err = await pool()
      .verify(g.twoSignatures, { trustAnchors: [g.rootDer], registry: { lookup: () => Promise.reject(down) } })
      .catch((e: unknown) => e);
    expect(err).toBe(down);
  });

  it('over the wall-time limit: pdf_too_complex, and the replacement worker verifies the next file', async () => {
    const p = pool({ timeoutMs: 20 });
    const err = await p.verify(xrefStreamReuse(300, { predictor: true }), { trustAnchors: [] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PdfInputError);
    expect(err).toMatchObject({ code: 'pdf_too_complex', message: 'verifying the file took longer than 0.02 s' });
    expect((await p.verify(plainDocument(), { trustAnchors: [] })).verdict).toBe('no_signatures');
  });

  it('over the heap limit: pdf_too_complex, and the pool keeps verifying', async () => {
    const p = pool({ heapMb: 64 });
    const err = await p.verify(heapBomb(4_000_000), { trustAnchors: [] }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'pdf_too_complex', message: 'verifying the file needed more than 64 MB of memory' });
    expect((await p.verify(plainDocument(), { trustAnchors: [] })).verdict).toBe('no_signatures');
  });

  it('every worker busy and no queue left: VerifierBusyError at once', async () => {
    const p = pool();
    const started = new Promise((resolve) => p.events.once('start', resolve));
    const first = p.verify(xrefStreamReuse(300, { predictor: true }), { trustAnchors: [] });
    await started;
    await expect(p.verify(plainDocument(), { trustAnchors: [] })).rejects.toBeInstanceOf(VerifierBusyError);
    expect((await first).verdict).toBe('no_signatures');
  });
});

describe('esign-verify CLI on a file over the decode budget', () => {
  it('exits 2 with pdf_too_complex, though the limit is only hit after openPdf', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'esign-hostile-')), 'bomb.pdf');
    writeFileSync(file, dssBomb(10, 2));
    const r = spawnSync(process.execPath, [join(process.cwd(), 'bin', 'esign-verify.mjs'), file, '--json'], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(2);
    expect(JSON.parse(r.stdout).error.code).toBe('pdf_too_complex');
  });
});
