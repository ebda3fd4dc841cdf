/**
 * `tf.data.csv(source, csvConfig)`: TF.js's CSV dataset. Each element is one row, as an object
 * `{column: value}` — or `{xs: {features}, ys: {labels}}` when a column config says
 * `isLabel: true` — with plain numbers and strings (batch them to get tensors).
 *
 * Source: a URL (http(s), or relative to the page in a browser; fetched once per dataset, the
 * error naming the URL and HTTP status), a `file://` URL or a path (Node), or a Blob/File (a
 * page's file input).
 *
 * Config (TF.js names and defaults): `hasHeader` (true: the first line names the columns),
 * `columnNames` (overrides the header; required without one), `columnConfigs` `{name: {required,
 * dtype: 'float32' | 'int32' | 'bool' | 'string', default, isLabel}}`, `configuredColumnsOnly`
 * (false), `delimiter` (','), `delimWhitespace` (false: split on runs of spaces and tabs instead).
 *
 * Values, as TF.js: an empty field takes the column's `default`, else fails when the column is
 * `required` or a label, else is `undefined`; a field that parses as a number is that number
 * (`int32`: floored; `bool`: 1 for '1'/'true', else 0), otherwise the string (`bool`: 1 for
 * 'true' in any case, else 0). Fields may be quoted with `"` (`""` inside is a quote); rows are
 * lines (a quoted field cannot span lines). Blank lines are skipped; `\r\n` line ends are fine.
 * A row with the wrong number of fields is an error naming the source and the line number.
 */
import { fail } from '../core/errors.ts';
import { fetchText, isHttpUrl, isNode, readFileBytes } from '../platform/index.ts';
import { Dataset, LazyIterator } from './dataset.ts';

export interface ColumnConfig {
  /** An empty field is an error (labels are always required). */
  required?: boolean;
  /** 'float32' (default for numbers), 'int32' (floored), 'bool' (0/1) or 'string'. */
  dtype?: 'float32' | 'int32' | 'bool' | 'string';
  /** The value of an empty field. */
  default?: number | string;
  /** The column goes to `ys` (the element becomes `{xs, ys}`). */
  isLabel?: boolean;
}

export interface CSVConfig {
  hasHeader?: boolean;
  columnNames?: string[];
  columnConfigs?: Record<string, ColumnConfig>;
  configuredColumnsOnly?: boolean;
  delimiter?: string;
  delimWhitespace?: boolean;
}

export type CSVValue = number | string | undefined;
export type CSVElement = Record<string, CSVValue> | { xs: Record<string, CSVValue>; ys: Record<string, CSVValue> };

const OP = 'data.csv';
const CONFIG_KEYS = ['hasHeader', 'columnNames', 'columnConfigs', 'configuredColumnsOnly', 'delimiter', 'delimWhitespace'];
const COLUMN_KEYS = ['required', 'dtype', 'default', 'isLabel'];
const DTYPES = ['float32', 'int32', 'bool', 'string'];

type Source = string | URL | Blob;

function describeSource(s: Source): string {
  if (typeof s === 'string') return s;
  if (s instanceof URL) return s.href;
  const name = (s as { name?: unknown }).name;
  return typeof name === 'string' && name ? name : `a Blob of ${s.size} bytes`;
}

async function readSource(s: Source): Promise<string> {
  if (typeof Blob !== 'undefined' && s instanceof Blob) return s.text();
  const url = s instanceof URL ? s.href : (s as string);
  if (url.startsWith('file://')) return new TextDecoder().decode(readFileBytes(decodeURIComponent(url.slice('file://'.length)), OP));
  if (isHttpUrl(url) || !isNode()) return fetchText(url, OP);
  return new TextDecoder().decode(readFileBytes(url, OP));
}

/** Splits one line into fields (quotes as RFC 4180 within the line). */
function splitLine(line: string, delimiter: string, whitespace: boolean, where: string): string[] {
  if (whitespace) return line.trim() === '' ? [] : line.trim().split(/[ \t]+/);
  const out: string[] = [];
  let field = '';
  let quoted = false;
  let i = 0;
  let startOfField = true;
  while (i < line.length) {
    const c = line[i]!;
    if (quoted) {
      if (c === '"') {
        if (line[i + 1] === '"') {
          field += '"';
          i += 2;
          continue;
        }
        quoted = false;
        i++;
        continue;
      }
      field += c;
      i++;
      continue;
    }
    if (c === '"' && startOfField) {
      quoted = true;
      startOfField = false;
      i++;
      continue;
    }
    if (line.startsWith(delimiter, i)) {
      out.push(field);
      field = '';
      startOfField = true;
      i += delimiter.length;
      continue;
    }
    field += c;
    startOfField = false;
    i++;
  }
  if (quoted) fail(OP, `${where}: a quoted field is not closed before the end of the line`);
  out.push(field);
  return out;
}

