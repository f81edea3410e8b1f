import { z } from 'zod';
import type { Database } from '../storage/db/database.js';
import { organisationRepository, type ApiKeyRow, type OrganisationRow } from '../storage/db/organisationRepository.js';
import { DomainError } from '../domain/errors.js';
import { invalidBody } from '../domain/validation.js';
import type { RequestContext } from '../domain/requestContext.js';
import { organisationChain, type AuditTrail } from '../audit/auditTrail.js';
import { isValidCreditCode } from './creditCode.js';
import { PkiError, type CertificateInfo } from '../pki/index.js';

export const DEFAULT_ORGANISATION = 'default';

/** A utility as contracts, seals and certificates name it. */
export interface Organisation {
  id: string;
  name: string;
  creditCode: string;
  address: string;
  phone: string;
  contractNumberPrefix: string;
  /** Printed on the seal; the credit code when the utility has no seal number of its own. */
  sealNumber: string;
  /** Applicants may draw a handwritten signature beside their printed name (else the printed name alone). */
  handwrittenSignature: boolean;
  createdAt: string;
  updatedAt: string;
}

export interface ApiKeyView {
  id: string;
  role: string;
  organisationId: string | null;
  label: string;
  createdAt: string;
  revokedAt: string | null;
}

/** Roles an organisation's keys may have; the platform admin belongs to none. */
export const ORGANISATION_ROLES = ['workflow', 'utility', 'auditor'] as const;

const printable = (what: string, max: number) =>
  z
    .string({ message: `${what} is required` })
    .trim()
    .min(1, `${what} must not be empty`)
    .max(max, `${what} must be at most ${max} characters`)
    // eslint-disable-next-line no-control-regex
    .refine((s) => !/[\u0000-\u001f\u007f]/.test(s), `${what} must not contain control characters`);

const contact = {
  address: printable('address', 200),
  phone: z.string({ message: 'phone is required' }).trim().regex(/^[0-9+\-() ]{5,32}$/, 'phone must be 5–32 digits, spaces, "+", "-" or brackets'),
};

const handwriting = z.boolean({ message: 'handwrittenSignature must be true or false' });

const createInput = z
  .object({
    id: z.string({ message: 'id is required' }).regex(/^[a-z0-9][a-z0-9-]{1,31}$/, 'id must be 2–32 lower-case letters, digits or "-", starting with a letter or digit'),
    name: printable('name', 64).refine((s) => s.length >= 2, 'name must be at least 2 characters'),
    ...contact,
    creditCode: z
      .string({ message: 'creditCode is required' })
      .refine(isValidCreditCode, 'creditCode must be an 18-character 统一社会信用代码 with the right check character'),
    contractNumberPrefix: z.string({ message: 'contractNumberPrefix is required' }).regex(/^[A-Z]{2,8}$/, 'contractNumberPrefix must be 2 to 8 capital letters'),
    sealNumber: z.string().regex(/^[0-9A-Za-z-]{4,32}$/, 'sealNumber must be 4–32 letters, digits or "-"').optional(),
    handwrittenSignature: handwriting.optional(),
  })
  .strict();

const patchInput = z.object({ ...contact, handwrittenSignature: handwriting }).partial().strict();
const importInput = z
  .object({
    pkcs12: z.string({ message: 'pkcs12 is required: the certificate, its chain and its key as base64 PKCS#12' }).regex(/^[A-Za-z0-9+/=\s]{64,200000}$/, 'pkcs12 must be base64'),
    password: z.string({ message: 'password is required (the PKCS#12 password; may be empty)' }).max(200),
  })
  .strict();
const apiKeyInput = z.object({ role: z.enum(ORGANISATION_ROLES, { message: `role must be one of ${ORGANISATION_ROLES.join(', ')}` }), label: printable('label', 100).optional() }).strict();


export function organisationView(r: OrganisationRow): Organisation {
  return {
    id: r.id,
    name: r.name,
    creditCode: r.credit_code,
    address: r.address,
    phone: r.phone,
    contractNumberPrefix: r.contract_number_prefix,
    sealNumber: r.seal_number ?? r.credit_code,
    handwrittenSignature: r.handwritten_signature,
    createdAt: new Date(r.created_at).toISOString(),
    updatedAt: new Date(r.updated_at).toISOString(),
  };
}

const keyView = (k: ApiKeyRow): ApiKeyView => ({
  id: k.id,
  role: k.role,
  organisationId: k.organisation_id,
  label: k.label,
  createdAt: new Date(k.created_at).toISOString(),
  revokedAt: k.revoked_at ? new Date(k.revoked_at).toISOString() : null,
});

export interface OrganisationServiceDeps {
  db: Database;
  /** The organisation's certificate: issued (with its key) before the organisation is usable, shown, rotated. */
  certificates: {
    issue(o: Organisation): Promise<void>;
    current(o: Organisation): Promise<CertificateInfo>;
    rotate(o: Organisation): Promise<CertificateInfo>;
    import(o: Organisation, pkcs12: Buffer, password: string): Promise<CertificateInfo>;
  };
  /** Mints a key, returning it once and the record to keep. */
  mintKey: (role: string) => { key: string; id: string; hash: string };
  /** Forgets a revoked key at once on this instance (others within their cache lifetime). */
  forgetKey: (id: string) => void;
  /** Key creation and revocation go on the organisation's chain, as whoever did them. */
  audit: AuditTrail;
}

