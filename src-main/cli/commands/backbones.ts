import type { Command } from 'commander';
import { locateBackbone, modelSearchDirs } from '../../core/backbones/locate.js';
import { locateOnnxBackbone } from '../../core/backbones/locate-onnx.js';
import { listBackbones, type BackboneEntry } from '../../core/backbones/registry.js';
import { registerUserBackbones } from '../../core/backbones/user-backbones.js';
import { errorMessage } from '../../core/errors.js';
import { registerBackbonesAdd } from './backbones-add.js';

type Local = { ok: true; dir: string; verified: boolean } | { ok: false; problem: string };

async function localStatus(e: BackboneEntry): Promise<Local> {
  try {
    if (e.weightsFile) {
      const found = await locateOnnxBackbone(e);
      return { ok: true, dir: found.dir, verified: found.verified };
    }
    const found = await locateBackbone(e);
    return { ok: true, dir: found.dir, verified: found.verified };
  } catch (err) {
    return { ok: false, problem: errorMessage(err) };
  }
}

export function registerBackbones(program: Command): void {
  const backbones = program
    .command('backbones')
    .description('the backbone registry (built-in and user-added), and whether each is present locally (SONOTL_MODELS, then the user cache) with verified weights')
    .option('--json', 'print JSON instead of text')
    .action(async (flags: { json?: boolean }) => {
      const user = registerUserBackbones();
      const rows = [];
      for (const e of listBackbones()) {
        rows.push({
          id: e.id,
          architecture: e.architecture,
          inputSize: e.inputSize,
          preprocessing: e.preprocessing,
          featureLayer: e.featureLayer,
          featureDim: e.featureDim,
          frozenAtPA: e.layerGroups.map((g) => g.name),
          sourceUrl: e.sourceUrl,
          license: e.license,
          local: await localStatus(e),
        });
      }
      if (flags.json) {
        console.log(JSON.stringify({ searched: modelSearchDirs(), backbones: rows, problems: user.problems }, null, 2));
        return;
      }
      for (const r of rows) {
        console.log(`${r.id}  ${r.architecture}, input ${r.inputSize.join('x')}, features ${r.featureLayer} (${r.featureDim}-d), frozen at PA: ${r.frozenAtPA.join(' + ') || 'nothing'}`);
        const l = r.local;
        console.log(`  ${l.ok ? `cached: ${l.dir} (${l.verified ? 'sha256 verified' : 'no published sha256 to verify against'})` : `not available: ${l.problem}`}`);
      }
      for (const p of user.problems) console.log(`problem: ${p}`);
      console.log(`searched: ${modelSearchDirs().join(', ')}`);
    });
  registerBackbonesAdd(backbones);
}
