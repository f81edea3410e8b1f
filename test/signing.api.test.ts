import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestService, TEST_KEYS, type TestService } from './support/harness.js';
import { startSmsReceiver, type SmsReceiver } from './support/smsReceiver.js';
import { pdfText, run, runAsync, tempFile } from './support/pdfTools.js';
import { available, nssDbTrusting, pdfsig, skipUnless } from './support/checkers.js';

let svc: TestService;
let sms: SmsReceiver;

async function exampleOf(templateId: string) {
  return (await (await svc.call('workflow', 'GET', `/api/v1/templates/${templateId}`)).json()).example as Record<string, any>;
}

async function createContract(templateId = 'water-supply-contract', extra: Record<string, unknown> = {}) {
  const res = await svc.call('workflow', 'POST', '/api/v1/contracts', {
    templateId,
    reference: `SIGN-${Math.random().toString(36).slice(2)}`,
    variables: await exampleOf(templateId),
    ...extra,
  });
  expect(res.status).toBe(201);
  return res.json();
}

const tokenOf = (signer: { signingUrl: string }) => signer.signingUrl.split('/').pop()!;
const signing = (token: string, action = '', body?: unknown) =>
  svc.call(null, action ? 'POST' : 'GET', `/api/v1/signing/${token}${action ? `/${action}` : ''}`, body);

async function signAsApplicant(token: string, signerId: string) {
  expect((await signing(token, 'otp', {})).status).toBe(202);
  const res = await signing(token, 'sign', { otp: sms.codeFor(signerId), consent: true });
  return res;
}

async function download(url: string): Promise<Buffer> {
  return Buffer.from(await (await svc.call('auditor', 'GET', url)).arrayBuffer());
}

/** A contract both parties signed (the applicant by code, the utility automatically), with its final PDF. */
async function completedContract() {
  const created = await createContract();
  const token = tokenOf(created.signers[0]);
  const signed = await signAsApplicant(token, created.signers[0].id);
  expect(signed.status).toBe(200);
  const contract = await (await svc.call('workflow', 'GET', `/api/v1/contracts/${created.id}`)).json();
  const finalPdf = await download(`/api/v1/contracts/${contract.id}/document?version=${contract.versions.at(-1).version}`);
  return { contract, token, own: await signed.json(), finalPdf };
}
let sharedCompleted: ReturnType<typeof completedContract> | undefined;
/** One completed contract for the checks that only read it, built by whichever of them runs first. */
const completed = () => (sharedCompleted ??= completedContract());

/** Moves the service's clock (for the reminder's quiet hours); 0 is the real time. */
let clockShift = 0;

beforeAll(async () => {
  sms = await startSmsReceiver();
  svc = await startTestService({ objectStore: 's3', env: { SMS_WEBHOOK_URL: sms.url }, overrides: { clock: () => new Date(Date.now() + clockShift) } });
});
afterAll(async () => {
  await svc?.stop();
  await sms?.stop();
});

