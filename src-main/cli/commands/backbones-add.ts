import { InvalidArgumentError, type Command } from 'commander';
import { addUserBackbone } from '../../core/backbones/user-backbones.js';
import type { Preprocessing } from '../../core/backbones/registry.js';

interface AddFlags {
  id: string;
  featureLayer: string;
  pooling?: 'avg' | 'none';
  preprocessing?: Preprocessing;
  paFrozen?: string[];
}

/**
 * `sonotl backbones add <dir>`: attaches the subcommand to the `backbones` command (which lists the
 * registry). Import of any tfjs-layers model folder as a user backbone; see docs/backbones.md.
 */
export function registerBackbonesAdd(backbones: Command): void {
  backbones
    .command('add')
    .description("copy a tfjs-layers model folder (model.json + weight files) into the model cache as a backbone")
    .argument('<dir>', 'folder holding model.json and its weight shards')
    .requiredOption('--id <id>', 'backbone id to register it under (letters, digits, . _ -)')
    .requiredOption('--feature-layer <name>', 'layer whose output is the feature vector')
    .option('--pooling <avg|none>', 'avg: global average pooling of a 4-D output; none: a vector layer (default: from the layer shape)', choice(['avg', 'none']))
    .option('--preprocessing <tf|caffe>', "tf: RGB x / 127.5 - 1 (default); caffe: BGR minus the ImageNet mean", choice(['tf', 'caffe']))
    .option('--pa-frozen <layers>', 'comma-separated layers that partial adaptation (PA) keeps frozen', (v: string) => v.split(',').map((s) => s.trim()).filter(Boolean))
    .action(async (dir: string, flags: AddFlags) => {
      const entry = await addUserBackbone(dir, {
        id: flags.id,
        featureLayer: flags.featureLayer,
        featurePooling: flags.pooling,
        preprocessing: flags.preprocessing,
        paFrozen: flags.paFrozen,
      });
      console.log(
        `added backbone ${entry.id}: input ${entry.inputSize.join('x')}, feature ${entry.featureLayer} ` +
          `(${entry.featurePooling === 'avg' ? 'average-pooled, ' : ''}${entry.featureDim}-d), ` +
          `${entry.layerGroups.flatMap((g) => g.layers).length} layers frozen for PA`,
      );
    });
}

function choice<T extends string>(values: readonly T[]): (v: string) => T {
  return (v) => {
    if (!values.includes(v as T)) throw new InvalidArgumentError(`expected one of ${values.join(', ')}`);
    return v as T;
  };
}
