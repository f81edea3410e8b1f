import { createHash, X509Certificate } from 'node:crypto';
import { execFile, execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PDFDocument } from 'pdf-lib';
import { createEvidenceReport, evidenceBlocks, type EvidenceInput, type EvidenceSigner } from '../src/documents/evidenceReport.js';
import { createDocumentRenderer, type DocumentRenderer } from '../src/documents/index.js';
import { loadOrCreatePki, type Pki } from '../src/pki/index.js';
import type { Database } from '../src/storage/db/database.js';
import { migrate } from '../src/storage/db/migrate.js';
import { freshDatabase, type TestDatabase } from './support/databases.js';
import { skipUnless } from './support/checkers.js';

const utility = { name: '三亚市示范供水有限公司', creditCode: '91460200MA5RC0XQ1H' };
const workDir = mkdtempSync(join(tmpdir(), 'evidence-test-'));
let fileNo = 0;
function writePdf(bytes: Uint8Array): string {
  const file = join(workDir, `report-${++fileNo}.pdf`);
  writeFileSync(file, bytes);
  return file;
}
function runAsync(cmd: string, args: string[]): Promise<string> {
  return new Promise((resolve) => {
    execFile(cmd, args, { encoding: 'utf8', timeout: 60_000 }, (_err, stdout, stderr) => resolve(`${stdout}${stderr}`));
  });
}
const sha = (s: string) => createHash('sha256').update(s).digest('hex');

let db: Database;
let database: TestDatabase;
let pki: Pki;
let signer: EvidenceSigner;
let renderer: DocumentRenderer;
let pkiServer: Server;

/**
 * The certificates name OCSP, CRL and CA-issuer URLs under publicUrl; pdfsig asks the OCSP responder
 * and reports "Unknown issue" when it is unreachable. A small server answers them from the PKI.
 */
