import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { createContractText, generationInput } from '../src/contracts/contractText.js';
import { createDocumentRenderer, loadTemplates, type DocumentRenderer, type TemplateRegistry } from '../src/documents/index.js';
import type { PersonalData } from '../src/domain/personalData.js';
import type { Organisation } from '../src/organisations/organisationService.js';
import type { ContractRow } from '../src/storage/db/contractRepository.js';

let registry: TemplateRegistry;
let renderer: DocumentRenderer;
beforeAll(async () => {
  registry = await loadTemplates(join(import.meta.dirname, '..', 'templates'));
  renderer = await createDocumentRenderer();
});

const printed = { name: '三亚中法供水有限公司', creditCode: '914602006200123456', address: '海南省三亚市吉阳区新风街 288 号', phone: '0898-88271234' };
const org = (phone: string) => ({ id: 'zf', ...printed, phone, contractNumberPrefix: 'SYZF', sealNumber: '1', handwrittenSignature: true, createdAt: '', updatedAt: '' }) as Organisation;
// The variables are stored in clear here: sealing is PersonalData's job, tested on its own.
const clear = { openVariables: (_id: string, v: unknown) => v } as unknown as PersonalData;

async function generated() {
  const template = registry.get('water-supply-contract')!;
  const issuedAt = new Date('2026-12-01T02:00:00Z');
  const input = generationInput({ template, variables: template.example, contractNumber: 'SYZF-2026-000001', issuedAt, utility: printed, place: '海南省三亚市', id: 'c-1', publicUrl: 'https://esign.example.cn' });
  const sha = createHash('sha256').update(await renderer.render(input)).digest('hex');
  const row = {
    id: 'c-1', organisation_id: 'zf', template_id: template.id, template_version: template.version, template_sha256: template.sha256,
    // As PostgreSQL's jsonb gives it back: keys by length, then bytes, not in the order written.
    variables: template.example, contract_number: 'SYZF-2026-000001', created_at: issuedAt,
    printed_party: { name: printed.name, phone: printed.phone, address: printed.address, creditCode: printed.creditCode },
  } as unknown as ContractRow;
  return { row, sha };
}

const service = (phone: string) =>
  createContractText({ templates: registry, renderer, organisations: { current: async () => org(phone) }, personalData: clear, place: '海南省三亚市', publicUrl: 'https://esign.example.cn' });

describe('the contract text for reading', () => {
  it('is offered when it renders to the generated PDF byte for byte, with the key terms the template tags', async () => {
    const { row, sha } = await generated();
    const text = await service(printed.phone).of(row, sha);
    expect(text?.blocks.some((b) => b.kind === 'clause' && b.term === 'payment')).toBe(true);
    expect(text?.keyTerms.payment).toBe('交费期限');
  });

  it('survives the organisation changing its phone afterwards: it is composed from the utility as printed', async () => {
    const { row, sha } = await generated();
    expect(await service('0898-11112222').of(row, sha)).not.toBeNull();
    // A contract from before the printed utility was kept is composed from today's: a changed phone no longer matches.
    expect(await service('0898-11112222').of({ ...row, printed_party: null }, sha)).toBeNull();
  });

  it('is not offered for another PDF, or when the template folder no longer hashes as it did', async () => {
    const { row, sha } = await generated();
    expect(await service(printed.phone).of(row, 'f'.repeat(64))).toBeNull();
    expect(await service(printed.phone).of({ ...row, template_sha256: 'e'.repeat(64) }, sha)).toBeNull();
    expect(sha).toMatch(/^[0-9a-f]{64}$/);
  });
});
