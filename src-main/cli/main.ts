import { Command, CommanderError } from 'commander';
import { errorMessage, isSonoError } from '../core/errors.js';
import { packageVersion } from '../core/util/package-root.js';
import { registerAnalyze } from './commands/analyze.js';
import { registerDemo } from './commands/demo.js';
import { registerExport } from './commands/export.js';
import { registerImport } from './commands/import.js';
import { registerInfo } from './commands/info.js';
import { registerInit } from './commands/init.js';
import { registerFinetune } from './commands/finetune.js';
import { registerFeatures } from './commands/features.js';
import { registerExportModel } from './commands/export-model.js';
import { registerBackbones } from './commands/backbones.js';
import { registerStudy } from './commands/study.js';
import { registerUserBackbones } from '../core/backbones/user-backbones.js';

export function buildProgram(): Command {
  const program = new Command('sonotl')
    .description('SonoTL: annotate ultrasound images and study ImageNet-to-ultrasound transfer learning')
    .version(packageVersion())
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();
  // Every command that takes --backbone (finetune, features, study, analyze ...) must know the user's
  // backbones; `backbones` lists broken ones itself, the others only mention them.
  program.hook('preAction', (_program, command) => {
    const { problems } = registerUserBackbones();
    const listing = command.name() === 'backbones' || command.parent?.name() === 'backbones';
    if (!listing) for (const p of problems) process.stderr.write(`note: ${p}\n`);
  });
  registerInit(program);
  registerImport(program);
  registerExport(program);
  registerInfo(program);
  registerDemo(program);
  registerFinetune(program);
  registerFeatures(program);
  registerExportModel(program);
  registerBackbones(program);
  registerAnalyze(program);
  registerStudy(program);
  return program;
}

/** Exit codes: 0 success, 1 the work failed (one-line reason on stderr), 2 the command line was wrong. */
export async function main(argv: string[]): Promise<number> {
  try {
    await buildProgram().parseAsync(argv, { from: 'user' });
    return 0;
  } catch (e) {
    if (e instanceof CommanderError) {
      if (e.code === 'commander.helpDisplayed' || e.code === 'commander.version' || e.code === 'commander.help') return 0;
      return 2;
    }
    const message = errorMessage(e).split('\n')[0];
    process.stderr.write(`sonotl: ${message}\n`);
    if (!isSonoError(e) && process.env.SONOTL_DEBUG) console.error(e);
    return 1;
  }
}