function checkConfig(config: unknown): Required<Omit<CSVConfig, 'columnNames' | 'columnConfigs'>> & Pick<CSVConfig, 'columnNames' | 'columnConfigs'> {
  if (config === null || typeof config !== 'object' || Array.isArray(config)) fail(OP, `\`csvConfig\` must be an object, received ${String(config)}`);
  const c = config as CSVConfig;
  for (const k of Object.keys(c)) if (!CONFIG_KEYS.includes(k)) fail(OP, `unknown option '${k}' in csvConfig (expected ${CONFIG_KEYS.join(', ')})`);
  for (const k of ['hasHeader', 'configuredColumnsOnly', 'delimWhitespace'] as const) {
    if (c[k] !== undefined && typeof c[k] !== 'boolean') fail(OP, `\`${k}\` must be a boolean, received ${String(c[k])}`);
  }
  if (c.delimiter !== undefined && (typeof c.delimiter !== 'string' || c.delimiter === '' || c.delimiter.includes('"') || /[\r\n]/.test(c.delimiter))) {
    fail(OP, `\`delimiter\` must be a non-empty string without quotes or line breaks, received ${JSON.stringify(c.delimiter)}`);
  }
  if (c.columnNames !== undefined) {
    if (!Array.isArray(c.columnNames) || c.columnNames.some((n) => typeof n !== 'string')) fail(OP, '`columnNames` must be an array of strings');
  }
  if (c.columnConfigs !== undefined) {
    if (c.columnConfigs === null || typeof c.columnConfigs !== 'object' || Array.isArray(c.columnConfigs)) fail(OP, '`columnConfigs` must be an object {columnName: {required, dtype, default, isLabel}}');
    for (const [name, cc] of Object.entries(c.columnConfigs)) {
      if (cc === null || typeof cc !== 'object') fail(OP, `columnConfigs['${name}'] must be an object, received ${String(cc)}`);
      for (const k of Object.keys(cc)) if (!COLUMN_KEYS.includes(k)) fail(OP, `unknown key '${k}' in columnConfigs['${name}'] (expected ${COLUMN_KEYS.join(', ')})`);
      if (cc.dtype !== undefined && !DTYPES.includes(cc.dtype)) fail(OP, `columnConfigs['${name}'].dtype must be one of ${DTYPES.join(', ')}, received ${String(cc.dtype)}`);
      if (cc.default !== undefined && typeof cc.default !== 'number' && typeof cc.default !== 'string') fail(OP, `columnConfigs['${name}'].default must be a number or a string, received ${typeof cc.default}`);
    }
  }
  return {
    hasHeader: c.hasHeader ?? true,
    columnNames: c.columnNames,
    columnConfigs: c.columnConfigs,
    configuredColumnsOnly: c.configuredColumnsOnly ?? false,
    delimiter: c.delimiter ?? ',',
    delimWhitespace: c.delimWhitespace ?? false,
  };
}

function bool(v: string): number {
  return v === '1' || v.toLowerCase() === 'true' ? 1 : 0;
}

/** TF.js's `CSVDataset`: rows of a CSV source (see the file comment). */
export class CSVDataset extends Dataset<CSVElement> {
  private readonly config: ReturnType<typeof checkConfig>;
  private parsed: Promise<{ names: string[]; rows: { line: number; text: string }[] }> | null = null;

  constructor(readonly source: Source, csvConfig: CSVConfig = {}) {
    const config = checkConfig(csvConfig);
    const self: { ds: CSVDataset | null } = { ds: null };
    super(async () => self.ds!.rowIterator(), null);
    self.ds = this;
    this.config = config;
    if (typeof source !== 'string' && !(source instanceof URL) && !(typeof Blob !== 'undefined' && source instanceof Blob)) {
      fail(OP, `\`source\` must be a URL, a file path (Node) or a Blob/File, received ${typeof source}`);
    }
    if (typeof source === 'string' && source === '') fail(OP, '`source` is an empty string');
  }

