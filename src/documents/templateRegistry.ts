import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import type { DocumentDef } from './documentModel.js';
import { parseMessages, type SmsKind } from './templateMessages.js';

// ajv-formats is CommonJS: under NodeNext the default import is module.exports, which also carries .default.
const addFormats = addFormatsModule.default;

export interface SignerSpec { role: string; label: string; autoSign?: boolean }

export interface Template {
  id: string;
  version: number;
  title: string;
  description: string;
  schema: object;
  signers: SignerSpec[];
  example: Record<string, unknown>;
  /** Hex SHA-256 over the version folder's files (see folderDigest). */
  sha256: string;
  /** The body the renderer lays out. */
  document: DocumentDef;
  /** Set for a version one organisation added under TEMPLATES_DIR/<organisationId>/. */
  organisationId?: string;
  /** SMS texts of this version (`messages.json`, optional): kind → text with {{placeholders}}. */
  messages?: Partial<Record<SmsKind, string>>;
}

export interface FieldError {
  /** JSON pointer of the offending value, e.g. "/applicant/mobile". */
  path: string;
  message: string;
}

export interface TemplateRegistry {
  /**
   * Every version of every template an organisation uses, by id then version: the shared ones, where
   * the organisation's own versions shadow those of the same number. Without an organisation, the shared ones.
   */
  list(organisationId?: string): Template[];
  /** The latest version (of those the organisation uses) when `version` is omitted. */
  get(id: string, version?: number, organisationId?: string): Template | undefined;
  /** Every version loaded, shared and every organisation's. */
  everyVersion(): Template[];
  /** All schema violations; [] when valid. */
  validate(t: Template, variables: unknown): FieldError[];
}

const FILES = ['template.json', 'schema.json', 'example.json', 'document.json'] as const;
/** Names the renderer puts into the context next to the variables. */
const RESERVED_VARIABLES = ['contract', 'utility', 'item', 'index'];

/**
 * SHA-256 over each file's name, NUL, byte length, NUL and bytes, in name
 * order: a stable fingerprint of exactly what a contract was generated from.
 */
function folderDigest(files: { name: string; bytes: Buffer }[]): string {
  const hash = createHash('sha256');
  for (const f of [...files].sort((a, b) => (a.name < b.name ? -1 : 1))) {
    hash.update(`${f.name}\0${f.bytes.length}\0`).update(f.bytes);
  }
  return hash.digest('hex');
}

function toFieldErrors(errors: ErrorObject[] | null | undefined): FieldError[] {
  return (errors ?? []).map((e) => {
    if (e.keyword === 'required') {
      return { path: `${e.instancePath}/${(e.params as { missingProperty: string }).missingProperty}`, message: '缺少必填项' };
    }
    if (e.keyword === 'additionalProperties') {
      return { path: `${e.instancePath}/${(e.params as { additionalProperty: string }).additionalProperty}`, message: '不允许的字段' };
    }
    return { path: e.instancePath || '/', message: e.message ?? e.keyword };
  });
}

async function loadVersion(ajv: Ajv2020, folder: string): Promise<{ template: Template; validator: ValidateFunction }> {
  const names = (await readdir(folder)).sort();
  const files = await Promise.all(names.map(async (name) => ({ name, bytes: await readFile(join(folder, name)) })));
  const json = (name: (typeof FILES)[number]) => {
    const file = files.find((f) => f.name === name);
    if (!file) throw new Error(`${folder}: missing ${name}`);
    return JSON.parse(file.bytes.toString('utf8'));
  };
  const meta = json('template.json') as Pick<Template, 'id' | 'version' | 'title' | 'description' | 'signers'>;
  const schema = json('schema.json') as { properties?: Record<string, unknown> };
  const messages = files.find((f) => f.name === 'messages.json');
  const template: Template = {
    ...meta,
    schema,
    example: json('example.json'),
    document: json('document.json'),
    sha256: folderDigest(files),
    ...(messages ? { messages: parseMessages(JSON.parse(messages.bytes.toString('utf8')), folder) } : {}),
  };
  const reserved = RESERVED_VARIABLES.filter((name) => schema.properties && name in schema.properties);
  if (reserved.length > 0) throw new Error(`${folder}: schema must not define reserved top-level variables ${reserved.join(', ')}`);
  const validator = ajv.compile(schema);
  if (!validator(template.example)) {
    const detail = toFieldErrors(validator.errors).map((e) => `${e.path}: ${e.message}`).join('; ');
    throw new Error(`${folder}: example.json does not validate against schema.json: ${detail}`);
  }
  return { template, validator };
}

