import { createHash } from 'node:crypto';
import type { DocumentRenderer, Party, RenderInput, Template, TemplateRegistry } from '../documents/index.js';
import type { ResolvedBlock } from '../documents/documentModel.js';
import type { PersonalData } from '../domain/personalData.js';
import type { Organisation } from '../organisations/organisationService.js';
import type { ContractRow } from '../storage/db/contractRepository.js';

/** The blocks a contract's PDF was typeset from, and the labels of its key terms. */
export interface ContractText {
  blocks: ResolvedBlock[];
  keyTerms: Record<string, string>;
}

/**
 * The contract id, not the document hash, goes into the footer link: a document cannot contain its own
 * hash, and the id is known before generation, so no page changes once it is signed.
 */
export const verifyUrlFor = (publicUrl: string | undefined, id: string) => (publicUrl ? `${publicUrl.replace(/\/+$/, '')}/verify?doc=${id}` : undefined);

/** In this key order, always: the order is part of what generation hashes into the PDF's id, and jsonb does not keep it. */
export const partyOf = (org: Pick<Organisation, 'name' | 'creditCode' | 'address' | 'phone'>): Party => ({ name: org.name, creditCode: org.creditCode, address: org.address, phone: org.phone });

/** Everything generation reads, so a later reading can be checked against the same input. */
export function generationInput(opts: {
  template: Template; variables: Record<string, unknown>; contractNumber: string; issuedAt: Date; utility: Party; place: string; id: string; publicUrl?: string;
}): RenderInput {
  const { template, variables, contractNumber, issuedAt, utility, place } = opts;
  return { template, variables, contractNumber, issuedAt, utility, place, verifyUrl: verifyUrlFor(opts.publicUrl, opts.id) };
}

export interface ContractTextDeps {
  templates: TemplateRegistry;
  renderer: DocumentRenderer;
  organisations: { current(id: string): Promise<Organisation> };
  personalData: PersonalData;
  place: string;
  publicUrl?: string;
}

const CACHED = 256;

/**
 * The text of a contract for reading on a screen. It is composed again from the template, the variables
 * and the utility as the contract printed it, and offered only when rendering that input reproduces the
 * generated PDF byte for byte: so the reading cannot differ from what is signed. When it does not (the
 * template folder changed, or a contract older than the kept printed utility meets changed details), the
 * answer is null and the reader gets the PDF.
 */
export function createContractText(deps: ContractTextDeps) {
  // A generated version never changes, so a checked text stays right; bounded, oldest out first.
  const cache = new Map<string, ContractText | null>();
  return {
    async of(contract: ContractRow, generatedSha256: string): Promise<ContractText | null> {
      const key = `${contract.id}:${generatedSha256}`;
      if (cache.has(key)) return cache.get(key)!;
      const template = deps.templates.get(contract.template_id, contract.template_version, contract.organisation_id);
      let text: ContractText | null = null;
      if (template && template.sha256 === contract.template_sha256) {
        const input = generationInput({
          template,
          variables: deps.personalData.openVariables(contract.id, contract.variables) as Record<string, unknown>,
          contractNumber: contract.contract_number,
          issuedAt: new Date(contract.created_at),
          utility: partyOf(contract.printed_party ?? (await deps.organisations.current(contract.organisation_id))),
          place: deps.place,
          id: contract.id,
          publicUrl: deps.publicUrl,
        });
        const again = createHash('sha256').update(await deps.renderer.render(input)).digest('hex');
        if (again === generatedSha256) text = { blocks: deps.renderer.compose(input), keyTerms: template.document.keyTerms ?? {} };
      }
      if (cache.size >= CACHED) cache.delete(cache.keys().next().value!);
      cache.set(key, text);
      return text;
    },
  };
}

export type ContractTextService = ReturnType<typeof createContractText>;
