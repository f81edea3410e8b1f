// checkParties on hand-made reports: which field each party was meant to sign, whether the
// certificate in it is that party's, and the counts the verification page shows.
import { describe, expect, it } from 'vitest';
import { checkParties } from '../src/verification/contractParties.js';
import type { RegisteredContract, SignatureReport } from '../src/verification/types.js';

function contract(over: Partial<RegisteredContract> = {}): RegisteredContract {
  return {
    contractId: 'c-1',
    contractNumber: 'WS-2025-0001',
    status: 'completed',
    latestVersion: 2,
    parties: [
      { role: 'applicant', label: 'applicant', kind: 'person', fieldName: 'sig_applicant', certificateSerials: ['a1b2', 'c3'] },
      { role: 'utility', label: 'water utility', kind: 'organisation', fieldName: 'sig_utility', certificateSerials: ['0f0f'] },
    ],
    ...over,
  };
}

// Only what checkParties reads; the rest of a report does not matter to it.
function report(fieldName: string, certificateSerial: string | null, o: { type?: SignatureReport['type']; status?: 'ok' | 'failed' | 'unknown' } = {}): SignatureReport {
  return { fieldName, type: o.type ?? 'signature', certificateSerial, integrity: { status: o.status ?? 'ok' }, party: null } as unknown as SignatureReport;
}

describe('checkParties', () => {
  it('both parties signed with their own certificates: all signed, serial compared case-insensitively', () => {
    const reports = [report('sig_applicant', 'C3'), report('sig_utility', '0f0f')];
    const r = checkParties(contract(), 2, reports);
    expect(r).toEqual({
      contractId: 'c-1',
      contractNumber: 'WS-2025-0001',
      status: 'completed',
      matchedVersion: 2,
      latestVersion: 2,
      newerVersionExists: false,
      parties: [
        { role: 'applicant', label: 'applicant', kind: 'person', fieldName: 'sig_applicant', signed: true },
        { role: 'utility', label: 'water utility', kind: 'organisation', fieldName: 'sig_utility', signed: true },
      ],
      signedParties: 2,
      expectedParties: 2,
      allPartiesSigned: true,
    });
    expect(reports.map((x) => x.party)).toEqual([
      { role: 'applicant', label: 'applicant', matches: true },
      { role: 'utility', label: 'water utility', matches: true },
    ]);
  });

  it('an older version matched: a newer one exists; only one party signed', () => {
    const r = checkParties(contract(), 1, [report('sig_applicant', 'a1b2')]);
    expect(r.matchedVersion).toBe(1);
    expect(r.newerVersionExists).toBe(true);
    expect(r.parties.map((p) => p.signed)).toEqual([true, false]);
    expect(r.signedParties).toBe(1);
    expect(r.expectedParties).toBe(2);
    expect(r.allPartiesSigned).toBe(false);
  });

  it('the matched version newer than the latest (not possible in the registry) is no newer version', () => {
    expect(checkParties(contract({ latestVersion: 3 }), 3, []).newerVersionExists).toBe(false);
    expect(checkParties(contract({ latestVersion: 3 }), 4, []).newerVersionExists).toBe(false);
  });

  it("the utility's field signed by the applicant's certificate: a forged consent, named", () => {
    const reports = [report('sig_utility', 'A1B2')];
    const r = checkParties(contract(), 2, reports);
    expect(reports[0].party).toEqual({
      role: 'utility', label: 'water utility', matches: false,
      reason: "the water utility's field is signed by certificate a1b2, not by the utility's organisation certificate",
    });
    expect(r.parties.map((p) => p.signed)).toEqual([false, false]);
    expect(r.signedParties).toBe(0);
  });

  it("a person's field signed by an unknown certificate, or with no certificate at all", () => {
    const wrong = report('sig_applicant', 'ffff');
    const none = report('sig_applicant', null);
    checkParties(contract(), 2, [wrong]);
    checkParties(contract(), 2, [none]);
    expect(wrong.party).toEqual({
      role: 'applicant', label: 'applicant', matches: false,
      reason: "the applicant's field is signed by certificate ffff, not by the certificate issued to this signer for this contract",
    });
    expect(none.party).toEqual({
      role: 'applicant', label: 'applicant', matches: false,
      reason: "the applicant's field is signed by certificate (none), not by the certificate issued to this signer for this contract",
    });
  });

  it("a document timestamp in a party's field never counts as that party, even with a listed serial", () => {
    const reports = [report('sig_applicant', 'a1b2', { type: 'document_timestamp' })];
    const r = checkParties(contract(), 2, reports);
    expect(reports[0].party).toEqual({ role: 'applicant', label: 'applicant', matches: false, reason: "a document timestamp stands in the applicant's field" });
    expect(r.signedParties).toBe(0);
  });

  it("the party's certificate over bytes that do not verify: matches, but the party has not signed", () => {
    for (const status of ['failed', 'unknown'] as const) {
      const reports = [report('sig_applicant', 'a1b2', { status })];
      const r = checkParties(contract(), 2, reports);
      expect(reports[0].party).toEqual({ role: 'applicant', label: 'applicant', matches: true });
      expect(r.parties[0].signed).toBe(false);
      expect(r.signedParties).toBe(0);
    }
  });

  it('a signature in a field no party owns is named; a document timestamp there gets no party', () => {
    const stray = report('witness', 'a1b2');
    const stamp = report('doc_ts', null, { type: 'document_timestamp' });
    const r = checkParties(contract(), 2, [stray, stamp]);
    expect(stray.party).toEqual({ role: null, label: null, matches: false, reason: 'field "witness" is not a signature field of contract WS-2025-0001' });
    expect(stamp.party).toBe(null);
    expect(r.signedParties).toBe(0);
  });

  it('a contract without parties: nothing expected, so all (none) signed', () => {
    const r = checkParties(contract({ parties: [] }), 2, [report('sig_applicant', 'a1b2')]);
    expect(r).toMatchObject({ parties: [], signedParties: 0, expectedParties: 0, allPartiesSigned: true });
  });
});
