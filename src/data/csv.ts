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

export const OP = 'data.csv';
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

export type CheckedConfig = Required<Omit<CSVConfig, 'columnNames' | 'columnConfigs'>> & Pick<CSVConfig, 'columnNames' | 'columnConfigs'>;

export interface ParsedCsv {
  names: string[];
  rows: { line: number; text: string }[];
}

function checkConfig(config: unknown): CheckedConfig {
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
    if (c.columnConfigs === null || typeof c.columnConfigs !== 'object' || Array.isArray(c.columnConfigs)) {
      fail(OP, '`columnConfigs` must be an object {columnName: {required, dtype, default, isLabel}}');
    }
    for (const [name, cc] of Object.entries(c.columnConfigs)) {
      if (cc === null || typeof cc !== 'object') fail(OP, `columnConfigs['${name}'] must be an object, received ${String(cc)}`);
      for (const k of Object.keys(cc)) if (!COLUMN_KEYS.includes(k)) fail(OP, `unknown key '${k}' in columnConfigs['${name}'] (expected ${COLUMN_KEYS.join(', ')})`);
      if (cc.dtype !== undefined && !DTYPES.includes(cc.dtype)) fail(OP, `columnConfigs['${name}'].dtype must be one of ${DTYPES.join(', ')}, received ${String(cc.dtype)}`);
      if (cc.default !== undefined && typeof cc.default !== 'number' && typeof cc.default !== 'string') {
        fail(OP, `columnConfigs['${name}'].default must be a number or a string, received ${typeof cc.default}`);
      }
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

/** TF.js's `CSVDataset`: rows of a CSV source (see the file comment). */
export class CSVDataset extends Dataset<CSVElement> {
  private readonly config: ReturnType<typeof checkConfig>;
  private parsed: Promise<ParsedCsv> | null = null;
  /** The parsing code (./csv_rows.ts), imported on the first pass. */
  private rows: typeof import('./csv_rows.ts') | null = null;

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

  private parse(): Promise<ParsedCsv> {
    this.parsed ??= (async () => {
      const [text, rows] = await Promise.all([readSource(this.source), import('./csv_rows.ts')]);
      this.rows = rows;
      return rows.parseCsv(text, this.config, describeSource(this.source));
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
      return { value: this.rows!.csvElement(names, row, where, this.config), done: false };
    });
  }

}

/** `tf.data.csv(source, csvConfig)`: see the file comment. */
export function csv(source: Source, csvConfig: CSVConfig = {}): CSVDataset {
  return new CSVDataset(source, csvConfig);
}