describe('the service speaks to the applicant by SMS', () => {
  const queued = async (signerId: string) =>
    (await svc.service.db.query<{ kind: string; status: string; dedupe_key: string }>('SELECT kind, status, dedupe_key FROM sms_notifications WHERE signer_id = $1 ORDER BY id', [signerId])).rows;

  it('sends the signing link when it becomes a person\'s turn, in the template\'s words, with the utility named', async () => {
    const c = await createContract();
    const applicant = c.signers[0];
    await expect.poll(() => sms.of('signing_link', applicant.id).length, { timeout: 10_000 }).toBe(1);
    const m = sms.of('signing_link', applicant.id)[0];
    const utility = (await (await signing(tokenOf(applicant))).json()).utility;
    expect(m).toMatchObject({ kind: 'signing_link', mobile: '13876543210', contractId: c.id, url: applicant.signingUrl });
    expect(m.text).toContain(`【${utility.name}】`);
    expect(m.text).toContain(c.contractNumber);
    expect(m.text).toContain(`${applicant.signingUrl} `);
    expect(m.text).toContain(utility.phone);
    // The code message names the contract too, and carries the code apart for gateways with code templates.
    expect((await signing(tokenOf(applicant), 'otp', {})).status).toBe(202);
    const code = sms.of('code', applicant.id)[0];
    expect(code.text).toContain(code.code);
    expect(code.text).toContain(c.contractNumber);
  });

  it('leaves the link to the workflow with notify: false, and tells every person when the contract took effect', async () => {
    const c = await createContract('water-supply-contract', { notify: false });
    const applicant = c.signers[0];
    expect(await queued(applicant.id)).toEqual([]);
    // The utility seals automatically after the applicant signed: the contract completes.
    expect((await signAsApplicant(tokenOf(applicant), applicant.id)).status).toBe(200);
    await expect.poll(() => sms.of('completed', applicant.id).length, { timeout: 10_000 }).toBe(1);
    const done = sms.of('completed', applicant.id)[0];
    expect(done.url).toBe(applicant.signingUrl.replace('/sign/', '/track/'));
    expect(done.text).toContain('生效');
    expect((await queued(applicant.id)).map((r) => r.kind)).toEqual(['completed']);
  });

  it('reminds the person whose turn it is on the last day, once, in the daytime only', async () => {
    const c = await createContract();
    const applicant = c.signers[0];
    const deadline = new Date(c.deadline).getTime();
    // The deadline is midnight China time ending the last day: 14:00 and 22:00 of that day.
    const afternoon = new Date(deadline - 10 * 3600_000);
    const night = new Date(deadline - 2 * 3600_000);
    expect(await svc.service.smsOutbox.queueReminders(night)).toBe(0);
    expect(await svc.service.smsOutbox.queueReminders(new Date(deadline - 34 * 3600_000))).toBe(0);
    expect(await svc.service.smsOutbox.queueReminders(afternoon)).toBeGreaterThanOrEqual(1);
    expect(await svc.service.smsOutbox.queueReminders(new Date(afternoon.getTime() + 3600_000))).toBe(0);
    expect((await queued(applicant.id)).filter((r) => r.kind === 'reminder')).toHaveLength(1);
    clockShift = afternoon.getTime() - Date.now();
    try {
      await svc.service.smsOutbox.runOnce(100);
    } finally {
      clockShift = 0;
    }
    const reminder = sms.of('reminder', applicant.id);
    expect(reminder).toHaveLength(1);
    expect(reminder[0].url).toBe(applicant.signingUrl);
    // A reminder for a contract signed meanwhile is dropped, not sent.
    expect((await signAsApplicant(tokenOf(applicant), applicant.id)).status).toBe(200);
    await svc.service.db.query(`INSERT INTO sms_notifications (dedupe_key, kind, contract_id, signer_id) VALUES ($1, 'reminder', $2, $3)`, [`late:${applicant.id}`, c.id, applicant.id]);
    await svc.service.smsOutbox.runOnce(100);
    expect((await queued(applicant.id)).find((r) => r.dedupe_key === `late:${applicant.id}`)!.status).toBe('skipped');
  });

  it('keeps a message through a gateway outage and sends it when the gateway is back', async () => {
    sms.failNext(1, 503, 'signing_link');
    const c = await createContract();
    const applicant = c.signers[0];
    await expect.poll(async () => (await queued(applicant.id))[0]?.status, { timeout: 10_000 }).toBe('pending');
    await expect.poll(async () => JSON.stringify((await svc.service.db.query('SELECT attempts, status, last_error FROM sms_notifications WHERE signer_id = $1', [applicant.id])).rows[0]), { timeout: 10_000 }).toContain('"attempts":1');
    await svc.service.db.query('UPDATE sms_notifications SET next_attempt_at = now() WHERE signer_id = $1', [applicant.id]);
    await expect.poll(() => sms.of('signing_link', applicant.id).length, { timeout: 10_000 }).toBe(1);
  });
});

