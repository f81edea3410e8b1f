import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { Database, Queryable } from '../storage/db/database.js';
import { batchRepository, type BatchRow, type ItemResultRow, type ItemStatus, type NewItem } from '../storage/db/batchRepository.js';
import { columnOfPath, sheetColumns, type SheetError, type SheetItem } from './spreadsheet.js';
import { contractRepository } from '../storage/db/contractRepository.js';
import { DomainError, type ErrorDetail } from '../domain/errors.js';
import { invalidBody, invalidQuery, zodDetails } from '../domain/validation.js';
import { scopeOfContext, visibleIn, type RequestContext, type Scope } from '../domain/requestContext.js';
import { replayedResource, requestHash, runIdempotent, validateIdempotencyKey } from '../domain/idempotency.js';
import type { PersonalData } from '../domain/personalData.js';
import type { ContractService } from '../contracts/contractService.js';
import { contractIdsInput } from '../ceremony/countersign.js';
import type { SigningLinks } from '../contracts/signingLinks.js';
import type { TemplateRegistry } from '../documents/index.js';

/** A utility re-signing its reliability agreements with every existing customer issues thousands at once. */
export const BATCH_MAX_ITEMS = 10_000;
/** At most this many errors in a batch's status; the items list has them all. */
const STATUS_ERRORS = 1000;

const item = z.object({
  reference: z
    .string({ message: 'reference is required: the id of the application (or customer) in the calling workflow' })
    .min(1, 'reference must not be empty')
    .max(200, 'reference must be at most 200 characters'),
  variables: z.record(z.string(), z.unknown(), { message: 'variables must be an object' }),
  priority: z.boolean({ message: 'priority must be true or false (绿色通道)' }).optional(),
});

const submitInput = z.object({
  templateId: z.string({ message: 'templateId is required (see GET /api/v1/templates)' }).min(1),
  templateVersion: z.number().int().positive().optional(),
  notify: z.boolean({ message: 'notify must be true or false: false when the workflow sends the signing links itself' }).optional(),
  deadlineWorkingDays: z.number().int().min(1, 'deadlineWorkingDays must be at least 1').max(60).optional(),
  autoSign: z.boolean({ message: 'autoSign must be true or false: false when the utility countersigns the batch itself' }).optional(),
  items: z
    .array(item, { message: 'items must be a list of {reference, variables, priority?}' })
    .min(1, 'items must hold at least one item')
    .max(BATCH_MAX_ITEMS, `at most ${BATCH_MAX_ITEMS} items per batch`),
});
type SubmitInput = z.infer<typeof submitInput>;

const countersignInput = contractIdsInput(BATCH_MAX_ITEMS, 'batch');

/** A bulk-issuance sheet as read from its file: the rows, and the cells that could not be read. */
export interface SheetInput {
  templateId: string;
  items: SheetItem[];
  cellErrors: SheetError[];
  options?: BatchRow['options'];
}

export interface SheetPlan {
  organisationId: string;
  templateId: string;
  templateVersion: number;
  total: number;
  valid: number;
  /** Every problem, by row (as the spreadsheet numbers it) and column. */
  errors: Array<SheetError & { reference: string; code: string }>;
  rows: Array<SheetItem & { rejected?: NonNullable<NewItem['rejected']> }>;
}

const listQuery = z.object({
  limit: z.coerce.number().int().min(1).max(100).default(20),
  cursor: z.string().regex(/^\d+$/, 'cursor is the nextCursor of the previous page').optional(),
});

const itemsQuery = z.object({
  from: z.coerce.number().int().min(0).default(0),
  limit: z.coerce.number().int().min(1).max(BATCH_MAX_ITEMS).default(500),
  status: z.enum(['pending', 'created', 'existing', 'signed', 'skipped', 'failed']).optional(),
});

export interface BatchItemError {
  index: number;
  reference: string | null;
  contractId?: string;
  code: string;
  message: string;
  details?: unknown[];
}

export interface BatchView {
  id: string;
  kind: BatchRow['kind'];
  status: BatchRow['status'];
  templateId: string | null;
  templateVersion: number | null;
  sourceBatchId: string | null;
  total: number;
  /** Items worked off so far, and how: created (new contract), existing (made by an earlier batch), signed, skipped, failed. */
  pending: number;
  created: number;
  existing: number;
  signed: number;
  skipped: number;
  failed: number;
  errors: BatchItemError[];
  errorsTruncated: boolean;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
}

