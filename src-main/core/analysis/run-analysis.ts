/**
 * The mechanism analysis of a project's run: which networks to compare (the run's backbone as pretrained,
 * the run's saved network as adapted) and which image, resolved from the project.
 */
import { readFileSync } from 'node:fs';
import { loadBackbone, type LocateOptions } from '../backbones/locate.js';
import { getBackbone } from '../backbones/registry.js';
import { SonoError } from '../errors.js';
import { readGray } from '../imaging/gray.js';
import { resolveStoredFile } from '../project/files.js';
import { getImage, listImages, type ImageSummary } from '../project/images.js';
import { getStoredModel, listRunModels, loadRunModel } from '../project/models.js';
import type { Project } from '../project/open.js';
import { getRun, type RunRecord } from '../project/runs.js';
import { useCpuBackend } from '../ml/cpu-backend.js';
import { analyzeNetworks, type MechanismOptions, type MechanismResult } from './mechanism.js';

export const DEFAULT_ANALYSIS_BACKBONE = 'mobilenet_v2_0.35_224';

export interface RunAnalysisOptions extends MechanismOptions {
  /** Image id, or the name it was imported under (its path below the imported folder). Default: the first image. */
  image?: number | string;
  /** The run's saved network to compare: 'final' (default) or 'fold-<k>'. */
  model?: string;
  /** Backbone used when the run records none (a Haar-only run). */
  backbone?: string;
  locate?: LocateOptions;
}

export interface RunAnalysis extends MechanismResult {
  run: Pick<RunRecord, 'id' | 'method' | 'level' | 'backbone' | 'status'>;
  image: { id: number; name: string; width: number; height: number };
  /** The run's saved network compared, or null when the pretrained network was compared with itself. */
  adaptedModel: string | null;
  notes: string[];
}

function resolveImage(project: Project, ref: number | string | undefined): ImageSummary {
  if (ref === undefined) {
    const first = listImages(project, { offset: 0, limit: 1 }).items[0];
    if (!first) throw new SonoError('NOT_FOUND', `project ${project.dir} has no images to analyse`);
    return first;
  }
  if (typeof ref === 'number' || /^\d+$/.test(ref)) return getImage(project, Number(ref));
  const exact = project.db.prepare('SELECT id FROM images WHERE source_name = ? OR original_name = ? ORDER BY frame, id LIMIT 1').get(ref, ref) as { id: number } | undefined;
  if (exact) return getImage(project, exact.id);
  // A bare file name is enough when only one imported path ends in it.
  const escaped = ref.replace(/[\\%_]/g, (c) => '\\' + c);
  const rows = project.db.prepare("SELECT id, source_name FROM images WHERE frame = 0 AND source_name LIKE ? ESCAPE '\\' ORDER BY id LIMIT 3").all(`%/${escaped}`) as Array<{ id: number; source_name: string }>;
  if (rows.length === 1) return getImage(project, rows[0].id);
  if (rows.length > 1) throw new SonoError('BAD_INPUT', `image name ${ref} is ambiguous in ${project.dir} (${rows.map((r) => r.source_name).join(', ')}, ...); give its path or id`, ref);
  throw new SonoError('NOT_FOUND', `no image named ${ref} in ${project.dir}`, ref);
}

export async function analyzeRun(project: Project, runId: string, opts: RunAnalysisOptions = {}): Promise<RunAnalysis> {
  const run = getRun(project, runId);
  const notes: string[] = [];
  const backboneId = run.backbone ?? opts.backbone ?? DEFAULT_ANALYSIS_BACKBONE;
  if (!run.backbone) notes.push(`run ${run.id} (${run.method}) records no backbone; ${backboneId} was analysed`);
  const entry = getBackbone(backboneId);

  const modelName = opts.model ?? 'final';
  let adaptedModel: string | null = null;
  if (getStoredModel(project, `${run.id}/${modelName}`)) {
    adaptedModel = modelName;
  } else {
    const saved = listRunModels(project, run.id).map((m) => m.id.slice(run.id.length + 1));
    if (opts.model !== undefined || saved.length > 0) {
      throw new SonoError('NOT_FOUND', `run ${run.id} has no saved network "${modelName}"${saved.length ? `; it has ${saved.join(', ')}` : ''}`, run.id);
    }
    notes.push(
      run.level === 'na' || run.level === null
        ? `run ${run.id} has no saved network (${run.level === 'na' ? 'NA: the backbone stays frozen' : 'no fine-tuning'}); the pretrained network is compared with itself`
        : `run ${run.id} (${run.level.toUpperCase()}) has no saved network; the pretrained network is compared with itself`,
    );
  }

  const image = resolveImage(project, opts.image);
  // Models are loaded onto the active backend, so it must be the CPU one before loading (see useCpuBackend).
  await useCpuBackend('the analysis');
  const file = resolveStoredFile(project, image.relPath);
  const gray = await readGray(readFileSync(file), image.sourceName);

  const pretrained = await loadBackbone(entry.id, opts.locate);
  let adapted: Awaited<ReturnType<typeof loadRunModel>> | null = null;
  try {
    if (adaptedModel) adapted = await loadRunModel(project, run.id, adaptedModel);
    const result = await analyzeNetworks({ pretrained, adapted, entry, gray }, opts);
    if (result.filterChange.onlyBefore.length) {
      notes.push(`layers only in the pretrained network (not compared): ${result.filterChange.onlyBefore.join(', ')}`);
    }
    if (result.filterChange.onlyAfter.length) {
      notes.push(`layers only in the adapted network (not compared): ${result.filterChange.onlyAfter.join(', ')}`);
    }
    return {
      ...result,
      run: { id: run.id, method: run.method, level: run.level, backbone: run.backbone, status: run.status },
      image: { id: image.id, name: image.sourceName, width: image.width, height: image.height },
      adaptedModel,
      notes,
    };
  } finally {
    pretrained.dispose();
    adapted?.dispose();
  }
}