describe('signing a water supply contract end to end', () => {
  it('gives the applicant a signing link showing only their contract', async () => {
    const contract = await createContract();
    const applicant = contract.signers[0];
    expect(applicant.signingUrl).toMatch(/\/sign\/[\w-]{40,}$/);
    expect(contract.signers[1].signingUrl).toBeUndefined();
    const view = await (await signing(tokenOf(applicant))).json();
    expect(view.contract.contractNumber).toBe(contract.contractNumber);
    // Opening the link marks the signer as having viewed the contract.
    expect(view.signer).toMatchObject({ role: 'applicant', status: 'viewed', mobile: '138****3210' });
    expect(view.yourTurn).toBe(true);
    expect(JSON.stringify(view)).not.toContain('460200198803152423');
    const auditorView = await (await svc.call('auditor', 'GET', `/api/v1/contracts/${contract.id}`)).json();
    expect(auditorView.signers[0].signingUrl).toBeUndefined();
  });

  it('refuses the utility out of turn', async () => {
    const contract = await createContract();
    const res = await svc.call('utility', 'POST', `/api/v1/contracts/${contract.id}/signers/${contract.signers[1].id}/sign`);
    expect(res.status).toBe(409);
    expect((await res.json()).error.code).toBe('out_of_turn');
  });

  it('sends a code by SMS, throttles resends, and rejects wrong codes and missing consent', async () => {
    const contract = await createContract();
    const token = tokenOf(contract.signers[0]);
    const sent = await signing(token, 'otp', {});
    expect(sent.status).toBe(202);
    const body = await sent.json();
    expect(body.sentTo).toBe('138****3210');
    expect(body.developmentCode).toBeUndefined();
    const code = sms.codeFor(contract.signers[0].id);
    expect(code).toMatch(/^\d{6}$/);
    expect(sms.messages.at(-1)).toMatchObject({ mobile: '13876543210', contractId: contract.id });

    const again = await signing(token, 'otp', {});
    expect(again.status).toBe(429);
    expect((await again.json()).error.code).toBe('code_recently_sent');

    const wrong = await signing(token, 'sign', { otp: code === '000000' ? '111111' : '000000', consent: true });
    expect(wrong.status).toBe(422);
    expect(await wrong.json()).toMatchObject({ error: { code: 'wrong_code', attemptsLeft: 4 } });

    const noConsent = await signing(token, 'sign', { otp: code, consent: false });
    expect(noConsent.status).toBe(422);
    expect((await noConsent.json()).error.details[0].path).toBe('/consent');
  });

  it('signs the applicant with a one-time certificate, then the utility signs automatically', async () => {
    const { contract, token, own } = await completed();
    // The link holder gets their own progress view, not the contract with the other parties' data.
    expect(own.contract.status).toBe('completed');
    expect(own.you).toMatchObject({ role: 'applicant', status: 'signed' });
    expect(JSON.stringify(own)).not.toMatch(/signingUrl|certificateSerial|reference/);
    expect(contract.status).toBe('completed');
    expect(contract.signers.map((s: any) => s.status)).toEqual(['signed', 'signed']);
    expect(contract.signers[0].certificateSerial).toMatch(/^[0-9a-f]+$/);
    expect(contract.versions.map((v: any) => v.reason)).toEqual(['generated', 'signed:applicant', 'signed:utility']);

    const reuse = await signing(token, 'sign', { otp: sms.codeFor(contract.signers[0].id), consent: true });
    expect(reuse.status).toBe(409);
    expect((await reuse.json()).error.code).toBe('already_signed');
  });

  it('keeps every earlier revision as a byte prefix of the next', async () => {
    const { contract } = await completed();
    const versions = await Promise.all(contract.versions.map((v: any) => download(`/api/v1/contracts/${contract.id}/document?version=${v.version}`)));
    for (let i = 1; i < versions.length; i++) {
      expect(versions[i].subarray(0, versions[i - 1].length).equals(versions[i - 1])).toBe(true);
      expect(createHash('sha256').update(versions[i]).digest('hex')).toBe(contract.versions[i].sha256);
    }
  });

  it.skipIf(!available('pdfsig', 'certutil'))('satisfies pdfsig: both signatures valid and trusted, then a document timestamp covering the whole file', async () => {
    const { finalPdf } = await completed();
    const root = await (await svc.call(null, 'GET', '/pki/root.pem')).text();
    const sigs = await pdfsig(tempFile(finalPdf), nssDbTrusting(root));
    expect(sigs).toHaveLength(3);
    for (const s of sigs.slice(0, 2)) {
      expect(s.valid, s.block).toBe(true);
      expect(s.trusted, s.block).toBe(true);
      expect(s.block).toContain('ETSI.CAdES.detached');
      expect(s.totalDocumentSigned).toBe(false);
    }
    expect(sigs[0].signerName).toBe('陈冬梅');
    expect(sigs[1].signerName).toContain('三亚市示范供水有限公司');
    // pdfsig lists document timestamps but cannot validate them ("Unable to validate this type of
    // signature"): openssl checks the token below.
    expect(sigs[2].block).toContain('Signature Field Name: DocTimeStamp');
    expect(sigs[2].signerName).toContain('时间戳');
    expect(sigs[2].totalDocumentSigned).toBe(true);
  });

  it('ends in PAdES B-LTA: a DSS with the validation data, then a document timestamp openssl verifies', async (ctx) => {
    const { finalPdf } = await completed();
    const text = finalPdf.toString('latin1');
    const dss = /\/Type \/DSS \/Certs \[([^\]]*)\] \/OCSPs \[([^\]]*)\] \/CRLs \[([^\]]*)\]/.exec(text);
    expect(dss, 'no DSS dictionary').not.toBeNull();
    const count = (list: string) => list.trim().split(/\s+/).length / 3;
    // Event certificate, organisation, TSA, issuing CA, root, OCSP responder; OCSP answers for the two
    // signers and the TSA; the issuing CA's CRL and the root's (which covers the issuing CA).
    expect(count(dss![1])).toBe(6);
    expect(count(dss![2])).toBe(3);
    expect(count(dss![3])).toBe(2);

    const m = [...text.matchAll(/\/Type \/DocTimeStamp.*?\/ByteRange \[\s*(\d+) (\d+) (\d+) (\d+)\s*\] \/Contents <([0-9a-fA-F]+)>/gs)];
    expect(m).toHaveLength(1);
    const [a, l1, c, l2] = m[0].slice(1, 5).map(Number);
    expect(c + l2).toBe(finalPdf.length);
    const padded = Buffer.from(m[0][5], 'hex');
    // The token is DER; the rest of the reserved space is zero padding.
    const len = padded[1] & 0x80 ? padded.readUIntBE(2, padded[1] & 0x7f) + 2 + (padded[1] & 0x7f) : padded[1] + 2;
    const token = padded.subarray(0, len);
    const digest = createHash('sha256').update(finalPdf.subarray(a, a + l1)).update(finalPdf.subarray(c, c + l2)).digest('hex');

    // An auditor with only the file and the root (the CLI has no access to this service's database)
    // still gets revocation answers, from the DSS.
    const rootFile = tempFile(Buffer.from(await (await fetch(`${svc.url}/pki/root.pem`)).text()), 'root.pem');
    const cli = run(process.execPath, [path.join(process.cwd(), 'bin', 'esign-verify.mjs'), tempFile(finalPdf), '--trust', rootFile, '--require-revocation', '--json']);
    expect(cli.status, cli.out).toBe(0);
    const report = JSON.parse(cli.out);
    expect(report.signatures.map((s: any) => s.padesLevel)).toEqual(['B-LTA', 'B-LTA', null]);

    skipUnless(ctx, 'openssl');
    const tokenFile = tempFile(token, 'dts.der');
    // Only the root: the token carries the TSA certificate and the issuing CA.
    const verify = run('openssl', ['ts', '-verify', '-digest', digest, '-in', tokenFile, '-token_in', '-CAfile', rootFile]);
    expect(verify.out).toContain('Verification: OK');
    // A single changed byte inside the covered range no longer matches the imprint.
    const wrong = createHash('sha256').update(finalPdf.subarray(a, a + l1 - 1)).update(finalPdf.subarray(c, c + l2)).digest('hex');
    expect(run('openssl', ['ts', '-verify', '-digest', wrong, '-in', tokenFile, '-token_in', '-CAfile', rootFile]).out).toContain('Verification: FAILED');
  });

  it('renews the document timestamp before its TSA certificate expires, as a new version that still verifies', async (ctx) => {
    // A contract of its own: the renewal adds a version the other checks do not expect.
    const { contract, finalPdf } = await completedContract();
    const versions = async () => (await (await svc.call('auditor', 'GET', `/api/v1/contracts/${contract.id}`)).json()).versions;
    const before = await versions();
    // Nothing is due while the TSA certificate has years to run.
    expect(await svc.service.renewArchives()).toBe(0);
    // As if the stamp came from a TSA certificate ending in ten days (the current one lasts years).
    await svc.database.db.query(`UPDATE document_versions SET archive_until = now() + interval '10 days' WHERE contract_id = $1 AND version = $2`, [contract.id, before.at(-1).version]);
    expect(await svc.service.renewArchives()).toBe(1);
    const after = await versions();
    expect(after.map((v: any) => v.reason)).toEqual([...before.map((v: any) => v.reason), 'archive_timestamp']);
    const renewed = await download(`/api/v1/contracts/${contract.id}/document`);
    expect(renewed.subarray(0, finalPdf.length).equals(finalPdf)).toBe(true);
    const report = await (await svc.call('auditor', 'GET', `/api/v1/contracts/${contract.id}/verify`)).json();
    expect(report.verdict).toBe('valid');
    expect(report.signatures.map((x: any) => [x.fieldName, x.verdict])).toEqual([
      ['sig_applicant', 'valid'], ['sig_utility', 'valid'], ['DocTimeStamp', 'valid'], ['DocTimeStamp2', 'valid'],
    ]);
    const { events, chain } = await (await svc.call('auditor', 'GET', `/api/v1/contracts/${contract.id}/events`)).json();
    expect(chain.valid).toBe(true);
    expect(events.filter((e: any) => e.type === 'document.timestamp_renewed')).toHaveLength(1);
    // Renewed once: the new stamp lasts as long as the TSA certificate, so nothing is due again, and the
    // superseded version left the sweep's index.
    expect(await svc.service.renewArchives()).toBe(0);
    const marked = await svc.database.db.query<{ version: number }>('SELECT version FROM document_versions WHERE contract_id = $1 AND archive_until IS NOT NULL', [contract.id]);
    expect(marked.rows.map((r) => r.version)).toEqual([after.at(-1).version]);

    // The evidence report names the renewal in words, as a version and as an event.
    skipUnless(ctx, 'pdftotext');
    const evidence = Buffer.from(await (await svc.call('auditor', 'GET', `/api/v1/contracts/${contract.id}/evidence`)).arrayBuffer());
    const text = pdfText(tempFile(evidence)).replace(/\s+/g, '');
    // The version row (its cell wraps, so only the start is matched) and the event row.
    expect(text).toMatch(new RegExp(`v${after.at(-1).version}文档时间戳`));
    expect(text).toContain('文档时间戳续期');
    expect(text).not.toContain('archive_timestamp');
  });

  it.skipIf(!available('qpdf', 'mutool'))('satisfies mutool and qpdf', async () => {
    const file = tempFile((await completed()).finalPdf);
    expect(run('qpdf', ['--check', file]).out).toContain('No syntax or stream encoding errors found');
    const out = run('mutool', ['sign', '-v', file]).out;
    // mutool has no trust store (it reports our root as "self-signed in chain"); it judges integrity.
    const blocks = out.split(/^Verifying signature \d+:$/m).slice(1);
    // The third is the document timestamp, which mutool 1.21 does not read ("Signature is not signed.").
    expect(blocks, out).toHaveLength(3);
    expect(out).not.toMatch(/Digest error|signature is not valid|invalidated/i);
    expect(blocks[0]).toContain('陈冬梅');
    expect(blocks[0]).toContain('The signature is valid but there have been edits since signing.');
    expect(blocks[1]).toContain('三亚市示范供水有限公司');
    expect(blocks[1]).toContain('The signature is valid but there have been edits since signing.');
  });
});