export interface BatchItemView {
  index: number;
  /** The row of the uploaded sheet, for a batch issued from one in the console. */
  row: number | null;
  reference: string | null;
  status: ItemStatus;
  contractId: string | null;
  contractNumber: string | null;
  contractStatus: string | null;
  /** The first person's signing link, for a workflow that sends the links itself. */
  signingUrl?: string;
  code?: string;
  message?: string;
  details?: unknown[];
}

/** Each item of a batch, as the single create call would receive it. */
export function itemRequest(batch: Pick<BatchRow, 'template_id' | 'template_version' | 'options'>, it: { reference: string; variables: Record<string, unknown>; priority?: boolean }) {
  return {
    templateId: batch.template_id,
    templateVersion: batch.template_version,
    reference: it.reference,
    variables: it.variables,
    ...(it.priority !== undefined ? { priority: it.priority } : {}),
    ...batch.options,
  };
}

export interface BatchServiceDeps {
  db: Database;
  templates: TemplateRegistry;
  contracts: Pick<ContractService, 'check'>;
  personalData: PersonalData;
  links: SigningLinks;
  /** Called once a batch is stored: the worker starts on it now rather than at its next poll. */
  queued?: () => void;
}

/**
 * Batches: many contracts from one template in one request, worked off in the background by the batch
 * worker; and the utility's countersignature over every contract of a batch. The request is checked as a
 * whole (template, size, references unique) before anything is stored; each item is checked and made
 * as the single create call would, and its error reported by index and reference.
 */
