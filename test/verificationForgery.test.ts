// A document timestamp proves that bytes existed, never that anyone agreed: files whose "signatures"
// are timestamps anyone can obtain must never verify as signed.
import { spawnSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyPdf, type VerificationReport } from '../src/verification/index.js';
import { makeGenuine, type Genuine } from './helpers/attackCorpus.js';
import { timestampInExistingField, timestampInNewField, timestampOnlyPdf } from './helpers/forgeries.js';

let g: Genuine;
let issuingDer: Buffer;
beforeAll(async () => {
  g = await makeGenuine();
  issuingDer = Buffer.from(new X509Certificate(g.pki.issuingPem()).raw);
}, 120_000);
afterAll(async () => {
  await g?.close();
});

const verify = (pdf: Buffer) => verifyPdf(pdf, { trustAnchors: [g.rootDer], revocation: g.revocationSource(), revocationPolicy: 'best_effort' });
const sig = (r: VerificationReport, field: string) => r.signatures.find((s) => s.fieldName === field)!;

describe('document timestamps are not signatures', () => {
  it('a file whose only signature is a genuine document timestamp has no signatures; the timestamp is listed', async () => {
    const r = await verify(await timestampOnlyPdf(g.pki, issuingDer));
    expect(r.verdict).toBe('no_signatures');
    expect(r.signatures.map((s) => [s.fieldName, s.type, s.integrity.status])).toEqual([['DocTimeStamp', 'document_timestamp', 'ok']]);
  });

  it('esign-verify exits 3 (no signatures) for it and says why', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'esign-forgery-'));
    writeFileSync(join(dir, 'stamp.pdf'), await timestampOnlyPdf(g.pki, issuingDer));
    writeFileSync(join(dir, 'root.pem'), new X509Certificate(g.rootDer).toString());
    const run = spawnSync('node', [join(process.cwd(), 'bin', 'esign-verify.mjs'), join(dir, 'stamp.pdf'), '--trust', join(dir, 'root.pem')], { encoding: 'utf8' });
    expect(run.status).toBe(3);
    expect(run.stdout).toContain('verdict: NO_SIGNATURES');
    expect(run.stdout).toContain('only document timestamps');
  });

  it('a document timestamp filling the empty utility field (with a drawn seal) is a disallowed change: invalid', async () => {
    const forged = await timestampInExistingField(g.pki, g.oneSignature, 'sig_utility', true);
    const r = await verify(forged);
    expect(r.verdict).toBe('invalid');
    const applicant = sig(r, 'sig_applicant');
    expect(applicant.verdict).toBe('invalid');
    expect(applicant.modificationsAfter.disallowed.map((m) => m.what)).toContain('timestamp_in_existing_field');
    expect(sig(r, 'sig_utility').type).toBe('document_timestamp');
  });

  it('without the drawn seal it is still not allowed to fill a field that existed before', async () => {
    const r = await verify(await timestampInExistingField(g.pki, g.oneSignature, 'sig_utility', false));
    expect(sig(r, 'sig_applicant').verdict).toBe('invalid');
    expect(sig(r, 'sig_applicant').modificationsAfter.disallowed.map((m) => m.what)).toContain('timestamp_in_existing_field');
  });

  it('a document timestamp in a new field is fine with a zero Rect, not with one whose indirect numbers give it an area', async () => {
    const n = new (await import('../src/pdf/pdfReader.js')).PdfReader(g.twoSignatures).size;
    const zero = await verify(await timestampInNewField(g.pki, g.twoSignatures, '[0 0 0 0]'));
    expect(sig(zero, 'sig_utility').modificationsAfter.disallowed).toEqual([]);
    const sized = await verify(await timestampInNewField(g.pki, g.twoSignatures, `[0 0 ${n + 2} 0 R ${n + 3} 0 R]`, [[n + 2, '300'], [n + 3, '200']]));
    expect(sig(sized, 'sig_utility').verdict).toBe('invalid');
    expect(sig(sized, 'sig_utility').modificationsAfter.disallowed.map((m) => m.what)).toContain('timestamp_visible_field');
  });
});