describe.skipIf(!available('openssl'))('PKI endpoints checked with openssl', () => {
  it('time-stamps a query with an API key that openssl ts verifies with only the root', async () => {
    const dir = path.dirname(tempFile(Buffer.from('hello water'), 'data.txt'));
    const data = path.join(dir, 'data.txt');
    expect(run('openssl', ['ts', '-query', '-data', data, '-sha256', '-cert', '-out', path.join(dir, 'q.tsq')]).status).toBe(0);
    const { readFileSync } = await import('node:fs');
    const reply = await fetch(`${svc.url}/pki/tsa`, {
      method: 'POST',
      headers: { 'content-type': 'application/timestamp-query', authorization: `Bearer ${TEST_KEYS.auditor}` },
      body: readFileSync(path.join(dir, 'q.tsq')),
    });
    expect(reply.status).toBe(200);
    writeFileSync(path.join(dir, 'r.tsr'), Buffer.from(await reply.arrayBuffer()));
    writeFileSync(path.join(dir, 'root.pem'), await (await fetch(`${svc.url}/pki/root.pem`)).text());
    // No -untrusted: the reply carries the TSA's chain.
    const verify = run('openssl', ['ts', '-verify', '-in', path.join(dir, 'r.tsr'), '-queryfile', path.join(dir, 'q.tsq'), '-CAfile', path.join(dir, 'root.pem')]);
    expect(verify.out).toContain('Verification: OK');
  });

  it('answers OCSP good for a live event certificate and revoked after revocation; the CRL lists it', async () => {
    const c = await createContract('water-supply-contract', { autoSign: false });
    const applicant = c.signers[0];
    expect((await signAsApplicant(tokenOf(applicant), applicant.id)).status).toBe(200);
    const signed = await (await svc.call('auditor', 'GET', `/api/v1/contracts/${c.id}`)).json();
    const serial = signed.signers[0].certificateSerial;
    expect(signed.status).toBe('partially_signed');

    // The event certificate as embedded in the signed PDF: openssl pkcs7 prints the certificates of the CMS.
    const pdf = await download(signed.document.url);
    const sigHex = /\/Contents\s*<([0-9a-fA-F]+)>/g;
    const matches = [...pdf.toString('latin1').matchAll(sigHex)];
    const cms = Buffer.from(matches.at(-1)![1], 'hex');
    const dir = path.dirname(tempFile(cms, 'sig.der'));
    const certs = run('openssl', ['pkcs7', '-inform', 'DER', '-in', path.join(dir, 'sig.der'), '-print_certs']).out;
    const leaf = certs.split(/(?=subject=)/).find((b) => b.includes('陈冬梅') || b.includes('\\E9\\99\\88'))!;
    writeFileSync(path.join(dir, 'leaf.pem'), leaf.slice(leaf.indexOf('-----BEGIN')));
    writeFileSync(path.join(dir, 'root.pem'), await (await fetch(`${svc.url}/pki/root.pem`)).text());
    writeFileSync(path.join(dir, 'issuing.pem'), await (await fetch(`${svc.url}/pki/issuing.pem`)).text());
    const ocsp = async () =>
      (await runAsync('openssl', ['ocsp', '-issuer', path.join(dir, 'issuing.pem'), '-cert', path.join(dir, 'leaf.pem'),
        '-url', `${svc.url}/pki/ocsp`, '-CAfile', path.join(dir, 'root.pem'), '-verify_other', path.join(dir, 'issuing.pem')])).out;
    expect(await ocsp()).toMatch(/leaf\.pem: good/);

    const once = { 'idempotency-key': `revoke-${serial}` };
    const revoke = await svc.call('admin', 'POST', `/api/v1/certificates/${serial}/revoke`, { reason: 'keyCompromise' }, once);
    expect(revoke.status).toBe(200);
    const replay = await svc.call('admin', 'POST', `/api/v1/certificates/${serial}/revoke`, { reason: 'keyCompromise' }, once);
    expect(replay.status).toBe(200);
    expect((await replay.json()).revokedAt).toBe((await revoke.json()).revokedAt);
    expect((await svc.call('utility', 'POST', `/api/v1/certificates/${serial}/revoke`, { reason: 'keyCompromise' })).status).toBe(403);
    expect((await svc.call('admin', 'POST', `/api/v1/certificates/${serial}/revoke`, { reason: 'keyCompromise' })).status).toBe(409);
    expect((await svc.call('admin', 'POST', '/api/v1/certificates/abcdef/revoke', { reason: 'keyCompromise' })).status).toBe(404);
    expect((await svc.call('admin', 'POST', `/api/v1/certificates/${serial}/revoke`, { reason: 'because' })).status).toBe(422);
    expect(await ocsp()).toMatch(/leaf\.pem: revoked/);

    writeFileSync(path.join(dir, 'crl.der'), Buffer.from(await (await fetch(`${svc.url}/pki/crl/issuing.crl`)).arrayBuffer()));
    const crl = run('openssl', ['crl', '-inform', 'DER', '-in', path.join(dir, 'crl.der'), '-noout', '-text']).out;
    expect(crl.replace(/:/g, '').toLowerCase()).toContain(serial.replace(/^0+/, ''));
  });
});

