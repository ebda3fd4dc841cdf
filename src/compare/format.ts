/** `formatCompareReport(report)`: the text form of a compare report (first divergence, then every section as a table). */
import type { CompareReport, CompareRow } from './types.ts';

export interface FormatOptions {
  /** Width of the A and B columns (default 44). */
  cellWidth?: number;
  /** Print only sections with a difference, plus the summary (default false: all). */
  onlyDifferences?: boolean;
}

const MARK: Record<CompareRow['status'], string> = { same: '=', close: '≈', differs: '✗', info: '·', skipped: '-' };

function cut(s: string, w: number): string {
  const chars = [...s];
  return chars.length <= w ? s + ' '.repeat(w - chars.length) : chars.slice(0, w - 1).join('') + '…';
}

export function formatCompareReport(report: CompareReport, options: FormatOptions = {}): string {
  const w = options.cellWidth ?? 44;
  const lines: string[] = [];
  const desc = (m: CompareReport['a']) => `${m.kind === 'keras' ? 'Keras model' : 'hand model'} '${m.name}' (${m.trainableParams.toLocaleString('en-US')} trainable parameters)`;
  lines.push(`tf.compare  A: ${desc(report.a)}`);
  lines.push(`            B: ${desc(report.b)}`);
  lines.push(`            batch [${report.batch.shape}], dropout masks from seed ${report.batch.seed}`);
  lines.push('');
  if (report.firstDivergence) {
    const f = report.firstDivergence;
    lines.push(`First divergence (${f.section}: ${f.where}):`);
    lines.push(`  ${f.cause}`);
    lines.push(`  Fix: ${f.fix}`);
  } else lines.push('No divergence: every compared item is the same (= bit-identical, ≈ within tolerance).');
  for (const s of report.sections) {
    if (options.onlyDifferences && s.status !== 'differs') continue;
    lines.push('');
    lines.push(`${s.title} — ${s.status}`);
    const iw = Math.min(48, Math.max(4, ...s.rows.map((r) => [...r.item].length)));
    lines.push(`  ${cut('', 1)} ${cut('item', iw)}  ${cut('A', w)}  ${cut('B', w)}  note`);
    for (const r of s.rows) lines.push(`  ${MARK[r.status]} ${cut(r.item, iw)}  ${cut(r.a, w)}  ${cut(r.b, w)}  ${r.note ?? ''}`.trimEnd());
  }
  lines.push('');
  lines.push('= same bit for bit   ≈ within tolerance   ✗ differs   · information   - skipped');
  return lines.join('\n');
}
