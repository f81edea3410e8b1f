/** The data-driven body of a template version (`document.json`). */

export interface Condition {
  /** Dotted path into the rendering context. */
  path: string;
  equals?: unknown;
  in?: unknown[];
  /** true: the value is present and non-empty; false: it is absent or empty. */
  present?: boolean;
}

export interface Conditional { when?: Condition }

export interface ClauseDef extends Conditional {
  text: string;
  /** A key of `DocumentDef.keyTerms`: the clause is shown in the signing page's summary of what costs money or rights. */
  term?: string;
  /** A plain-words note beside the term in that summary (not part of the contract). */
  termNote?: string;
}

export type BlockDef =
  | ({ type: 'title'; text: string } & Conditional)
  | ({ type: 'paragraph'; text: string; indent?: boolean; align?: 'left' | 'right' | 'center'; bold?: boolean } & Conditional)
  | ({ type: 'article'; heading: string; clauses: (string | ClauseDef)[] } & Conditional)
  | ({
      type: 'table';
      columns: { header?: string; width: number }[];
      /** Header row drawn first and repeated after a page break. */
      headerRow?: boolean;
      /** First column in bold (label/value tables such as the party table). */
      labelColumn?: boolean;
      rows?: ({ cells: string[] } & Conditional)[];
      /** One row per element of an array; the element is bound to `item`, its 1-based position to `index`. */
      repeat?: { over: string; cells: string[] };
    } & Conditional)
  | ({ type: 'signatures'; parties: SignaturePartyDef[] } & Conditional)
  | ({ type: 'spacer'; heightMm: number } & Conditional);

export interface SignaturePartyDef {
  role: string;
  caption: string;
  /** Lines drawn under the signature field (date, representative...). */
  lines: string[];
  field: { widthMm: number; heightMm: number };
}

export interface DocumentDef {
  /** Value labels for `{{path | label:name}}`, e.g. enum codes to Chinese text. */
  labels?: Record<string, Record<string, string>>;
  /** Key-term keys to their labels in the summary, in the order shown. */
  keyTerms?: Record<string, string>;
  blocks: BlockDef[];
}

/** Blocks after conditions and interpolation: plain text, ready for layout. */
export type ResolvedBlock =
  | { kind: 'title'; text: string }
  | { kind: 'paragraph'; text: string; indent: boolean; align: 'left' | 'right' | 'center'; bold: boolean }
  | { kind: 'heading'; text: string }
  | { kind: 'clause'; number: string; text: string; term?: string; termNote?: string }
  | { kind: 'table'; widths: number[]; header?: string[]; rows: string[][]; labelColumn: boolean }
  | { kind: 'signatures'; parties: { role: string; caption: string; lines: string[]; field: { widthMm: number; heightMm: number } }[] }
  | { kind: 'spacer'; heightMm: number };