  /** The column names: `columnNames`, or the header's (TF.js's `columnNames()`). */
  async columnNames(): Promise<string[]> {
    return (await this.parse()).names;
  }

  private parse(): Promise<{ names: string[]; rows: { line: number; text: string }[] }> {
    this.parsed ??= (async () => {
      const where = describeSource(this.source);
      const text = await readSource(this.source);
      const lines = text.split('\n');
      const rows: { line: number; text: string }[] = [];
      let header: string[] | null = null;
      for (let i = 0; i < lines.length; i++) {
        let l = lines[i]!;
        if (l.endsWith('\r')) l = l.slice(0, -1);
        if (i === 0 && l.charCodeAt(0) === 0xfeff) l = l.slice(1);
        if (l.trim() === '') continue;
        if (header === null && this.config.hasHeader) header = splitLine(l, this.config.delimiter, this.config.delimWhitespace, `${where} line ${i + 1}`);
        else rows.push({ line: i + 1, text: l });
      }
      let names: string[];
      if (this.config.columnNames) names = this.config.columnNames;
      else if (header) names = header.map((h) => h.trim());
      else fail(OP, `${where}: no column names: give \`columnNames\` when the file has no header (hasHeader: false)`);
      if (this.config.columnNames && header && header.length !== names.length) {
        fail(OP, `${where}: \`columnNames\` has ${names.length} names but the header has ${header.length} columns`);
      }
      const seen = new Set<string>();
      for (const n of names) {
        if (seen.has(n)) fail(OP, `${where}: duplicate column name '${n}' in ${JSON.stringify(names)}`);
        seen.add(n);
      }
      for (const k of Object.keys(this.config.columnConfigs ?? {})) {
        if (!seen.has(k)) fail(OP, `${where}: the key '${k}' in columnConfigs is not a column name (columns: ${names.join(', ')})`);
      }
      return { names, rows };
    })();
    const p = this.parsed;
    p.catch(() => {
      if (this.parsed === p) this.parsed = null; // a failed fetch may be retried by the next pass
    });
    return p;
  }

  private async rowIterator(): Promise<LazyIterator<CSVElement>> {
    const { names, rows } = await this.parse();
    const where = describeSource(this.source);
    let i = 0;
    return new LazyIterator<CSVElement>(() => {
      if (i >= rows.length) return { value: undefined, done: true };
      const row = rows[i++]!;
      return { value: this.element(names, row, where), done: false };
    });
  }

  private element(names: string[], row: { line: number; text: string }, where: string): CSVElement {
    const at = `${where} line ${row.line}`;
    const values = splitLine(row.text, this.config.delimiter, this.config.delimWhitespace, at);
    if (values.length !== names.length) fail(OP, `${at}: expected ${names.length} fields (${names.join(', ')}), found ${values.length}: ${JSON.stringify(row.text.length > 200 ? `${row.text.slice(0, 200)}…` : row.text)}`);
    const features: Record<string, CSVValue> = {};
    const labels: Record<string, CSVValue> = {};
    const configs = this.config.columnConfigs;
    let hasLabel = false;
    for (let c = 0; c < names.length; c++) {
      const key = names[c]!;
      const config = configs?.[key];
      if (this.config.configuredColumnsOnly && !config) continue;
      const raw = values[c]!;
      let v: CSVValue;
      if (raw === '') {
        if (config?.default !== undefined) v = config.default;
        else if (config?.required || config?.isLabel) fail(OP, `${at}: required column '${key}' is empty`);
        else v = undefined;
      } else if (config?.dtype === 'string') v = raw;
      else {
        const num = Number(raw);
        if (Number.isNaN(num) || raw.trim() === '') v = config?.dtype === 'bool' ? bool(raw) : raw;
        else if (config?.dtype === 'int32') v = Math.floor(num);
        else if (config?.dtype === 'bool') v = bool(raw);
        else v = num;
      }
      if (config?.isLabel) {
        labels[key] = v;
        hasLabel = true;
      } else features[key] = v;
    }
    return hasLabel ? { xs: features, ys: labels } : features;
  }
}

/** `tf.data.csv(source, csvConfig)`: see the file comment. */
export function csv(source: Source, csvConfig: CSVConfig = {}): CSVDataset {
  return new CSVDataset(source, csvConfig);
}
