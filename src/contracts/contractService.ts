import { createHash, randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { Database, Queryable } from '../storage/db/database.js';
import type { ObjectStore } from '../storage/objects/objectStore.js';
import { contractRepository, type ContractRow } from '../storage/db/contractRepository.js';
import type { Template, TemplateRegistry } from '../documents/index.js';
import { UnsupportedCharacterError, type DocumentRenderer, type Party } from '../documents/index.js';
import { DomainError } from '../domain/errors.js';
import { invalidBody, invalidQuery } from '../domain/validation.js';
import { contractView, type ContractView } from './contractView.js';
import { replayedResource, requestHash, runIdempotent, validateIdempotencyKey } from '../domain/idempotency.js';
import { signerIdentity } from './signerIdentity.js';
import { generationInput, partyOf } from './contractText.js';
import type { SigningLinks } from './signingLinks.js';
import { ALL_ORGANISATIONS, scopeOfContext, visibleIn, type RequestContext, type Scope } from '../domain/requestContext.js';
import { eventView, type AuditTrail } from '../audit/auditTrail.js';
import { eventRepository } from '../storage/db/eventRepository.js';
import type { WorkingCalendar } from './calendar/workingCalendar.js';
import type { DeadlinePolicy } from './deadlines.js';
import { assertContractTransition, CONTRACT_STATUSES, contractSourcesOf, OPEN_CONTRACT, signerSourcesOf } from './lifecycle.js';
import { SYSTEM } from '../domain/requestContext.js';
import type { QueuedSms } from '../notifications/smsOutbox.js';
import type { Organisation } from '../organisations/organisationService.js';
import type { PersonalData } from '../domain/personalData.js';
import { chinaMidnight } from '../chinaTime.js';

export interface ContractServiceDeps {
  db: Database;
  store: ObjectStore;
  templates: TemplateRegistry;
  renderer: DocumentRenderer;
  /** The organisation a contract is made for, as contracts print it. */
  organisations: { current(id: string): Promise<Organisation> };
  place: string;
  links: SigningLinks;
  personalData: PersonalData;
  audit: AuditTrail;
  calendar: WorkingCalendar;
  deadlines: DeadlinePolicy;
  /** Base of the verification link printed in each contract's footer; without it the footer has none. */
  publicUrl?: string;
  /** SMS to applicants, queued in the transaction that calls for them. */
  notifications: { queue(tx: Queryable, n: QueuedSms): Promise<void> };
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
  priority: z.boolean({ message: 'priority must be true or false (绿色通道)' }).optional(),
  deadlineWorkingDays: z.number().int().min(1, 'deadlineWorkingDays must be at least 1').max(60).optional(),
  notify: z.boolean({ message: 'notify must be true or false: false when the workflow sends the signing links itself' }).optional(),
});

export type CreateContractInput = z.infer<typeof createInput>;

const day = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date like 2026-12-01 (China time)');
const listInput = z.object({
  reference: z.string().min(1).max(200).optional(),
  status: z.enum(CONTRACT_STATUSES).optional(),
  sla: z.enum(['on_track', 'at_risk', 'overdue', 'met', 'missed']).optional(),
  templateId: z.string().min(1).max(100).optional(),
  priority: z.enum(['true', 'false'], { message: 'priority must be true or false' }).optional(),
  createdFrom: day.optional(),
  createdTo: day.optional(),
  awaiting: z.enum(['utility', 'person'], { message: 'awaiting must be utility or person' }).optional(),
  q: z.string().trim().min(1).max(100).optional(),
  limit: z.coerce.number().int().min(1).max(100).default(20),
  cursor: z.string().regex(/^[01]\.\d+$/, 'cursor must be a value returned as nextCursor').optional(),
});

const voidInput = z.object({
  reason: z.string({ message: 'reason is required' }).trim().min(1, 'reason must not be empty').max(500),
});

export const DOCUMENT_CONTENT_TYPE = 'application/pdf';

export function documentObjectKey(sha256: string): string {
  // Content-addressed: a version can never be overwritten by another.
  return `documents/${sha256.slice(0, 2)}/${sha256}.pdf`;
}