export function createBatchService(deps: BatchServiceDeps) {
  const { db } = deps;

  function parse(ctx: RequestContext, body: unknown): { input: SubmitInput; organisationId: string; templateVersion: number } {
    const parsed = submitInput.safeParse(body ?? {});
    if (!parsed.success) throw new DomainError('unprocessable', 'validation_failed', 'The request body is not a valid batch', zodDetails(parsed.error).slice(0, 100));
    const input = parsed.data;
    const organisationId = ctx.organisationId;
    if (!organisationId) throw new DomainError('forbidden', 'organisation_required', 'Batches are made by an organisation\'s API keys');
    const template = deps.templates.get(input.templateId, input.templateVersion, organisationId);
    if (!template) {
      const what = input.templateVersion ? `${input.templateId} version ${input.templateVersion}` : input.templateId;
      throw new DomainError('not_found', 'template_not_found', `No template ${what}; see GET /api/v1/templates`);
    }
    const seen = new Map<string, number>();
    const repeated: ErrorDetail[] = [];
    input.items.forEach((it, i) => {
      const first = seen.get(it.reference);
      if (first === undefined) seen.set(it.reference, i);
      else repeated.push({ path: `/items/${i}/reference`, message: `reference "${it.reference}" is item ${first}'s as well` });
    });
    if (repeated.length > 0) {
      throw new DomainError('unprocessable', 'duplicate_reference', 'Each item of a batch needs a reference of its own', repeated.slice(0, 100));
    }
    // The version is fixed when the batch is accepted: a template published while it runs changes nothing in it.
    return { input, organisationId, templateVersion: template.version };
  }

  function errorOf(r: Pick<ItemResultRow, 'idx' | 'reference' | 'contract_id' | 'error_code' | 'error'>): BatchItemError {
    return {
      index: r.idx,
      reference: r.reference,
      ...(r.contract_id ? { contractId: r.contract_id } : {}),
      code: r.error_code ?? 'failed',
      message: r.error?.message ?? '',
      ...(r.error?.details ? { details: r.error.details } : {}),
    };
  }

  async function scoped(scope: Scope, id: string): Promise<BatchRow> {
    const row = await batchRepository.get(db, id);
    if (!row || !visibleIn(scope, row.organisation_id)) throw new DomainError('not_found', 'batch_not_found', `No batch with id ${id}`);
    return row;
  }

  /** `counts`: the batch's item counts when the caller read them for several batches at once. */
  async function view(row: BatchRow, counts?: Awaited<ReturnType<typeof batchRepository.counts>>): Promise<BatchView> {
    counts ??= await batchRepository.counts(db, [row.id]);
    const n = (s: ItemStatus) => counts.find((c) => c.batch_id === row.id && c.status === s)?.n ?? 0;
    const unsuccessful = n('failed') + n('skipped');
    const errors = unsuccessful > 0 ? await batchRepository.results(db, row.id, { from: 0, limit: STATUS_ERRORS, statuses: ['failed', 'skipped'] }) : [];
    return {
      id: row.id,
      kind: row.kind,
      status: row.status,
      templateId: row.template_id,
      templateVersion: row.template_version,
      sourceBatchId: row.source_batch_id,
      total: row.total,
      pending: n('pending'),
      created: n('created'),
      existing: n('existing'),
      signed: n('signed'),
      skipped: n('skipped'),
      failed: n('failed'),
      errors: errors.map(errorOf),
      errorsTruncated: unsuccessful > STATUS_ERRORS,
      createdAt: new Date(row.created_at).toISOString(),
      startedAt: row.started_at ? new Date(row.started_at).toISOString() : null,
      finishedAt: row.finished_at ? new Date(row.finished_at).toISOString() : null,
    };
  }

  /** Stores a batch and its items in one transaction; the worker is told at once. */
  async function store(tx: Queryable, ctx: RequestContext, b: Pick<BatchRow, 'id' | 'organisation_id' | 'kind' | 'template_id' | 'template_version' | 'options' | 'source_batch_id'>, items: NewItem[]) {
    await batchRepository.insert(tx, { ...b, requested_by: requestedBy(ctx), total: items.length }, items);
  }

  /** Item variables are bound to the batch and the item: a sealed value moved to another row does not open. */
  const sealed = (batchId: string, idx: number, variables: Record<string, unknown>) => deps.personalData.sealVariables(`batch:${batchId}:${idx}`, variables);

  const requestedBy = (ctx: RequestContext): BatchRow['requested_by'] => ({
    actor: ctx.actor,
    ...(ctx.ip ? { ip: ctx.ip } : {}),
    ...(ctx.userAgent ? { userAgent: ctx.userAgent.slice(0, 300) } : {}),
  });

  async function countersignBatch(ctx: RequestContext, contracts: string[], from: Pick<BatchRow, 'template_id' | 'template_version' | 'source_batch_id'>): Promise<BatchView> {
    const scope = scopeOfContext(ctx);
    // Another organisation's contract (or none) is recorded as not found, never linked to the batch.
    const own = new Set(await batchRepository.contractsOfOrganisation(db, scope.organisationId!, contracts));
    const batchId = randomUUID();
    await db.transaction((tx) =>
      store(
        tx,
        ctx,
        { id: batchId, organisation_id: scope.organisationId!, kind: 'countersign', options: {}, ...from },
        contracts.map((contractId, idx) =>
          own.has(contractId)
            ? { idx, reference: null, priority: false, variables: null, contract_id: contractId }
            : { idx, reference: contractId, priority: false, variables: null, contract_id: null, rejected: { code: 'contract_not_found', error: { message: `No contract with id ${contractId}` } } },
        ),
      ),
    );
    deps.queued?.();
    return view(await scoped(scope, batchId));
  }

  function planSheet(ctx: RequestContext, sheet: SheetInput): SheetPlan {
    const organisationId = ctx.organisationId;
    if (!organisationId) throw new DomainError('forbidden', 'organisation_required', 'Batches are made by an organisation\'s staff or API keys');
    const template = deps.templates.get(sheet.templateId, undefined, organisationId);
    if (!template) throw new DomainError('not_found', 'template_not_found', `No template ${sheet.templateId}`);
    const columns = sheetColumns(template.schema as never);
    const errors: SheetPlan['errors'] = sheet.cellErrors.map((e) => ({ ...e, reference: sheet.items.find((i) => i.row === e.row)?.reference ?? '', code: 'invalid_cell' }));
    const firstRow = new Map<string, number>();
    const rows = sheet.items.map((it) => {
      const own = errors.filter((e) => e.row === it.row);
      const earlier = firstRow.get(it.reference);
      if (it.reference && earlier !== undefined) own.push({ row: it.row, reference: it.reference, column: 'reference', code: 'duplicate_reference', message: `业务编号与第 ${earlier} 行重复` });
      else if (it.reference) firstRow.set(it.reference, it.row);
      if (own.length === 0) {
        try {
          deps.contracts.check(ctx, itemRequest({ template_id: template.id, template_version: template.version, options: sheet.options ?? {} }, it));
        } catch (err) {
          if (!(err instanceof DomainError)) throw err;
          const details = err.details?.length ? err.details : [{ path: '', message: err.message }];
          for (const d of details) own.push({ row: it.row, reference: it.reference, column: columnOfPath(d.path, columns), code: err.code, message: d.message });
        }
      }
      for (const e of own) if (!errors.includes(e)) errors.push(e);
      return { ...it, ...(own.length > 0 ? { rejected: { code: own[0].code, error: { message: own.map((e) => `${e.column}: ${e.message}`).join('；'), details: own.map((e) => ({ path: e.column, message: e.message })) } } } : {}) };
    });
    errors.sort((a, b) => a.row - b.row);
    const valid = rows.filter((r) => !r.rejected).length;
    return { organisationId, templateId: template.id, templateVersion: template.version, total: rows.length, valid, errors, rows };
  }

  return {
    /** Accepts a batch for the worker; an Idempotency-Key makes a retried request answer with the first batch. */
    async submit(ctx: RequestContext, body: unknown, idempotencyKey?: string): Promise<{ batch: BatchView; replayed: boolean }> {
      const { input, organisationId, templateVersion } = parse(ctx, body);
      let idem;
      if (idempotencyKey !== undefined) {
        validateIdempotencyKey(idempotencyKey);
        idem = { principal: ctx.actor.id, key: idempotencyKey, operation: 'batches.create', requestHash: requestHash('batches.create', body) };
        const earlier = await replayedResource(db, idem);
        if (earlier) return { batch: await view(await scoped(scopeOfContext(ctx), earlier)), replayed: true };
      }
      const id = randomUUID();
      const options = {
        ...(input.notify !== undefined ? { notify: input.notify } : {}),
        ...(input.deadlineWorkingDays !== undefined ? { deadlineWorkingDays: input.deadlineWorkingDays } : {}),
        ...(input.autoSign !== undefined ? { autoSign: input.autoSign } : {}),
      };
      const result = await runIdempotent(db, idem, id, (tx) =>
        store(
          tx,
          ctx,
          { id, organisation_id: organisationId, kind: 'issue', template_id: input.templateId, template_version: templateVersion, options, source_batch_id: null },
          input.items.map((it, idx) => ({ idx, reference: it.reference, priority: it.priority ?? false, variables: sealed(id, idx, it.variables), contract_id: null })),
        ),
      );
      if (!result.replayed) deps.queued?.();
      return { batch: await view(await scoped(scopeOfContext(ctx), result.resourceId)), replayed: result.replayed };
    },

    /** Every item checked as the create call would check it, nothing stored: the errors by index and reference. */
    preview(ctx: RequestContext, body: unknown): { total: number; valid: number; errors: BatchItemError[] } {
      const { input, templateVersion } = parse(ctx, body);
      const errors: BatchItemError[] = [];
      input.items.forEach((it, index) => {
        try {
          deps.contracts.check(ctx, itemRequest({ template_id: input.templateId, template_version: templateVersion, options: {} }, it));
        } catch (err) {
          if (!(err instanceof DomainError)) throw err;
          errors.push({ index, reference: it.reference, code: err.code, message: err.message, ...(err.details ? { details: err.details } : {}) });
        }
      });
      return { total: input.items.length, valid: input.items.length - errors.length, errors };
    },

    /** The utility's signature on every contract the batch made, as a batch of its own. */
    async countersign(ctx: RequestContext, id: string): Promise<BatchView> {
      const source = await scoped(scopeOfContext(ctx), id);
      if (source.kind !== 'issue') throw new DomainError('conflict', 'not_an_issue_batch', 'Only a batch that issued contracts can be countersigned');
      if (source.status !== 'completed') {
        throw new DomainError('conflict', 'batch_not_finished', `The batch is ${source.status}: countersign it once every item is worked off`);
      }
      const contracts = await batchRepository.contractsOf(db, id);
      if (contracts.length === 0) throw new DomainError('conflict', 'nothing_to_countersign', 'The batch made no contract');
      return countersignBatch(ctx, contracts, { template_id: source.template_id, template_version: source.template_version, source_batch_id: id });
    },

    /** The utility's signature on each of these contracts (the console's batch countersign), as a batch. */
    async countersignContracts(ctx: RequestContext, body: unknown): Promise<BatchView> {
      const parsed = countersignInput.safeParse(body ?? {});
      if (!parsed.success) throw invalidBody(parsed.error);
      return countersignBatch(ctx, parsed.data.ids, { template_id: null, template_version: null, source_batch_id: null });
    },

    /**
     * A bulk-issuance sheet checked row by row, nothing stored: each row's problems by row and column.
     * The same plan as submitSheet makes, so what the preview shows is what the batch will hold.
     */
    async previewSheet(ctx: RequestContext, sheet: SheetInput): Promise<SheetPlan> {
      return planSheet(ctx, sheet);
    },

    /** The sheet's good rows as a batch, its refused rows recorded in it as failed (with the reasons), so the result names every row. */
    async submitSheet(ctx: RequestContext, sheet: SheetInput): Promise<{ batch: BatchView; plan: SheetPlan }> {
      const plan = planSheet(ctx, sheet);
      if (plan.valid === 0) throw new DomainError('unprocessable', 'no_valid_rows', 'No row of the sheet can be issued: fix the rows listed in details', plan.errors.slice(0, 100).map((e) => ({ path: `row ${e.row} ${e.column}`, message: e.message })));
      const id = randomUUID();
      await db.transaction((tx) =>
        store(
          tx,
          ctx,
          { id, organisation_id: plan.organisationId, kind: 'issue', template_id: plan.templateId, template_version: plan.templateVersion, options: sheet.options ?? {}, source_batch_id: null },
          plan.rows.map((r, idx) => ({
            idx,
            reference: r.reference || null,
            source_row: r.row,
            priority: r.priority ?? false,
            variables: r.rejected ? null : sealed(id, idx, r.variables),
            contract_id: null,
            ...(r.rejected ? { rejected: r.rejected } : {}),
          })),
        ),
      );
      deps.queued?.();
      return { batch: await view(await scoped(scopeOfContext(ctx), id)), plan };
    },

    async get(scope: Scope, id: string): Promise<BatchView> {
      return view(await scoped(scope, id));
    },

    async list(scope: Scope, query: unknown): Promise<{ items: BatchView[]; nextCursor: string | null }> {
      const parsed = listQuery.safeParse(query);
      if (!parsed.success) throw invalidQuery(parsed.error, 'The list query is not valid');
      if (!scope.organisationId) return { items: [], nextCursor: null };
      const rows = await batchRepository.list(db, scope.organisationId, parsed.data.limit + 1, parsed.data.cursor);
      const page = rows.slice(0, parsed.data.limit);
      // One count over the page, not one per batch.
      const counts = page.length > 0 ? await batchRepository.counts(db, page.map((b) => b.id)) : [];
      return { items: await Promise.all(page.map((b) => view(b, counts))), nextCursor: rows.length > page.length ? page[page.length - 1].seq : null };
    },

    /** The result of each item: the contract it made or signed, or its error; a page from index `from`. */
    async items(scope: Scope, id: string, query: unknown, withLinks: boolean): Promise<{ items: BatchItemView[]; next: number | null }> {
      const parsed = itemsQuery.safeParse(query);
      if (!parsed.success) throw invalidQuery(parsed.error, 'The items query is not valid');
      const batch = await scoped(scope, id);
      const { from, limit, status } = parsed.data;
      const rows = await batchRepository.results(db, batch.id, { from, limit: limit + 1, ...(status ? { statuses: [status] } : {}) });
      const page = rows.slice(0, limit);
      const links = new Map<string, string>();
      if (withLinks) {
        const signers = await contractRepository.signers(db, page.flatMap((r) => (r.contract_id ? [r.contract_id] : [])));
        for (const s of signers) {
          const url = s.status !== 'signed' && s.status !== 'declined' ? deps.links.urlFor(s) : undefined;
          if (url && !links.has(s.contract_id)) links.set(s.contract_id, url);
        }
      }
      return {
        items: page.map((r) => {
          const failedOrSkipped = r.status === 'failed' || r.status === 'skipped';
          const link = r.contract_id ? links.get(r.contract_id) : undefined;
          return {
            index: r.idx,
            row: r.source_row,
            reference: r.reference,
            status: r.status,
            contractId: r.contract_id,
            contractNumber: r.contract_number,
            contractStatus: r.contract_status,
            ...(link ? { signingUrl: link } : {}),
            ...(failedOrSkipped ? { code: r.error_code ?? 'failed', message: r.error?.message ?? '', ...(r.error?.details ? { details: r.error.details } : {}) } : {}),
          };
        }),
        next: rows.length > page.length ? page[page.length - 1].idx + 1 : null,
      };
    },
  };
}

export type BatchService = ReturnType<typeof createBatchService>;