describe('signing rules', () => {
  it('locks the signer after five wrong codes', async () => {
    const c = await createContract();
    const token = tokenOf(c.signers[0]);
    expect((await signing(token, 'otp', {})).status).toBe(202);
    const wrongCode = sms.codeFor(c.signers[0].id) === '999999' ? '999998' : '999999';
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) statuses.push((await signing(token, 'sign', { otp: wrongCode, consent: true })).status);
    expect(statuses).toEqual([422, 422, 422, 422, 429]);
    const locked = await signing(token, 'sign', { otp: sms.codeFor(c.signers[0].id), consent: true });
    expect(locked.status).toBe(429);
    expect((await locked.json()).error.code).toBe('signer_locked');
  });

  it('declines only with the code sent to the signer, and refuses signatures afterwards', async () => {
    const c = await createContract();
    const token = tokenOf(c.signers[0]);
    // Everyone who holds the link (the workflow, the utility) could decline as the applicant without it.
    const withoutCode = await signing(token, 'decline', { reason: '用水地址有误' });
    expect(withoutCode.status).toBe(422);
    expect((await withoutCode.json()).error.details.map((d: any) => d.path)).toContain('/otp');
    expect((await signing(token, 'otp', {})).status).toBe(202);
    const code = sms.codeFor(c.signers[0].id);
    expect((await signing(token, 'decline', { otp: code })).status).toBe(422);
    const wrong = await signing(token, 'decline', { reason: '用水地址有误', otp: code === '000000' ? '111111' : '000000' });
    expect((await wrong.json()).error.code).toBe('wrong_code');
    const declined = await signing(token, 'decline', { reason: '用水地址有误', otp: code });
    expect(declined.status).toBe(200);
    expect((await declined.json()).contract.status).toBe('declined');
    const body = await (await svc.call('workflow', 'GET', `/api/v1/contracts/${c.id}`)).json();
    expect(body.status).toBe('declined');
    expect(body.signers[0]).toMatchObject({ status: 'declined', declineReason: '用水地址有误' });
    const { events } = await (await svc.call('auditor', 'GET', `/api/v1/contracts/${c.id}/events`)).json();
    expect(events.find((e: any) => e.type === 'signer.declined').actor).toMatchObject({ type: 'signer', id: c.signers[0].id });
    expect((await signing(token, 'otp', {})).status).toBe(409);
  });

  it('takes a correction request with the code: the utility hears of it, the applicant is told, the contract stays open', async () => {
    const c = await createContract();
    const token = tokenOf(c.signers[0]);
    expect((await signing(token, 'correction', { reason: '身份证号码有一位错误', otp: '123456' })).status).toBe(400);
    expect((await signing(token, 'otp', {})).status).toBe(202);
    const res = await signing(token, 'correction', { reason: '身份证号码有一位错误', otp: sms.codeFor(c.signers[0].id) });
    expect(res.status).toBe(200);
    expect((await res.json()).contract.status).toBe('awaiting_signatures');
    const { events } = await (await svc.call('auditor', 'GET', `/api/v1/contracts/${c.id}/events`)).json();
    const request = events.find((e: any) => e.type === 'signer.correction_requested');
    expect(request).toMatchObject({ actor: { type: 'signer', id: c.signers[0].id }, data: { reason: '身份证号码有一位错误', role: 'applicant' } });
    await expect.poll(() => sms.of('correction_received', c.signers[0].id).length, { timeout: 10_000 }).toBe(1);
    const told = sms.of('correction_received', c.signers[0].id)[0];
    expect(told.text).toContain('修改申请');
    expect(told.text).toContain(c.contractNumber);
    // The same link still leads to signing afterwards.
    expect((await (await signing(token)).json()).yourTurn).toBe(true);
    // A contract voided between the code and the request has nothing left to correct.
    const other = await createContract();
    const otherToken = tokenOf(other.signers[0]);
    expect((await signing(otherToken, 'otp', {})).status).toBe(202);
    expect((await svc.call('workflow', 'POST', `/api/v1/contracts/${other.id}/void`, { reason: '重新受理' })).status).toBe(200);
    const late = await signing(otherToken, 'correction', { reason: '地址有误', otp: sms.codeFor(other.signers[0].id) });
    expect(late.status).toBe(409);
    const otherEvents = (await (await svc.call('auditor', 'GET', `/api/v1/contracts/${other.id}/events`)).json()).events;
    expect(otherEvents.some((e: any) => e.type === 'signer.correction_requested')).toBe(false);
  });

  it('records an API key holder reading a signing link as that key, not as the signer viewing it', async () => {
    const c = await createContract();
    const token = tokenOf(c.signers[0]);
    expect((await svc.call('workflow', 'GET', `/api/v1/signing/${token}`)).status).toBe(200);
    expect((await svc.call('utility', 'GET', `/api/v1/signing/${token}/document`)).status).toBe(200);
    const forged = await svc.call(null, 'GET', `/api/v1/signing/${token}`, undefined, { authorization: 'Bearer wes_workflow_forged-key-0123456789abcdef' });
    expect(forged.status).toBe(401);
    const { events } = await (await svc.call('auditor', 'GET', `/api/v1/contracts/${c.id}/events`)).json();
    expect(events.some((e: any) => e.type === 'signer.viewed')).toBe(false);
    const read = events.find((e: any) => e.type === 'signing_link.read').actor;
    const downloaded = events.find((e: any) => e.type === 'document.downloaded').actor;
    expect([read.type, downloaded.type]).toEqual(['api_key', 'api_key']);
    expect(read.id).not.toBe(downloaded.id);
    const view = await (await svc.call('auditor', 'GET', `/api/v1/contracts/${c.id}`)).json();
    expect(view.signers[0].viewedAt).toBeNull();
  });

  it('answers unknown and malformed links with 404', async () => {
    expect((await signing('x'.repeat(43))).status).toBe(404);
    expect((await signing('short')).status).toBe(404);
    const res = await signing('x'.repeat(43), 'sign', { otp: '123456', consent: true });
    expect(res.status).toBe(404);
    expect((await res.json()).error.code).toBe('signing_link_not_found');
  });

  it('seals a set of contracts in one call: those waiting for the utility are signed, the others say why, a retry signs nothing twice', async () => {
    const manual = { autoSign: false };
    const [a, b, early] = await Promise.all([createContract('water-supply-contract', manual), createContract('water-supply-contract', manual), createContract('water-supply-contract', manual)]);
    for (const c of [a, b]) expect((await signAsApplicant(tokenOf(c.signers[0]), c.signers[0].id)).status).toBe(200);
    const missing = '0b6b2a0e-8d1c-4c6b-9a51-3f4e2d1c0b9a';
    const call = (ids: string[]) => svc.call('utility', 'POST', '/api/v1/contracts/countersign', { ids });
    const first = await (await call([a.id, early.id, b.id, missing])).json();
    expect(first).toMatchObject({ signed: 2, skipped: 1, failed: 1 });
    expect(first.results.map((r: any) => [r.id, r.outcome, r.status ?? null, r.code ?? null])).toEqual([
      [a.id, 'signed', 'completed', null],
      [early.id, 'skipped', 'awaiting_signatures', 'not_waiting_for_utility'],
      [b.id, 'signed', 'completed', null],
      [missing, 'failed', null, 'contract_not_found'],
    ]);
    const again = await (await call([a.id, b.id])).json();
    expect(again).toMatchObject({ signed: 0, skipped: 2, failed: 0 });
    const view = await (await svc.call('auditor', 'GET', `/api/v1/contracts/${a.id}`)).json();
    expect(view.versions.map((v: any) => v.reason)).toEqual(['generated', 'signed:applicant', 'signed:utility']);
    // Only the utility seals, and a set is bounded and without repeats.
    expect((await svc.call('workflow', 'POST', '/api/v1/contracts/countersign', { ids: [a.id] })).status).toBe(403);
    expect((await call([a.id, a.id])).status).toBe(422);
    expect((await call(Array.from({ length: 201 }, () => missing))).status).toBe(422);
  });

  it('signs the reliability agreement for the utility first, automatically, then the customer', async () => {
    const c = await createContract('reliability-agreement');
    expect(c.status).toBe('partially_signed');
    expect(c.signers.map((s: any) => [s.role, s.status])).toEqual([
      ['utility', 'signed'],
      ['customer', 'notified'],
    ]);
    const customer = c.signers[1];
    const res = await signAsApplicant(tokenOf(customer), customer.id);
    expect(res.status).toBe(200);
    expect((await res.json()).contract.status).toBe('completed');
  });

  it('lets only one of two racing utility signatures win, without forking the document', async () => {
    const c = await createContract('water-supply-contract', { autoSign: false });
    expect((await signAsApplicant(tokenOf(c.signers[0]), c.signers[0].id)).status).toBe(200);
    const route = `/api/v1/contracts/${c.id}/signers/${c.signers[1].id}/sign`;
    const results = await Promise.all([svc.call('utility', 'POST', route), svc.call('utility', 'POST', route)]);
    expect(results.map((r) => r.status).sort()).toEqual([200, 409]);
    const final = await (await svc.call('auditor', 'GET', `/api/v1/contracts/${c.id}`)).json();
    expect(final.status).toBe('completed');
    expect(final.versions).toHaveLength(3);
  });

  it('fails cleanly with 503 when storage is down mid-signing, and a retry succeeds', async () => {
    const c = await createContract('water-supply-contract', { autoSign: false });
    expect((await signAsApplicant(tokenOf(c.signers[0]), c.signers[0].id)).status).toBe(200);
    const route = `/api/v1/contracts/${c.id}/signers/${c.signers[1].id}/sign`;
    await svc.s3!.pause();
    let down: Response;
    try {
      down = await svc.call('utility', 'POST', route);
    } finally {
      await svc.s3!.resume();
    }
    expect(down.status).toBe(503);
    const mid = await (await svc.call('auditor', 'GET', `/api/v1/contracts/${c.id}`)).json();
    expect(mid.versions).toHaveLength(2);
    expect(mid.signers[1].status).toBe('notified');
    const retry = await svc.call('utility', 'POST', route);
    expect(retry.status).toBe(200);
    expect((await retry.json()).status).toBe('completed');
  });

  it('sends one SMS for a code request repeated with the same Idempotency-Key', async () => {
    const c = await createContract();
    const token = tokenOf(c.signers[0]);
    const before = sms.messages.length;
    const key = { 'idempotency-key': `otp-${c.id}` };
    const first = await svc.call(null, 'POST', `/api/v1/signing/${token}/otp`, {}, key);
    const again = await svc.call(null, 'POST', `/api/v1/signing/${token}/otp`, {}, key);
    expect([first.status, again.status]).toEqual([202, 202]);
    expect((await again.json()).expiresAt).toBe((await first.json()).expiresAt);
    expect(sms.messages.length - before).toBe(1);
  });

  it('reports an unreachable SMS gateway as 503 and lets the signer ask again', async () => {
    const c = await createContract();
    const token = tokenOf(c.signers[0]);
    sms.failNext(1);
    const failed = await signing(token, 'otp', {});
    expect(failed.status).toBe(503);
    expect((await failed.json()).error.code).toBe('sms_unavailable');
    expect((await signing(token, 'otp', {})).status).toBe(202);
    expect(sms.codeFor(c.signers[0].id)).toMatch(/^\d{6}$/);
  });
});
