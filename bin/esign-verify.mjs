#!/usr/bin/env node
// esign-verify FILE.pdf [--trust root.pem ...] [--json] [--at <ISO time>] [--online] [--require-revocation]
// Exit codes: 0 valid, 1 invalid or indeterminate, 2 unusable input or bad arguments, 3 no signatures.
// Runs the TypeScript library through tsx so the repository needs no build step, from any directory.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { register } from 'tsx/esm/api';

const USAGE = 'usage: esign-verify FILE.pdf [--trust root.pem ...] [--json] [--at <ISO time>] [--online] [--require-revocation]';

function parseArgs(argv) {
  const o = { file: undefined, help: false, trust: [], json: false, at: undefined, online: false, requireRevocation: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--trust') {
      if (!argv[i + 1]) throw new Error('--trust needs a file');
      o.trust.push(argv[++i]);
    } else if (a === '--json') o.json = true;
    else if (a === '--online') o.online = true;
    else if (a === '--require-revocation') o.requireRevocation = true;
    else if (a === '--at') {
      const t = new Date(argv[++i] ?? '');
      if (Number.isNaN(t.getTime())) throw new Error('--at needs an ISO 8601 time');
      o.at = t;
    } else if (a === '-h' || a === '--help') {
      o.help = true;
      return o;
    } else if (a.startsWith('-')) throw new Error(`unknown option ${a}`);
    else if (o.file) throw new Error('only one file at a time');
    else o.file = a;
  }
  if (!o.file) throw new Error('no file given');
  return o;
}

function pemCertificates(text, file) {
  const out = [];
  for (const m of text.matchAll(/-----BEGIN CERTIFICATE-----([\s\S]*?)-----END CERTIFICATE-----/g)) out.push(Buffer.from(m[1].replace(/\s+/g, ''), 'base64'));
  if (!out.length) throw new Error(`${file} holds no PEM certificate`);
  return out;
}

function summary(r) {
  const lines = [`文件 file: sha256 ${r.sha256}, ${r.size} bytes, ${r.revisions} revision(s)`, `结论 verdict: ${r.verdict.toUpperCase()}`];
  if (r.registered?.matched) lines.push(`本系统签发 issued by this service: contract ${r.registered.contractId} version ${r.registered.version}`);
  if (r.contract) {
    const c = r.contract;
    lines.push(`签署方 parties: ${c.signedParties} / ${c.expectedParties} signed (${c.parties.map((p) => `${p.role} ${p.signed ? 'signed' : 'NOT signed'}`).join(', ')}), contract ${c.contractNumber} ${c.status}`);
    if (c.newerVersionExists) lines.push(`  ! a newer version exists: ${c.latestVersion}`);
  }
  if (r.verdict === 'no_signatures' && r.signatures.length) lines.push('  only document timestamps: they prove the bytes existed at a time, not that anyone signed');
  for (const s of r.signatures) {
    lines.push('', `签名 signature "${s.fieldName}": ${s.verdict.toUpperCase()}`);
    if (s.signer) lines.push(`  签署人 signer: ${s.signer.dn}`);
    if (s.issuer) lines.push(`  签发者 issuer: ${s.issuer.dn}`);
    if (s.certificateSerial) lines.push(`  证书序列号 serial: ${s.certificateSerial}`);
    lines.push(`  格式 format: ${s.subFilter ?? '-'}, PAdES ${s.padesLevel ?? '-'}, ${s.digestAlgorithm ?? '-'}`);
    lines.push(`  后续修改 later changes: ${s.modificationLevel}${s.permissions.docMdp ? `, DocMDP P=${s.permissions.docMdp}${s.permissions.certification ? ' (certification)' : ''}` : ''}`);
    if (s.party) lines.push(`  签署方 party: ${s.party.role ?? '-'} ${s.party.matches ? 'matches' : `MISMATCH: ${s.party.reason}`}`);
    lines.push(`  签署时间 signing time: ${s.signingTime.value ?? '-'} (${s.signingTime.source})`);
    lines.push(`  完整性 integrity: ${s.integrity.status}`);
    lines.push(`  覆盖范围 coverage: ${s.coverage.kind}${s.coverage.signedRevision !== null ? ` (revision ${s.coverage.signedRevision})` : ''}, ${s.coverage.bytesAfter} bytes after`);
    lines.push(`  证书链 chain: ${s.chain.status}${s.chain.trusted ? ', trusted' : ', untrusted'}`);
    lines.push(`  吊销状态 revocation: ${s.revocation.status} (${s.revocation.source})`);
    if (s.timestamp.present) lines.push(`  时间戳 timestamp: ${s.timestamp.valid ? 'valid' : 'INVALID'} ${s.timestamp.time ?? ''} ${s.timestamp.tsa?.commonName ?? ''}`);
    for (const m of s.modificationsAfter.disallowed) lines.push(`  ✗ 签署后修改 modified after signing: ${m.what}${m.objectNumber !== null ? ` (object ${m.objectNumber})` : ''}, revision ${m.revision}`);
    if (s.modificationsAfter.allowed.length) lines.push(`  ✓ allowed later changes: ${[...new Set(s.modificationsAfter.allowed.map((m) => m.what))].join(', ')}`);
    for (const w of s.weaknesses) lines.push(`  ! ${w}`);
    for (const x of s.reasons) lines.push(`  - ${x}`);
  }
  for (const w of r.warnings) lines.push(`警告 warning: ${w}`);
  return lines.join('\n');
}

// Every path returns its exit code instead of calling process.exit: stdout into a pipe is written
// asynchronously, and exiting at once would cut a long --json report at the pipe's 64 KiB buffer.
async function main() {
  let args;
  try {
    args = parseArgs(process.argv.slice(2));
  } catch (e) {
    console.error(`esign-verify: ${e.message}\n${USAGE}`);
    return 2;
  }
  if (args.help) {
    console.log(USAGE);
    return 0;
  }

  let pdf;
  let trustAnchors = [];
  try {
    pdf = readFileSync(args.file);
    for (const f of args.trust) trustAnchors.push(...pemCertificates(readFileSync(f, 'utf8'), f));
  } catch (e) {
    console.error(`esign-verify: ${e.message}`);
    return 2;
  }

  register();
  const lib = pathToFileURL(path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'src', 'verification', 'index.ts')).href;
  const { verifyPdf, PdfInputError } = await import(lib);
  try {
    const report = await verifyPdf(pdf, {
      trustAnchors,
      validationTime: args.at,
      allowOnline: args.online,
      // Offline there is rarely anyone to ask: unknown revocation is then a stated weakness, not a verdict.
      revocationPolicy: args.requireRevocation ? 'require' : 'best_effort',
    });
    console.log(args.json ? JSON.stringify(report, null, 2) : summary(report));
    return report.verdict === 'valid' ? 0 : report.verdict === 'no_signatures' ? 3 : 1;
  } catch (e) {
    if (!(e instanceof PdfInputError)) throw e;
    if (args.json) console.log(JSON.stringify({ error: { code: e.code, message: e.message } }));
    else console.error(`esign-verify: unusable input (${e.code}): ${e.message}`);
    return 2;
  }
}

process.exitCode = await main();
