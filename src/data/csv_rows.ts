/**
 * The parsing half of `tf.data.csv` (./csv.ts): splitting lines into fields and fields into
 * values, TF.js's rules (see ./csv.ts). Imported on a dataset's first pass, so the browser
 * bundle's core carries only the dataset class.
 */
import { fail } from '../core/errors.ts';
import { OP, type CSVElement, type CSVValue, type CheckedConfig, type ParsedCsv } from './csv.ts';

/** Splits one line into fields (quotes as RFC 4180 within the line). */
export function splitLine(line: string, delimiter: string, whitespace: boolean, where: string): string[] {
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

function bool(v: string): number {
  return v === '1' || v.toLowerCase() === 'true' ? 1 : 0;
}

/** The column names and the data rows of a CSV text (checked against the config). */
export function parseCsv(text: string, config: CheckedConfig, where: string): ParsedCsv {
  const lines = text.split('\n');
  const rows: { line: number; text: string }[] = [];
  let header: string[] | null = null;
  for (let i = 0; i < lines.length; i++) {
    let l = lines[i]!;
    if (l.endsWith('\r')) l = l.slice(0, -1);
    if (i === 0 && l.charCodeAt(0) === 0xfeff) l = l.slice(1);
    if (l.trim() === '') continue;
    if (header === null && config.hasHeader) header = splitLine(l, config.delimiter, config.delimWhitespace, `${where} line ${i + 1}`);
    else rows.push({ line: i + 1, text: l });
  }
  let names: string[];
  if (config.columnNames) names = config.columnNames;
  else if (header) names = header.map((h) => h.trim());
  else fail(OP, `${where}: no column names: give \`columnNames\` when the file has no header (hasHeader: false)`);
  if (config.columnNames && header && header.length !== names.length) {
    fail(OP, `${where}: \`columnNames\` has ${names.length} names but the header has ${header.length} columns`);
  }
  const seen = new Set<string>();
  for (const n of names) {
    if (seen.has(n)) fail(OP, `${where}: duplicate column name '${n}' in ${JSON.stringify(names)}`);
    seen.add(n);
  }
  for (const k of Object.keys(config.columnConfigs ?? {})) {
    if (!seen.has(k)) fail(OP, `${where}: the key '${k}' in columnConfigs is not a column name (columns: ${names.join(', ')})`);
  }
  return { names, rows };
}

/** One row as an element: `{column: value}`, or `{xs, ys}` when a column is a label. */
export function csvElement(names: string[], row: { line: number; text: string }, where: string, config: CheckedConfig): CSVElement {
  const at = `${where} line ${row.line}`;
  const values = splitLine(row.text, config.delimiter, config.delimWhitespace, at);
  if (values.length !== names.length) {
    const shown = JSON.stringify(row.text.length > 200 ? `${row.text.slice(0, 200)}…` : row.text);
    fail(OP, `${at}: expected ${names.length} fields (${names.join(', ')}), found ${values.length}: ${shown}`);
  }
  const features: Record<string, CSVValue> = {};
  const labels: Record<string, CSVValue> = {};
  let hasLabel = false;
  for (let c = 0; c < names.length; c++) {
    const key = names[c]!;
    const col = config.columnConfigs?.[key];
    if (config.configuredColumnsOnly && !col) continue;
    const raw = values[c]!;
    let v: CSVValue;
    if (raw === '') {
      if (col?.default !== undefined) v = col.default;
      else if (col?.required || col?.isLabel) fail(OP, `${at}: required column '${key}' is empty`);
      else v = undefined;
    } else if (col?.dtype === 'string') v = raw;
    else {
      const num = Number(raw);
      if (Number.isNaN(num) || raw.trim() === '') v = col?.dtype === 'bool' ? bool(raw) : raw;
      else if (col?.dtype === 'int32') v = Math.floor(num);
      else if (col?.dtype === 'bool') v = bool(raw);
      else v = num;
    }
    if (col?.isLabel) {
      labels[key] = v;
      hasLabel = true;
    } else features[key] = v;
  }
  return hasLabel ? { xs: features, ys: labels } : features;
}
