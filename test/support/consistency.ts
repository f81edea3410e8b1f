import { expect } from 'vitest';

type Get = (route: string) => Promise<Response>;

/**
 * A contract is never half-signed: its document versions run 1..n without gaps, one per signature after
 * the generated one, each signer marked signed has exactly one signed version and one signer.signed event,
 * the status follows from the signers, and the event hash chain verifies.
 */
export async function expectConsistent(get: Get, id: string): Promise<{ status: string; signed: string[] }> {
  const c = await (await get(`/api/v1/contracts/${id}`)).json();
  const ev = await (await get(`/api/v1/contracts/${id}/events`)).json();
  const signed = c.signers.filter((s: any) => s.status === 'signed').map((s: any) => s.role as string);
  expect(c.versions.map((v: any) => v.version), id).toEqual(c.versions.map((_: any, i: number) => i + 1));
  expect(c.versions.map((v: any) => v.reason), id).toEqual(['generated', ...signed.map((r: string) => `signed:${r}`)]);
  expect(ev.chain.valid, JSON.stringify(ev.chain)).toBe(true);
  const signedEvents = ev.events.filter((e: any) => e.type === 'signer.signed').map((e: any) => e.data.role);
  expect(signedEvents, id).toEqual(signed);
  const expected = signed.length === 0 ? 'awaiting_signatures' : signed.length === c.signers.length ? 'completed' : 'partially_signed';
  expect(c.status, id).toBe(expected);
  expect(ev.events.filter((e: any) => e.type === 'contract.completed')).toHaveLength(expected === 'completed' ? 1 : 0);
  return { status: c.status, signed };
}