export function createOrganisationService(deps: OrganisationServiceDeps) {
  const { db } = deps;
  const byId = new Map<string, { at: number; org: Organisation }>();

  async function find(id: string): Promise<Organisation> {
    const row = await organisationRepository.get(db, id);
    if (!row) throw new DomainError('not_found', 'organisation_not_found', `No organisation ${id}; see GET /api/v1/organisations`);
    return organisationView(row);
  }

  return {
    get: find,

    /**
     * The organisation a contract is made and sealed for, as it is now. Read often (every contract,
     * every seal), changed rarely: kept a minute, so an edit of the contact data reaches other
     * instances within that time.
     */
    async current(id: string): Promise<Organisation> {
      const hit = byId.get(id);
      if (hit && Date.now() - hit.at < 60_000) return hit.org;
      const org = await find(id);
      byId.set(id, { at: Date.now(), org });
      return org;
    },

    async list(): Promise<Organisation[]> {
      return (await organisationRepository.list(db)).map(organisationView);
    },

    async create(body: unknown): Promise<Organisation> {
      const parsed = createInput.safeParse(body ?? {});
      if (!parsed.success) throw invalidBody(parsed.error);
      const i = parsed.data;
      const row = { id: i.id, name: i.name, credit_code: i.creditCode, address: i.address, phone: i.phone, contract_number_prefix: i.contractNumberPrefix, seal_number: i.sealNumber ?? null, handwritten_signature: i.handwrittenSignature ?? true };
      const taken = await organisationRepository.conflicts(db, row);
      if (taken.length) throw new DomainError('conflict', 'organisation_exists', `Another organisation already has this ${taken.join(', ')}`, taken.map((t) => ({ path: `/${t}`, message: 'already taken' })));
      const inserted = await organisationRepository.insert(db, row);
      if (!inserted) throw new DomainError('conflict', 'organisation_exists', 'Another organisation was created with the same id, credit code or number prefix just now');
      const org = organisationView(inserted);
      // Nobody holds a key of it yet, so nothing can use it before its certificate exists; without one it is taken back.
      try {
        await deps.certificates.issue(org);
      } catch (err) {
        await organisationRepository.remove(db, org.id);
        throw err;
      }
      return org;
    },

    /**
     * Contact data and the handwriting setting only: the name, credit code and prefix are in the
     * organisation's certificate and in contract numbers already issued.
     */
    async update(id: string, body: unknown): Promise<Organisation> {
      const parsed = patchInput.safeParse(body ?? {});
      if (!parsed.success) throw invalidBody(parsed.error);
      if (id === DEFAULT_ORGANISATION) {
        throw new DomainError('conflict', 'organisation_configured', 'The default organisation is described by the UTILITY_* settings; change them and restart');
      }
      const row = await organisationRepository.updateContact(db, id, parsed.data);
      if (!row) throw new DomainError('not_found', 'organisation_not_found', `No organisation ${id}; see GET /api/v1/organisations`);
      byId.delete(id);
      return organisationView(row);
    },

    async certificate(id: string): Promise<CertificateInfo> {
      return deps.certificates.current(await find(id));
    },

    async rotateCertificate(id: string): Promise<CertificateInfo> {
      return deps.certificates.rotate(await find(id));
    },

    /** The organisation's own certificate and key, e.g. from a licensed CA, as a base64 PKCS#12. */
    async importCertificate(id: string, body: unknown): Promise<CertificateInfo> {
      const parsed = importInput.safeParse(body ?? {});
      if (!parsed.success) throw invalidBody(parsed.error);
      const org = await find(id);
      try {
        return await deps.certificates.import(org, Buffer.from(parsed.data.pkcs12, 'base64'), parsed.data.password);
      } catch (err) {
        if (err instanceof PkiError && err.code === 'import_invalid') {
          throw new DomainError('unprocessable', 'certificate_invalid', err.message, [{ path: '/pkcs12', message: err.message }]);
        }
        throw err;
      }
    },

    async apiKeys(id: string): Promise<ApiKeyView[]> {
      await find(id);
      return (await organisationRepository.apiKeys(db, id)).map(keyView);
    },

    async createApiKey(ctx: RequestContext, id: string, body: unknown): Promise<ApiKeyView & { key: string }> {
      const parsed = apiKeyInput.safeParse(body ?? {});
      if (!parsed.success) throw invalidBody(parsed.error);
      await find(id);
      const minted = deps.mintKey(parsed.data.role);
      const row = await db.transaction(async (tx) => {
        const inserted = await organisationRepository.insertApiKey(tx, {
          id: minted.id, role: parsed.data.role, organisation_id: id, key_hash: minted.hash, label: parsed.data.label ?? `${parsed.data.role} key`,
        });
        await deps.audit.append(tx, { contractId: organisationChain(id), type: 'organisation.api_key_created', ctx, at: new Date(), data: { keyId: inserted.id, role: inserted.role, label: inserted.label } });
        return inserted;
      });
      return { ...keyView(row), key: minted.key };
    },

    async revokeApiKey(ctx: RequestContext, id: string, keyId: string): Promise<ApiKeyView> {
      const row = await db.transaction(async (tx) => {
        const revoked = await organisationRepository.revokeApiKey(tx, id, keyId);
        if (!revoked) throw new DomainError('not_found', 'api_key_not_found', `Organisation ${id} has no API key ${keyId}`);
        await deps.audit.append(tx, { contractId: organisationChain(id), type: 'organisation.api_key_revoked', ctx, at: new Date(), data: { keyId: revoked.id, role: revoked.role } });
        return revoked;
      });
      deps.forgetKey(row.id);
      return keyView(row);
    },
  };
}

export type OrganisationService = ReturnType<typeof createOrganisationService>;
