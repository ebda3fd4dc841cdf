#!/usr/bin/env node
/**
 * The `idem` command line (the package's `bin`). In the repository: `npx tsx src/cli.ts <command>`
 * or `npm run idem -- <command>`; installed: `npx idem <command>`.
 *
 * Each command lives in `src/cli/<name>.ts` and exports `usage` (its help text) and
 * `run(argv): Promise<number>` (the exit code). Commands are loaded only when used.
 */
import { argv, exit, stdout, stderr } from 'node:process';
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export interface CliCommand {
  /** One line for `idem --help`. */
  summary: string;
  load: () => Promise<{ usage: string; run: (argv: string[]) => Promise<number> }>;
}

export const COMMANDS: Record<string, CliCommand> = {
  // One entry per command, e.g.
  // compare: { summary: '...', load: () => import('./cli/compare.ts') },
  compare: { summary: 'compare two models (a.ts b.ts) on MNIST: where they first diverge and why, then a full table (--json)', load: () => import('./cli/compare.ts') },
  convert: { summary: 'convert a model between .keras, Keras 2 .h5, TF.js model.json, .weights.h5 and .safetensors', load: () => import('./cli/convert.ts') },
  report: { summary: 'HTML report (curves, weight histograms, model graph, compare) and PNG curves from a TensorBoard logdir', load: () => import('./cli/report.ts') },
};

function help(): string {
  const names = Object.keys(COMMANDS).sort();
  const width = Math.max(8, ...names.map((n) => n.length));
  return [
    'usage: idem <command> [options]',
    '',
    'commands:',
    ...names.map((n) => `  ${n.padEnd(width)}  ${COMMANDS[n]!.summary}`),
    `  ${'help'.padEnd(width)}  show this list, or \`idem help <command>\` for one command`,
    '',
    'Run `idem <command> --help` for the options of a command.',
  ].join('\n');
}

export async function main(args: string[]): Promise<number> {
  const [name, ...rest] = args;
  if (name === undefined || name === '--help' || name === '-h' || (name === 'help' && rest.length === 0)) {
    stdout.write(help() + '\n');
    return 0;
  }
  if (name === 'help') return main([rest[0]!, '--help']);
  const cmd = COMMANDS[name];
  if (cmd === undefined) {
    stderr.write(`idem: unknown command '${name}'. Commands: ${Object.keys(COMMANDS).sort().join(', ') || '(none)'}; see \`idem --help\`.\n`);
    return 2;
  }
  const mod = await cmd.load();
  if (rest.includes('--help') || rest.includes('-h')) {
    stdout.write(mod.usage.trimEnd() + '\n');
    return 0;
  }
  // The library as `import * as tf from 'idem'` sets it up: backends registered (native, wasm,
  // reference), model save/load methods installed. Commands import modules, not the index.
  await import('./index.ts');
  return mod.run(rest);
}

// Run only when executed directly (not when imported by tests).
function invokedDirectly(): boolean {
  if (argv[1] === undefined) return false;
  try {
    return realpathSync(argv[1]) === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}
const invoked = invokedDirectly();
if (invoked) {
  main(argv.slice(2)).then(
    (code) => exit(code),
    (err: unknown) => {
      stderr.write(`idem: ${err instanceof Error ? err.message : String(err)}\n`);
      exit(1);
    },
  );
}
