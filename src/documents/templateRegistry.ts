import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import type { DocumentDef } from './documentModel.js';

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
}

export interface FieldError {
  /** JSON pointer of the offending value, e.g. "/applicant/mobile". */
  path: string;
  message: string;
}

export interface TemplateRegistry {
  /** Every version of every template, by id then version. */
  list(): Template[];
  /** The latest version when `version` is omitted. */
  get(id: string, version?: number): Template | undefined;
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
  const template: Template = {
    ...meta,
    schema,
    example: json('example.json'),
    document: json('document.json'),
    sha256: folderDigest(files),
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

/**
 * Loads `<dir>/<id>/v<N>/` folders. Fails at start-up when a folder is
 * inconsistent (id/version mismatch, example not valid), never at signing time.
 */
export async function loadTemplates(dir: string): Promise<TemplateRegistry> {
  // strictTypes/strictRequired reject the usual if/then idiom (a bare "required" in a branch).
  const ajv = new Ajv2020({ allErrors: true, strict: true, strictTypes: false, strictRequired: false });
  addFormats(ajv);
  const validators = new Map<Template, ValidateFunction>();
  const byId = new Map<string, Template[]>();
  for (const id of (await readdir(dir, { withFileTypes: true })).filter((d) => d.isDirectory()).map((d) => d.name).sort()) {
    const versions = (await readdir(join(dir, id))).filter((v) => /^v\d+$/.test(v));
    for (const v of versions) {
      const { template, validator } = await loadVersion(ajv, join(dir, id, v));
      if (template.id !== id || `v${template.version}` !== v) {
        throw new Error(`${join(dir, id, v)}: template.json says ${template.id} v${template.version}`);
      }
      validators.set(template, validator);
      byId.set(id, [...(byId.get(id) ?? []), template].sort((a, b) => a.version - b.version));
    }
  }
  return {
    list: () => [...byId.values()].flat(),
    get(id, version) {
      const versions = byId.get(id);
      if (!versions) return undefined;
      return version === undefined ? versions[versions.length - 1] : versions.find((t) => t.version === version);
    },
    validate(t, variables) {
      let validator = validators.get(t);
      if (!validator) {
        validator = ajv.compile(t.schema);
        validators.set(t, validator);
      }
      return validator(variables) ? [] : toFieldErrors(validator.errors);
    },
  };
}