const subfolders = async (dir: string) => (await readdir(dir, { withFileTypes: true })).filter((d) => d.isDirectory()).map((d) => d.name).sort();
const isVersion = (name: string) => /^v\d+$/.test(name);

/**
 * Loads the shared `<dir>/<id>/v<N>/` folders and each organisation's own `<dir>/<organisationId>/<id>/v<N>/`
 * (a folder whose subfolders are templates rather than versions). Fails at start-up when a folder is
 * inconsistent (id/version mismatch, example not valid), never at signing time.
 */
export async function loadTemplates(dir: string): Promise<TemplateRegistry> {
  // One schema compiler per owner: an organisation's copy of a shared template may keep its schema's $id.
  const compilers = new Map<string, Ajv2020>();
  const compilerOf = (owner: string) => {
    let ajv = compilers.get(owner);
    if (!ajv) {
      // strictTypes/strictRequired reject the usual if/then idiom (a bare "required" in a branch).
      ajv = new Ajv2020({ allErrors: true, strict: true, strictTypes: false, strictRequired: false });
      addFormats(ajv);
      compilers.set(owner, ajv);
    }
    return ajv;
  };
  const validators = new Map<Template, ValidateFunction>();
  /** '' holds the shared templates. */
  const byOwner = new Map<string, Map<string, Template[]>>();
  async function loadTemplate(owner: string, folder: string, id: string, versions: string[]) {
    const byId = byOwner.get(owner) ?? new Map<string, Template[]>();
    byOwner.set(owner, byId);
    for (const v of versions) {
      const { template, validator } = await loadVersion(compilerOf(owner), join(folder, v));
      if (template.id !== id || `v${template.version}` !== v) {
        throw new Error(`${join(folder, v)}: template.json says ${template.id} v${template.version}`);
      }
      if (owner) template.organisationId = owner;
      validators.set(template, validator);
      byId.set(id, [...(byId.get(id) ?? []), template].sort((a, b) => a.version - b.version));
    }
  }
  for (const name of await subfolders(dir)) {
    const children = await subfolders(join(dir, name));
    if (children.some(isVersion) || children.length === 0) {
      await loadTemplate('', join(dir, name), name, children.filter(isVersion));
      continue;
    }
    if (!/^[a-z0-9][a-z0-9-]{1,31}$/.test(name)) throw new Error(`${join(dir, name)}: neither a template (v<N> folders) nor an organisation id`);
    for (const id of children) await loadTemplate(name, join(dir, name, id), id, (await subfolders(join(dir, name, id))).filter(isVersion));
  }
  const versionsOf = (id: string, organisationId?: string): Template[] => {
    const shared = byOwner.get('')?.get(id) ?? [];
    const own = organisationId ? byOwner.get(organisationId)?.get(id) ?? [] : [];
    if (own.length === 0) return shared;
    return [...own, ...shared.filter((t) => !own.some((o) => o.version === t.version))].sort((a, b) => a.version - b.version);
  };
  const idsOf = (organisationId?: string) => [...new Set([...(byOwner.get('')?.keys() ?? []), ...((organisationId && byOwner.get(organisationId)?.keys()) || [])])].sort();
  return {
    list: (organisationId) => idsOf(organisationId).flatMap((id) => versionsOf(id, organisationId)),
    get(id, version, organisationId) {
      const versions = versionsOf(id, organisationId);
      if (versions.length === 0) return undefined;
      return version === undefined ? versions[versions.length - 1] : versions.find((t) => t.version === version);
    },
    everyVersion: () => [...byOwner.values()].flatMap((m) => [...m.values()].flat()),
    validate(t, variables) {
      let validator = validators.get(t);
      if (!validator) {
        validator = compilerOf(t.organisationId ?? '').compile(t.schema);
        validators.set(t, validator);
      }
      return validator(variables) ? [] : toFieldErrors(validator.errors);
    },
  };
}