async function startPkiServer(): Promise<string> {
  pkiServer = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', async () => {
      try {
        if (req.method === 'POST' && req.url === '/pki/ocsp') {
          const body = await pki.respondOcsp(Buffer.concat(chunks));
          res.writeHead(200, { 'content-type': 'application/ocsp-response' }).end(body);
        } else if (req.url === '/pki/crl/issuing.crl') {
          res.writeHead(200, { 'content-type': 'application/pkix-crl' }).end(await pki.crlDer());
        } else if (req.url === '/pki/issuing.pem') {
          res.writeHead(200, { 'content-type': 'application/x-pem-file' }).end(pki.issuingPem());
        } else {
          res.writeHead(404).end();
        }
      } catch {
        res.writeHead(500).end();
      }
    });
  });
  await new Promise<void>((resolve) => pkiServer.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(pkiServer.address() as AddressInfo).port}`;
}

/** A two-party contract signed by the applicant (event certificate) and then the utility. */
function sampleInput(eventCount = 15): EvidenceInput {
  const org = new X509Certificate(pki.organisationIdentity().certificate);
  const t0 = Date.parse('2026-03-02T01:15:30Z'); // 09:15:30 China time
  const at = (min: number) => new Date(t0 + min * 60_000).toISOString();
  const versions = [
    { version: 1, sha256: sha('v1'), size: 61_234, reason: 'generated', createdAt: at(0) },
    { version: 2, sha256: sha('v2'), size: 78_901, reason: 'signed:applicant', createdAt: at(12) },
    { version: 3, sha256: sha('v3'), size: 97_012, reason: 'signed:utility', createdAt: at(40) },
  ];
  const script: [string, string, string, string | null, number | null][] = [
    ['contract.created', 'api_key', 'key_workflow_01', '10.20.1.15', 1],
    ['signer.notified', 'system', 'system', null, 1],
    ['signer.viewed', 'signer', 'sgn_7f3a9c2e', '223.198.45.102', 1],
    ['document.downloaded', 'signer', 'sgn_7f3a9c2e', '223.198.45.102', 1],
    ['signer.code_sent', 'signer', 'sgn_7f3a9c2e', '223.198.45.102', 1],
    ['signer.code_failed', 'signer', 'sgn_7f3a9c2e', '223.198.45.102', 1],
    ['signer.code_sent', 'signer', 'sgn_7f3a9c2e', '223.198.45.102', 1],
    ['certificate.issued', 'signer', 'sgn_7f3a9c2e', '223.198.45.102', 1],
    ['signer.signed', 'signer', 'sgn_7f3a9c2e', '223.198.45.102', 2],
    ['signer.notified', 'system', 'system', null, 2],
    ['document.verified', 'api_key', 'key_auditor_02', '10.20.1.30', 2],
    ['signer.viewed', 'api_key', 'key_utility_01', '10.20.1.16', 2],
    ['signer.signed', 'api_key', 'key_utility_01', '10.20.1.16', 3],
    ['contract.completed', 'system', 'system', null, 3],
    ['document.downloaded', 'api_key', 'key_workflow_01', '2001:db8:85a3::8a2e:370:7334', 3],
  ];
  const events: EvidenceInput['events'] = [];
  let prev = '0'.repeat(64);
  for (let i = 0; i < eventCount; i++) {
    const [type, actorType, actorId, ip, version] = script[i % script.length];
    const hash = sha(`${i}:${type}:${prev}`);
    events.push({
      seq: i + 1, type, at: at(i * 3), actor: { type: actorType, id: actorId }, ip,
      document: version ? { version, sha256: versions[version - 1].sha256 } : null, hash, prevHash: prev,
    });
    prev = hash;
  }
  return {
    contract: {
      id: '0f5c2d1e-8a4b-4c3d-9e7f-1a2b3c4d5e6f', contractNumber: 'SYGS-2026-000123', title: '城市供用水合同',
      templateId: 'water-supply-contract', templateVersion: 1, templateSha256: sha('template'),
      reference: 'BZ-2026-0301-0042', status: 'completed', createdAt: at(0), completedAt: at(40),
    },
    versions,
    signers: [
      {
        order: 1, role: 'applicant', label: '用水人', kind: 'person', name: '王海燕', idType: 'resident_id',
        idNumberMasked: '4602**********2423', mobileMasked: '138****3210', status: 'signed',
        codeSentAt: [at(8), at(10)], codeVerifiedAt: at(11), signedAt: at(12),
        certificateSerial: '5A3F9C0B7E21D4C8A19F03B6E7D2C1A0F4E5B6C7', certificateIssuer: 'CN=Water eSign Issuing CA, O=三亚市示范供水有限公司, C=CN',
        timestampTime: at(12),
      },
      {
        order: 2, role: 'utility', label: '供水人', kind: 'organisation', name: utility.name, status: 'signed',
        codeSentAt: [], signedAt: at(40), certificateSerial: org.serialNumber, certificateIssuer: org.issuer.replace(/\n/g, ', '),
        timestampTime: at(40),
      },
    ],
    events,
    chainValid: true,
    // The report is signed at generatedAt: verifiers check the certificate at that time, so it must
    // fall within the freshly made organisation certificate's validity.
    generatedAt: new Date(),
    utility,
  };
}

beforeAll(async () => {
  database = await freshDatabase();
  db = database.db;
  await migrate(db);
  const publicUrl = await startPkiServer();
  pki = await loadOrCreatePki({ dataDir: join(workDir, 'pki'), masterKey: Buffer.alloc(32, 5), publicUrl, utility, db });
  signer = { identity: pki.organisationIdentity(), timestamp: { timestamp: (d) => pki.timestamp(d) } };
  renderer = await createDocumentRenderer();
});

afterAll(async () => {
  await new Promise((resolve) => pkiServer?.close(resolve));
  await database?.drop();
});

describe('evidence report', () => {
  let pdf: Uint8Array;
  let file: string;
  let input: EvidenceInput;

  beforeAll(async () => {
    input = sampleInput();
    pdf = await createEvidenceReport(input, signer, renderer);
    file = writePdf(pdf);
  });

  it('states the contract, every version digest, masked identities and every event', (ctx) => {
    skipUnless(ctx, 'pdftotext');
    const text = execFileSync('pdftotext', [file, '-'], { encoding: 'utf8' });
    const flat = text.replace(/\s+/g, '');
    expect(text).toContain('电子签约存证报告');
    expect(text).toContain('SYGS-2026-000123');
    expect(flat).toContain(input.contract.templateSha256);
    for (const v of input.versions) expect(flat).toContain(v.sha256);
    expect(text).toContain('4602**********2423');
    expect(text).toContain('138****3210');
    expect(text).toContain('王海燕');
    // No unmasked number exists anywhere in the input, so none can appear in the report. (Inside the hex
    // digests and serials 18 decimal digits in a row happen by chance: an ID number stands between non-hex characters.)
    expect(text).not.toMatch(/(?<![0-9a-f])\d{17}[\dX](?![0-9a-f])/i);
    for (const type of new Set(input.events.map((e) => e.type))) expect(flat).toContain(type);
    expect(text).toContain('签署方签署');
    expect(text).toContain('验证码错误');
    for (const e of input.events) expect(flat).toContain(e.hash.slice(0, 16));
    expect(text).toContain('哈希链校验结果：通过');
    expect(flat).toContain(input.events[input.events.length - 1].hash);
    expect(flat).toContain('2026-03-0209:15:30'); // first event, China time
    expect(flat).toContain('2001:db8:85a3::8a2e:370:7334'); // wrapped: wider than its column
    expect(flat).toContain(input.signers[1].certificateSerial!);
    expect(flat).toMatch(/第1页共\d+页/);
  });

  it('passes qpdf --check and embeds every font', (ctx) => {
    skipUnless(ctx, 'qpdf', 'pdffonts');
    const check = spawnSync('qpdf', ['--check', file], { encoding: 'utf8' });
    expect(check.status, check.stdout + check.stderr).toBe(0);
    expect(check.stdout).toContain('No syntax or stream encoding errors found');
    const fonts = execFileSync('pdffonts', [file], { encoding: 'utf8' }).split('\n').slice(2).filter((l) => l.trim());
    expect(fonts.length).toBeGreaterThan(0);
    for (const line of fonts) expect(line).toMatch(/CID TrueType\s+Identity-H\s+yes\s+yes\s+yes/);
  });

  it('carries one utility signature that pdfsig finds valid and covering the whole document', async (ctx) => {
    skipUnless(ctx, 'pdfsig', 'certutil');
    const nss = join(workDir, 'nss');
    execFileSync('mkdir', ['-p', nss]);
    writeFileSync(join(nss, 'root.pem'), pki.rootPem());
    execFileSync('certutil', ['-N', '-d', `sql:${nss}`, '--empty-password']);
    execFileSync('certutil', ['-A', '-d', `sql:${nss}`, '-n', 'esign-root', '-t', 'CT,C,C', '-i', join(nss, 'root.pem')]);
    const out = await runAsync('pdfsig', ['-nssdir', `sql:${nss}`, file]);
    console.log(`pdfsig: ${/Certificate Validation: .*/.exec(out)?.[0]}`);
    const blocks = out.split(/^Signature #\d+:$/m).slice(1);
    expect(blocks, out).toHaveLength(1);
    expect(blocks[0]).toContain('Signature Validation: Signature is Valid.');
    expect(blocks[0]).toContain('Total document signed');
    expect(blocks[0]).toContain('Signature Field Name: sig_utility');
    // The chain to pki.rootPem() is trusted, and the OCSP responder named in the certificate says "good".
    expect(blocks[0]).toContain('Certificate Validation: Certificate is Trusted.');
  });

  it('wraps long digests inside the page and renders a page image', async (ctx) => {
    const text = evidenceBlocks(input);
    expect(text[0]).toEqual({ kind: 'title', text: '电子签约存证报告' });
    skipUnless(ctx, 'pdftoppm', 'pdftotext');
    const prefix = join(workDir, 'page');
    execFileSync('pdftoppm', ['-r', '60', '-png', file, prefix]);
    const pages = (await PDFDocument.load(pdf)).getPageCount();
    expect(pages).toBeGreaterThan(1);
    expect(readdirSync(workDir).filter((f) => f.startsWith('page'))).toHaveLength(pages);
    // -bbox: every word lies within the page's text area (25 mm margins on 595.28 pt).
    const html = execFileSync('pdftotext', ['-bbox', file, '-'], { encoding: 'utf8' });
    const words = [...html.matchAll(/xMin="([\d.]+)" yMin="[\d.]+" xMax="([\d.]+)"/g)];
    expect(words.length).toBeGreaterThan(100);
    for (const m of words) {
      expect(Number(m[1])).toBeGreaterThanOrEqual(70);
      expect(Number(m[2])).toBeLessThanOrEqual(595.28 - 70);
    }
  });

  it('records a declined signer with the reason, a broken chain, and characters the font lacks', async (ctx) => {
    const base = sampleInput(6);
    const declined: EvidenceInput = {
      ...base,
      contract: { ...base.contract, status: 'declined', completedAt: null },
      versions: base.versions.slice(0, 1),
      signers: [
        { ...base.signers[0], status: 'declined', signedAt: null, certificateSerial: null, certificateIssuer: null, timestampTime: null,
          codeVerifiedAt: null, declinedAt: base.events[5].at, declineReason: '用水地址有误，需要更正 🙏' },
        { ...base.signers[1], status: 'pending', signedAt: null, certificateSerial: null, certificateIssuer: null, timestampTime: null },
      ],
      chainValid: false,
    };
    const bytes = await createEvidenceReport(declined, signer, renderer);
    skipUnless(ctx, 'pdftotext');
    const text = execFileSync('pdftotext', [writePdf(bytes), '-'], { encoding: 'utf8' });
    expect(text).toContain('拒签理由');
    expect(text).toContain('用水地址有误，需要更正 [U+1F64F]');
    expect(text).toContain('哈希链校验结果：未通过');
  });
});
