/**
 * The compare report (`tf.compare`'s `CompareReport`, src/compare/types.ts) as HTML: the two
 * models side by side (name, kind, parameters), the first divergence in a banner that links to
 * its row, then the eight sections as tables with A and B in adjacent columns. The divergent row
 * has `id="first-divergence"` and class `divergence`; every row carries `data-status`. Only the
 * divergence's section starts open (every differing one when there is no divergence).
 */
import { fail } from '../core/errors.ts';
import type { CompareReport, CompareRow, CompareSection } from '../compare/types.ts';
import { esc } from './svg.ts';

/** Checks the parts of a CompareReport that the page uses; names the first missing field. */
export function checkCompareReport(x: unknown, source: string): CompareReport {
  const bad = (what: string): never => fail('report', `${source}: not a compare report (idem compare --json): ${what}`);
  if (x === null || typeof x !== 'object') bad(`expected a JSON object, received ${x === null ? 'null' : typeof x}`);
  const r = x as Record<string, unknown>;
  if (r['version'] !== 1) bad(`expected "version": 1, received ${JSON.stringify(r['version'])}`);
  for (const side of ['a', 'b']) {
    const d = r[side] as Record<string, unknown> | undefined;
    if (!d || typeof d !== 'object' || typeof d['name'] !== 'string') bad(`"${side}" must be a model description with a "name"`);
  }
  if (!Array.isArray(r['sections'])) bad('"sections" must be an array');
  (r['sections'] as unknown[]).forEach((s, i) => {
    const sec = s as Record<string, unknown>;
    if (!sec || typeof sec['id'] !== 'string' || !Array.isArray(sec['rows'])) bad(`sections[${i}] needs "id" and "rows"`);
  });
  if (r['firstDivergence'] !== null && r['firstDivergence'] !== undefined && typeof r['firstDivergence'] !== 'object') bad('"firstDivergence" must be an object or null');
  return x as CompareReport;
}

function isDivergence(rep: CompareReport, sec: CompareSection, row: CompareRow): boolean {
  const d = rep.firstDivergence;
  return d !== null && d !== undefined && d.section === sec.id && d.where === row.item;
}

export function compareHtml(rep: CompareReport): string {
  const o: string[] = [];
  const side = (k: 'a' | 'b') => {
    const d = rep[k];
    const params = typeof d.params === 'number' ? `${d.params.toLocaleString('en-US')} params (${(d.trainableParams ?? d.params).toLocaleString('en-US')} trainable)` : '';
    return `<div class="model-card side-${k}" data-side="${k}"><div class="side-label">${k.toUpperCase()}</div>` +
      `<div class="model-name">${esc(d.name)}</div><div class="model-kind">${esc(String(d.kind ?? ''))}</div>` +
      `<div class="model-params">${esc(params)}</div></div>`;
  };
  o.push(`<div class="compare-head">${side('a')}<div class="vs">vs</div>${side('b')}</div>`);
  if (rep.batch) o.push(`<p class="muted">Batch of shape [${(rep.batch.shape ?? []).join(', ')}], dropout seed ${esc(String(rep.batch.seed))}.</p>`);
  const d = rep.firstDivergence;
  if (d) {
    o.push(`<div class="divergence-banner" data-section="${esc(d.section)}"><strong>First divergence</strong> in ` +
      `<a href="#first-divergence">${esc(d.section)} · ${esc(d.where)}</a><p class="cause">${esc(d.cause)}</p>` +
      `<p class="fix"><strong>Fix:</strong> ${esc(d.fix)}</p></div>`);
  } else {
    o.push(`<div class="same-banner">${rep.identical ? 'No difference: every compared value is the same (or within tolerance).' : 'No divergence reported.'}</div>`);
  }
  let marked = false;
  for (const sec of rep.sections) {
    const open = (d ? d.section === sec.id : sec.status === 'differs') ? ' open' : '';
    o.push(`<details class="compare-section" data-section="${esc(sec.id)}" data-status="${esc(sec.status ?? '')}"${open}>`);
    o.push(`<summary><span class="badge ${esc(sec.status ?? '')}">${esc(sec.status ?? '')}</span> ${esc(sec.title ?? sec.id)} ` +
      `<span class="muted">(${sec.rows.length} row${sec.rows.length === 1 ? '' : 's'})</span></summary>`);
    if (sec.rows.length) {
      o.push(`<table class="compare"><thead><tr><th>item</th><th>A · ${esc(rep.a.name)}</th><th>B · ${esc(rep.b.name)}</th><th>status</th><th>note</th></tr></thead><tbody>`);
      for (const row of sec.rows) {
        const div = !marked && isDivergence(rep, sec, row);
        if (div) marked = true;
        o.push(`<tr class="${esc(row.status)}${div ? ' divergence' : ''}"${div ? ' id="first-divergence"' : ''} data-status="${esc(row.status)}">` +
          `<td>${esc(row.item)}</td><td class="a">${esc(row.a)}</td><td class="b">${esc(row.b)}</td>` +
          `<td><span class="badge ${esc(row.status)}">${esc(row.status)}</span></td><td>${esc(row.note ?? '')}</td></tr>`);
      }
      o.push('</tbody></table>');
    }
    o.push('</details>');
  }
  return o.join('\n');
}