export function createContractService(deps: ContractServiceDeps) {
  const { db, store, templates, renderer } = deps;
  const now = deps.clock ?? (() => new Date());

  /** Another organisation's contract is answered exactly as one that does not exist. */
  async function scopedRow(scope: Scope, id: string): Promise<ContractRow> {
    const r = await contractRepository.get(db, id);
    if (!r || !visibleIn(scope, r.organisation_id)) throw new DomainError('not_found', 'contract_not_found', `No contract with id ${id}`);
    return r;
  }

  async function load(scope: Scope, id: string): Promise<ContractView> {
    return (await views([await scopedRow(scope, id)]))[0];
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
        deps.calendar,
        now(),
      ),
    );
  }

  function resolveTemplate(input: CreateContractInput, organisationId: string): Template {
    const template = templates.get(input.templateId, input.templateVersion, organisationId);
    if (!template) {
      const what = input.templateVersion ? `${input.templateId} version ${input.templateVersion}` : input.templateId;
      throw new DomainError('not_found', 'template_not_found', `No template ${what}; see GET /api/v1/templates`);
    }
    return template;
  }

  async function render(template: Template, variables: Record<string, unknown>, contractNumber: string, issuedAt: Date, id: string, utility: Party) {
    try {
      return await renderer.render(generationInput({ template, variables, contractNumber, issuedAt, utility, place: deps.place, id, publicUrl: deps.publicUrl }));
    } catch (err) {
      if (err instanceof UnsupportedCharacterError) {
        throw new DomainError(
          'unprocessable',
          'unsupported_character',
          `The contract font cannot show ${err.characters.map((c) => `"${c}" (U+${c.codePointAt(0)!.toString(16).toUpperCase()})`).join(', ')}; ` +
            'enter the name with a supported character or contact the utility',
          err.paths.map((p) => ({ path: `/variables${p}`, message: 'contains a character the contract font cannot show' })),
          { characters: err.characters },
        );
      }
      throw err;
    }
  }

  /** The next signer's turn has come: the workflow is told so it can send them their link. */
  async function notifySigner(
    tx: Queryable,
    signer: { id: string; contract_id: string; role: string; kind: string },
    ctx: RequestContext,
    at: Date,
    document: { version: number; sha256: string },
    /** false: the contract was made with notify: false, the workflow sends the link. */
    sms: boolean,
  ): Promise<void> {
    if (!(await contractRepository.markSignerNotified(tx, signer.id, signerSourcesOf('notified'), at))) return;
    await deps.audit.append(tx, {
      contractId: signer.contract_id, type: 'signer.notified', ctx, at, document,
      data: { signerId: signer.id, role: signer.role, kind: signer.kind, sms: signer.kind === 'person' && sms },
    });
    if (signer.kind === 'person' && sms) {
      await deps.notifications.queue(tx, { kind: 'signing_link', contractId: signer.contract_id, signerId: signer.id, dedupeKey: `signing_link:${signer.id}` });
    }
  }

  const service = {
    get: load,
    /** The row itself, after the same scope check as get. */
    row: scopedRow,
    /** The view of a row the caller has just read, without reading it again. */
    viewOf: async (row: ContractRow) => (await views([row]))[0],
    notifySigner,

    async void(ctx: RequestContext, id: string, body: unknown): Promise<ContractView> {
      const parsed = voidInput.safeParse(body ?? {});
      if (!parsed.success) {
        throw invalidBody(parsed.error);
      }
      const contract = await scopedRow(scopeOfContext(ctx), id);
      assertContractTransition(contract.status, 'voided');
      const at = now();
      await db.transaction(async (tx) => {
        if (!(await contractRepository.close(tx, id, 'voided', contractSourcesOf('voided'), at, parsed.data.reason))) {
          const current = await contractRepository.get(tx, id);
          assertContractTransition(current!.status, 'voided');
        }
        const latest = (await contractRepository.documentVersions(tx, [id])).at(-1)!;
        await deps.audit.append(tx, {
          contractId: id, type: 'contract.voided', ctx, at,
          document: { version: latest.version, sha256: latest.sha256 }, data: { reason: parsed.data.reason },
        });
        await ctx.commit?.(tx, id);
      });
      return load(ALL_ORGANISATIONS, id);
    },

    /** Expires open contracts past their deadline; safe to run on every instance at once. */
    async expireOverdue(limit = 100): Promise<number> {
      const at = now();
      return db.transaction(async (tx) => {
        const overdue = await contractRepository.lockOverdue(tx, at, OPEN_CONTRACT, limit);
        for (const c of overdue) {
          await contractRepository.close(tx, c.id, 'expired', contractSourcesOf('expired'), at, 'deadline passed');
          await deps.audit.append(tx, {
            contractId: c.id, type: 'contract.expired', ctx: SYSTEM, at,
            data: { deadline: new Date(c.deadline).toISOString() },
          });
        }
        return overdue.length;
      });
    },

    async events(scope: Scope, id: string) {
      await scopedRow(scope, id);
      const events = await eventRepository.chain(db, id);
      return { contractId: id, chain: deps.audit.verify(events), events: events.map(eventView) };
    },

    /** A revoked certificate goes into the chain of the contract it was issued for (or the global chain). */
    async recordRevocation(ctx: RequestContext, serial: string, reason: string, at: Date): Promise<void> {
      const owner = await db.query<{ contract_id: string | null }>('SELECT contract_id FROM certificates WHERE serial = $1', [serial]);
      await db.transaction((tx) =>
        deps.audit.append(tx, { contractId: owner.rows[0]?.contract_id ?? null, type: 'certificate.revoked', ctx, at, data: { serial, reason } }).then(() => undefined),
      );
    },

    /** Records that someone fetched a document version (audit only); the caller has read it through document(). */
    async recordDownload(ctx: RequestContext, id: string, doc: { version: number; sha256: string }): Promise<void> {
      await db.transaction((tx) => deps.audit.append(tx, { contractId: id, type: 'document.downloaded', ctx, at: now(), document: doc }).then(() => undefined));
    },

    /**
     * Everything create() refuses before it writes anything (body, template, variables, the signers'
     * identities), so a list of requests can be checked row by row before any is made.
     */
    check(ctx: RequestContext, body: unknown): { input: CreateContractInput; template: Template; organisationId: string } {
      const parsed = createInput.safeParse(body);
      if (!parsed.success) {
        throw invalidBody(parsed.error, 'The request body is not a valid contract request');
      }
      const input = parsed.data;
      const organisationId = ctx.organisationId;
      if (!organisationId) throw new DomainError('forbidden', 'organisation_required', 'Contracts are made by an organisation\'s API keys');
      const template = resolveTemplate(input, organisationId);
      const fieldErrors = templates.validate(template, input.variables);
      if (fieldErrors.length > 0) {
        throw new DomainError(
          'unprocessable',
          'invalid_variables',
          `The variables do not match template ${template.id} v${template.version}: fix the fields listed in details`,
          fieldErrors.map((e) => ({ path: `/variables${e.path}`, message: e.message })),
        );
      }
      for (const spec of template.signers) {
        if (spec.role !== 'utility' && !signerIdentity(input.variables, spec.role)) {
          throw new DomainError('unprocessable', 'signer_identity_missing', `variables.${spec.role} must name the person who signs (name, idNumber, mobile)`);
        }
      }
      return { input, template, organisationId };
    },

    /**
     * idempotency: a request's Idempotency-Key (kept per API key), or a key and the principal it is kept
     * under, as batches keep theirs per organisation so that any retry of an item finds the first.
     */
    async create(
      ctx: RequestContext,
      body: unknown,
      idempotency?: string | { principal: string; key: string },
      /** The batch the contract is an item of, recorded with its creation. */
      origin?: { batchId: string },
    ): Promise<{ contract: ContractView; replayed: boolean }> {
      const { input, template, organisationId } = service.check(ctx, body);

      let idem;
      if (idempotency !== undefined) {
        const { principal, key } = typeof idempotency === 'string' ? { principal: ctx.actor.id, key: idempotency } : idempotency;
        validateIdempotencyKey(key);
        idem = { principal, key, operation: 'contracts.create', requestHash: requestHash('contracts.create', body) };
        const earlier = await replayedResource(db, idem);
        if (earlier) return { contract: await load(ALL_ORGANISATIONS, earlier), replayed: true };
      }

      const org = await deps.organisations.current(organisationId);
      const utility = partyOf(org);
      const createdAt = now();
      const seq = await contractRepository.nextContractSequence(db);
      // The year as printed on the contract, in China time whatever the server's time zone.
      const contractNumber = `${org.contractNumberPrefix}-${deps.calendar.dayOf(createdAt).slice(0, 4)}-${String(seq).padStart(6, '0')}`;
      const id = randomUUID();
      const pdf = await render(template, input.variables, contractNumber, createdAt, id, utility);
      const sha256 = createHash('sha256').update(pdf).digest('hex');
      const objectKey = documentObjectKey(sha256);
      // Object first, row second: a failure here leaves at most an unreferenced object, never a row without its bytes.
      await store.put(objectKey, pdf, DOCUMENT_CONTENT_TYPE);

      const workingDays = input.deadlineWorkingDays ?? (input.priority ? deps.deadlines.priorityWorkingDays : deps.deadlines.workingDays);
      const deadline = deps.calendar.deadlineAfter(createdAt, workingDays);
      const signers = template.signers.map((spec, i) => {
        const signerId = randomUUID();
        const organisation = spec.role === 'utility';
        // check() has made sure every person who signs is named.
        const person = organisation ? undefined : signerIdentity(input.variables, spec.role);
        return {
          id: signerId,
          contract_id: id,
          position: i + 1,
          role: spec.role,
          label: spec.label,
          kind: organisation ? ('organisation' as const) : ('person' as const),
          name: organisation ? org.name : person!.name,
          field_name: `sig_${spec.role}`,
          status: 'pending',
          id_type: person?.idType ?? null,
          ...deps.personalData.sealSigner(signerId, { id_number: person?.idNumber ?? null, mobile: person?.mobile ?? null }),
          ...(person ? deps.links.issue(signerId, createdAt, deadline) : { token_hash: null, token_expires_at: null }),
        };
      });
      const result = await runIdempotent(db, idem, id, async (tx) => {
        await contractRepository.insert(tx, {
          contract: {
            id,
            organisation_id: organisationId,
            contract_number: contractNumber,
            template_id: template.id,
            template_version: template.version,
            template_sha256: template.sha256,
            reference: input.reference,
            status: 'awaiting_signatures',
            variables: deps.personalData.sealVariables(id, input.variables),
            auto_sign: input.autoSign ?? null,
            priority: input.priority ?? false,
            notify: input.notify ?? true,
            printed_party: utility,
            deadline_working_days: workingDays,
            deadline,
            created_by: ctx.actor.id,
            created_at: createdAt,
          },
          document: { contract_id: id, version: 1, object_key: objectKey, sha256, size: pdf.byteLength, reason: 'generated' },
          signers,
        });
        const document = { version: 1, sha256 };
        await deps.audit.append(tx, {
          contractId: id, type: 'contract.created', ctx, at: createdAt, document,
          data: { contractNumber, templateId: template.id, templateVersion: template.version, reference: input.reference, priority: input.priority ?? false, ...(origin ? { batchId: origin.batchId } : {}) },
        });
        await notifySigner(tx, signers[0], ctx, createdAt, document, input.notify ?? true);
      });
      // Only an organisation signing first can be due for an automatic signature right after creation.
      if (!result.replayed && deps.afterCreate && signers[0].kind === 'organisation') await deps.afterCreate(id);
      return { contract: await load(ALL_ORGANISATIONS, result.resourceId), replayed: result.replayed };
    },

    async list(scope: Scope, query: unknown): Promise<{ items: ContractView[]; nextCursor: string | null }> {
      const parsed = listInput.safeParse(query);
      if (!parsed.success) {
        throw invalidQuery(parsed.error, 'The list query is not valid');
      }
      const q = parsed.data;
      const at = now();
      const [p, seq] = q.cursor ? q.cursor.split('.') : [];
      const rows = await contractRepository.list(db, {
        organisationId: scope.organisationId,
        reference: q.reference,
        status: q.status,
        sla: q.sla,
        templateId: q.templateId,
        priority: q.priority === undefined ? undefined : q.priority === 'true',
        // Days are China days: a contract made at 07:00 on the 2nd (China) is of the 2nd, whatever the server's zone.
        createdFrom: q.createdFrom ? chinaMidnight(q.createdFrom) : undefined,
        createdBefore: q.createdTo ? new Date(chinaMidnight(q.createdTo).getTime() + 86_400_000) : undefined,
        awaiting: q.awaiting,
        search: q.q ? { text: q.q, ...(/^[\d\s+-]{11,}$/.test(q.q) ? { mobileIndex: deps.personalData.mobileIndex(q.q) } : {}) } : undefined,
        now: at,
        todayEnd: deps.calendar.deadlineAfter(at, 0),
        after: q.cursor ? { priority: p === '1', seq: Number(seq) } : undefined,
        limit: q.limit + 1,
      });
      const page = rows.slice(0, q.limit);
      const last = page[page.length - 1];
      const nextCursor = rows.length > q.limit ? `${last.priority ? 1 : 0}.${last.seq}` : null;
      return { items: await views(page), nextCursor };
    },

    async document(scope: Scope, id: string, version?: number): Promise<{ bytes: Buffer; sha256: string; version: number; contractNumber: string }> {
      const contract = await scopedRow(scope, id);
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
  return service;
}

export type ContractService = ReturnType<typeof createContractService>;
