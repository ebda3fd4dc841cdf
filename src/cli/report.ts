/**
 * `idem report <logdir> [--out report.html] [--png <dir>] [--compare compare.json] [--title T]`
 */
import { stdout, stderr } from 'node:process';
import { writeReport, type WriteReportOptions } from '../report/index.ts';

export const usage = `usage: idem report <logdir> [--out report.html] [--png <dir>] [--compare compare.json] [--title <text>]

Reads the TensorBoard event files under <logdir> (Keras's train/ and validation/ runs, as
tf.callbacks.tensorBoard writes them) and writes ONE self-contained HTML file: curves per metric
(train vs validation), weight histograms over epochs, the model summary and graph, and the
compare report of two models when <logdir>/compare.json exists or --compare is given (the JSON
of \`idem compare --json\` / tf.compare).

  --out <file>      the HTML file (default <logdir>/report.html)
  --png <dir>       also write each curve as a PNG image into <dir>
  --compare <file>  a compare report JSON to include
  --title <text>    page title (default "idem report · <logdir name>")
`;

export async function run(argv: string[]): Promise<number> {
  const opts: WriteReportOptions = {};
  let logdir: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const value = (): string => {
      const v = argv[++i];
      if (v === undefined || v.startsWith('--')) throw new Error(`report: ${a} needs a value`);
      return v;
    };
    if (a === '--out' || a === '-o') opts.out = value();
    else if (a === '--png') opts.png = value();
    else if (a === '--compare') opts.compare = value();
    else if (a === '--title') opts.title = value();
    else if (a.startsWith('-')) {
      stderr.write(`idem report: unknown option '${a}'\n${usage}`);
      return 2;
    } else if (logdir === undefined) logdir = a;
    else {
      stderr.write(`idem report: one logdir expected, received '${logdir}' and '${a}'\n`);
      return 2;
    }
  }
  if (logdir === undefined) {
    stderr.write(usage);
    return 2;
  }
  const r = writeReport(logdir, opts);
  const n = new Set(r.data.runs.flatMap((run) => [...run.scalars.keys()])).size;
  stdout.write(`wrote ${r.html} (${r.data.runs.length} run(s): ${r.data.runs.map((x) => x.name).join(', ')}; ${n} scalar tag(s)${r.compare ? '; compare report' : ''})\n`);
  for (const p of r.pngs) stdout.write(`wrote ${p}\n`);
  return 0;
}
