import { createHash, randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { Database } from '../storage/db/database.js';
import type { ObjectStore } from '../storage/objects/objectStore.js';
import { contractRepository, type ContractRow } from '../storage/db/contractRepository.js';
import type { Template, TemplateRegistry } from '../documents/index.js';
import { UnsupportedCharacterError, type DocumentRenderer, type Party } from '../documents/index.js';
import { DomainError } from './errors.js';
import { contractView, type ContractView } from './contractView.js';
import { replayedResource, requestHash, runIdempotent, validateIdempotencyKey } from './idempotency.js';
import { signerIdentity } from './signerIdentity.js';
import type { SigningLinks } from './signingLinks.js';

export interface Principal {
  /** API key id or signer id: who acted, for idempotency scope and audit. */
  id: string;
  role: string;
}

export interface ContractServiceDeps {
  db: Database;
  store: ObjectStore;
  templates: TemplateRegistry;
  renderer: DocumentRenderer;
  utility: Party;
  place: string;
  numberPrefix: string;
  links: SigningLinks;
  /** Runs after a contract is stored, e.g. the utility's automatic signature when it signs first. */
  afterCreate?: (contractId: string) => Promise<void>;
  clock?: () => Date;
}

const createInput = z.object({
  templateId: z.string({ message: 'templateId is required (see GET /api/v1/templates)' }).min(1),
  templateVersion: z.number().int().positive().optional(),
  reference: z
    .string({ message: 'reference is required: the id of the application in the calling workflow' })
    .min(1)
    .max(200),
  variables: z.record(z.string(), z.unknown(), { message: 'variables must be an object' }),
  autoSign: z.boolean({ message: 'autoSign must be true or false' }).optional(),
});

export type CreateContractInput = z.infer<typeof createInput>;

const listInput = z.object({
  reference: z.string().min(1).max(200).optional(),
  status: z.string().min(1).max(40).optional(),
  limit: z.coerce.number().int().min(1).max(100).default(20),
  cursor: z.string().regex(/^\d+$/, 'cursor must be a value returned as nextCursor').optional(),
});

export const DOCUMENT_CONTENT_TYPE = 'application/pdf';

export function documentObjectKey(sha256: string): string {
  // Content-addressed: a version can never be overwritten by another.
  return `documents/${sha256.slice(0, 2)}/${sha256}.pdf`;
}

function zodDetails(err: z.ZodError) {
  return err.issues.map((i) => ({ path: `/${i.path.join('/')}`, message: i.message }));
}

export function createContractService(deps: ContractServiceDeps) {
  const { db, store, templates, renderer } = deps;
  const now = deps.clock ?? (() => new Date());

  async function load(id: string): Promise<ContractView> {
    const row = await contractRepository.get(db, id);
    if (!row) throw new DomainError('not_found', 'contract_not_found', `No contract with id ${id}`);
    return (await views([row]))[0];
  }

  async function views(rows: ContractRow[]): Promise<ContractView[]> {
    const ids = rows.map((r) => r.id);
    const [versions, signers] = await Promise.all([
      contractRepository.documentVersions(db, ids),
      contractRepository.signers(db, ids),
    ]);
    return rows.map((r) =>
      contractView(
        r,
        versions.filter((v) => v.contract_id === r.id),
        signers.filter((s) => s.contract_id === r.id),
        deps.links,
      ),
    );
  }

  function resolveTemplate(input: CreateContractInput): Template {
    const template = templates.get(input.templateId, input.templateVersion);
    if (!template) {
      const what = input.templateVersion ? `${input.templateId} version ${input.templateVersion}` : input.templateId;
      throw new DomainError('not_found', 'template_not_found', `No template ${what}; see GET /api/v1/templates`);
    }
    return template;
  }

  async function render(template: Template, variables: Record<string, unknown>, contractNumber: string, issuedAt: Date) {
    try {
      return await renderer.render({ template, variables, contractNumber, issuedAt, utility: deps.utility, place: deps.place });
    } catch (err) {
      if (err instanceof UnsupportedCharacterError) {
        throw new DomainError(
          'unprocessable',
          'unsupported_character',
          `The contract font cannot show ${err.characters.map((c) => `"${c}" (U+${c.codePointAt(0)!.toString(16).toUpperCase()})`).join(', ')}; ` +
            'enter the name with a supported character or contact the utility',
          err.paths.map((p) => ({ path: p, message: 'contains a character the contract font cannot show' })),
          { characters: err.characters },
        );
      }
      throw err;
    }
  }

  return {
    get: load,

    async create(
      principal: Principal,
      body: unknown,
      idempotencyKey?: string,
    ): Promise<{ contract: ContractView; replayed: boolean }> {
      const parsed = createInput.safeParse(body);
      if (!parsed.success) {
        throw new DomainError('unprocessable', 'validation_failed', 'The request body is not a valid contract request', zodDetails(parsed.error));
      }
      const input = parsed.data;
      const template = resolveTemplate(input);
      const fieldErrors = templates.validate(template, input.variables);
      if (fieldErrors.length > 0) {
        throw new DomainError(
          'unprocessable',
          'invalid_variables',
          `The variables do not match template ${template.id} v${template.version}: fix the fields listed in details`,
          fieldErrors.map((e) => ({ path: `/variables${e.path}`, message: e.message })),
        );
      }

      let idem;
      if (idempotencyKey !== undefined) {
        validateIdempotencyKey(idempotencyKey);
        idem = { principal: principal.id, key: idempotencyKey, operation: 'contracts.create', requestHash: requestHash('contracts.create', body) };
        const earlier = await replayedResource(db, idem);
        if (earlier) return { contract: await load(earlier), replayed: true };
      }

      const createdAt = now();
      const seq = await contractRepository.nextContractSequence(db);
      const contractNumber = `${deps.numberPrefix}-${createdAt.getFullYear()}-${String(seq).padStart(6, '0')}`;
      const pdf = await render(template, input.variables, contractNumber, createdAt);
      const sha256 = createHash('sha256').update(pdf).digest('hex');
      const objectKey = documentObjectKey(sha256);
      // Object first, row second: a failure here leaves at most an unreferenced object, never a row without its bytes.
      await store.put(objectKey, pdf, DOCUMENT_CONTENT_TYPE);

      const id = randomUUID();
      const signers = template.signers.map((spec, i) => {
        const signerId = randomUUID();
        const organisation = spec.role === 'utility';
        const person = organisation ? undefined : signerIdentity(input.variables, spec.role);
        if (!organisation && !person) {
          throw new DomainError('unprocessable', 'signer_identity_missing', `variables.${spec.role} must name the person who signs (name, idNumber, mobile)`);
        }
        return {
          id: signerId,
          contract_id: id,
          position: i + 1,
          role: spec.role,
          label: spec.label,
          kind: organisation ? ('organisation' as const) : ('person' as const),
          name: organisation ? deps.utility.name : person!.name,
          field_name: `sig_${spec.role}`,
          status: 'pending',
          id_type: person?.idType ?? null,
          id_number: person?.idNumber ?? null,
          mobile: person?.mobile ?? null,
          ...(person ? deps.links.issue(signerId, createdAt) : { token_hash: null, token_expires_at: null }),
        };
      });
      const result = await runIdempotent(db, idem, id, (tx) =>
        contractRepository.insert(tx, {
          contract: {
            id,
            contract_number: contractNumber,
            template_id: template.id,
            template_version: template.version,
            template_sha256: template.sha256,
            reference: input.reference,
            status: 'awaiting_signatures',
            variables: input.variables,
            auto_sign: input.autoSign ?? null,
            created_by: principal.id,
            created_at: createdAt,
          },
          document: { contract_id: id, version: 1, object_key: objectKey, sha256, size: pdf.byteLength, reason: 'generated' },
          signers,
        }),
      );
      if (!result.replayed && deps.afterCreate) await deps.afterCreate(id);
      return { contract: await load(result.resourceId), replayed: result.replayed };
    },

    async list(query: unknown): Promise<{ items: ContractView[]; nextCursor: string | null }> {
      const parsed = listInput.safeParse(query);
      if (!parsed.success) {
        throw new DomainError('invalid', 'invalid_query', 'The list query is not valid', zodDetails(parsed.error));
      }
      const q = parsed.data;
      const rows = await contractRepository.list(db, {
        reference: q.reference,
        status: q.status,
        afterSeq: q.cursor ? Number(q.cursor) : undefined,
        limit: q.limit + 1,
      });
      const page = rows.slice(0, q.limit);
      const nextCursor = rows.length > q.limit ? String(page[page.length - 1].seq) : null;
      return { items: await views(page), nextCursor };
    },

    async document(id: string, version?: number): Promise<{ bytes: Buffer; sha256: string; version: number; contractNumber: string }> {
      const contract = await contractRepository.get(db, id);
      if (!contract) throw new DomainError('not_found', 'contract_not_found', `No contract with id ${id}`);
      const versions = await contractRepository.documentVersions(db, [id]);
      const latest = versions[versions.length - 1].version;
      const row = versions.find((v) => v.version === (version ?? latest));
      if (!row) {
        throw new DomainError('not_found', 'version_not_found', `Contract ${id} has versions 1 to ${latest}, not ${version}`);
      }
      const bytes = await store.get(row.object_key);
      if (!bytes) {
        throw new DomainError('unavailable', 'document_missing', `The stored object for version ${row.version} is missing; contact the operator`);
      }
      return { bytes, sha256: row.sha256, version: row.version, contractNumber: contract.contract_number };
    },
  };
}

export type ContractService = ReturnType<typeof createContractService>;
