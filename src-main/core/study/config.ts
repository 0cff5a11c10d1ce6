/**
 * Study configuration: what a study.json may hold, its defaults, and the --quick preset. Every field is
 * optional in the file; a missing field takes its default, an unknown one is refused (a typo must not
 * silently fall back to a default).
 */
import { z } from 'zod';
import { DEFAULT_DETECT_PARAMS, type DetectParams } from '../detect/detector.js';
import { DEFAULT_SAMPLE_PARAMS, checkSampleParams, type SampleParams } from '../detect/samples.js';
import { DEFAULT_WINDOW_PARAMS, checkWindowParams, type WindowParams } from '../detect/windows.js';
import { errorMessage, SonoError } from '../errors.js';
import type { GbmParams } from '../gbm/index.js';
import { checkFinetunable } from '../adapt/levels.js';
import { DEFAULT_FINETUNE, finetuneParamsSchema, resolveFinetuneParams, type FinetuneParams } from '../adapt/params.js';
import { getBackbone } from '../backbones/registry.js';

/**
 * 'na': the frozen ImageNet backbone's features. 'pa' / 'fa': the backbone fine-tuned per fold on that
 * fold's training images (first two conv stages frozen / everything trained), then used exactly as NA's.
 * 'fusion' concatenates Haar and CNN features for one classifier: Haar + FA when 'fa' is in the study
 * (the paper's "Fusion (Haar + FA)"), Haar + NA otherwise. 'fusion-score' averages the Haar and NA
 * classifiers' probabilities.
 */
export const METHODS = ['haar', 'na', 'fusion', 'fusion-score', 'pa', 'fa'] as const;
export type Method = (typeof METHODS)[number];
export type AvailableMethod = Method;
/** Methods that can never run in this build, with the reason (none at present; see splitMethods for per-backbone limits). */
export const UNAVAILABLE: Partial<Record<Method, string>> = {};

export type StudyGbmParams = Pick<
  GbmParams,
  'maxIter' | 'learningRate' | 'maxLeafNodes' | 'maxDepth' | 'minSamplesLeaf' | 'l2' | 'maxBins' | 'colsample' | 'earlyStopping' | 'validationFraction' | 'nIterNoChange'
>;

export interface StudyConfig {
  methods: Method[];
  backbone: string;
  /**
   * More backbones whose CNN methods (every method but Haar) also run, on the same folds, each as its
   * own runs and Table 1 rows. Haar runs once, with the main backbone's share of the study.
   */
  extraBackbones: string[];
  /** Category whose box is the organ; default: the project's most frequent category. */
  category: string | null;
  /** 'kfold': subject-wise k-fold; 'fixed': the images' split column (test vs the rest). */
  split: 'kfold' | 'fixed';
  folds: number;
  seed: number;
  gbm: StudyGbmParams;
  /** Rounds of the first-round classifier used to mine hard negatives. */
  hardNegativeMaxIter: number;
  windows: WindowParams;
  samples: SampleParams;
  detect: DetectParams;
  /** 'roi': pooled from whole-image feature maps; 'crop': one network pass per window (exact, slow). */
  cnnWindows: 'roi' | 'crop';
  /** Threads for the classifier and ONNX Runtime. */
  threads: number;
  /** Fine-tuning of the 'pa' and 'fa' networks (one per fold and level). */
  finetune: FinetuneParams;
}

export const DEFAULT_GBM: StudyGbmParams = {
  maxIter: 100,
  learningRate: 0.1,
  maxLeafNodes: 15,
  minSamplesLeaf: 10,
  l2: 1,
  maxBins: 64,
  colsample: 0.3,
  earlyStopping: true,
  validationFraction: 0.1,
  nIterNoChange: 10,
};

export const DEFAULT_CONFIG: StudyConfig = {
  // The paper's five: Haar, the CNN at each adaptation level, and their fusion (Haar + FA).
  methods: ['haar', 'na', 'pa', 'fa', 'fusion'],
  backbone: 'mobilenet_v2_0.35_224',
  extraBackbones: [],
  category: null,
  split: 'kfold',
  folds: 5,
  seed: 1,
  gbm: DEFAULT_GBM,
  hardNegativeMaxIter: 40,
  windows: DEFAULT_WINDOW_PARAMS,
  samples: DEFAULT_SAMPLE_PARAMS,
  detect: DEFAULT_DETECT_PARAMS,
  cnnWindows: 'roi',
  threads: 2,
  finetune: DEFAULT_FINETUNE,
};

/** Smaller everything, for a first look and for tests: about a fifth of the default work. */
export const QUICK_OVERRIDES = {
  folds: 3,
  gbm: { maxIter: 40, maxLeafNodes: 8 },
  hardNegativeMaxIter: 20,
  windows: { scales: 3, aspects: 2, stride: 0.2 },
  samples: { positivesPerImage: 6, hardNegativesPerImage: 4 },
  finetune: { epochs: 1, cropSize: 64, positivesPerImage: 2, negativeRatio: 1 },
} satisfies StudyConfigInput;

/** Each extra backbone repeats every CNN pass of the study (its whole time again), so the list is kept short. */
export const MAX_EXTRA_BACKBONES = 8;

const frac = z.number().min(0).max(1);
const gbmSchema = z
  .object({
    maxIter: z.number().int().min(1).max(5000),
    learningRate: z.number().gt(0).max(10),
    maxLeafNodes: z.number().int().min(2).max(1024),
    maxDepth: z.number().int().min(1).max(64),
    minSamplesLeaf: z.number().int().min(1).max(100_000),
    l2: z.number().min(0).max(1e6),
    maxBins: z.number().int().min(2).max(255),
    colsample: z.number().gt(0).max(1),
    earlyStopping: z.union([z.boolean(), z.literal('auto')]),
    validationFraction: z.number().min(0).lt(1),
    nIterNoChange: z.number().int().min(1).max(1000),
  })
  .partial()
  .strict();

export const studyConfigSchema = z
  .object({
    methods: z.array(z.enum(METHODS)).min(1).max(METHODS.length),
    backbone: z.string().min(1).max(200),
    extraBackbones: z.array(z.string().min(1).max(200)).max(MAX_EXTRA_BACKBONES),
    category: z.string().min(1).max(200).nullable(),
    split: z.enum(['kfold', 'fixed']),
    folds: z.number().int().min(3).max(50),
    seed: z.number().int().min(0).max(2 ** 31 - 1),
    gbm: gbmSchema,
    hardNegativeMaxIter: z.number().int().min(1).max(5000),
    windows: z
      .object({
        scales: z.number().int(),
        aspects: z.number().int(),
        quantiles: z.tuple([frac, frac]),
        stride: z.number(),
      })
      .partial()
      .strict(),
    samples: z
      .object({
        positiveDice: frac,
        negativeDice: frac,
        positivesPerImage: z.number().int(),
        negativeRatio: z.number(),
        hardNegativesPerImage: z.number().int(),
        jitter: z.number(),
      })
      .partial()
      .strict(),
    detect: z
      .object({
        merge: z.enum(['best', 'weighted']),
        topK: z.number().int().min(1).max(1000),
        mergeIou: frac,
        refine: z.boolean(),
        refineParams: z
          .object({ initialStep: z.number().gt(0).max(0.5), minStepPx: z.number().gt(0).max(100), maxRounds: z.number().int().min(0).max(1000) })
          .partial()
          .strict(),
      })
      .partial()
      .strict(),
    cnnWindows: z.enum(['roi', 'crop']),
    threads: z.number().int().min(1).max(256),
    finetune: finetuneParamsSchema,
  })
  .partial()
  .strict();

export type StudyConfigInput = z.input<typeof studyConfigSchema>;

/** A full configuration from partial input laid over `base` (default: DEFAULT_CONFIG). */
export function resolveStudyConfig(input: unknown, base: StudyConfig = DEFAULT_CONFIG): StudyConfig {
  const parsed = studyConfigSchema.safeParse(input ?? {});
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue.path.length ? issue.path.join('.') : 'config';
    throw new SonoError('BAD_INPUT', `study config: ${where}: ${issue.message}`);
  }
  const p = parsed.data;
  const detect = { ...base.detect, ...p.detect, refineParams: { ...base.detect.refineParams, ...p.detect?.refineParams } };
  const config: StudyConfig = {
    ...base,
    ...stripUndefined(p),
    methods: p.methods ? [...new Set(p.methods)] : base.methods,
    gbm: { ...base.gbm, ...p.gbm },
    windows: { ...base.windows, ...p.windows } as WindowParams,
    samples: { ...base.samples, ...p.samples },
    detect: detect as DetectParams,
    finetune: resolveFinetuneParams(p.finetune ?? {}, base.finetune),
  };
  checkWindowParams(config.windows);
  checkSampleParams(config.samples);
  checkExtraBackboneList(config);
  return config;
}

/** Each backbone once: the main one is never an extra (its runs would be computed twice under one name). */
function checkExtraBackboneList(config: StudyConfig): void {
  const seen = new Set<string>();
  for (const id of config.extraBackbones) {
    if (id === config.backbone) {
      throw new SonoError('BAD_INPUT', `study config: extraBackbones: ${id} is already the study's backbone; list only other backbones there`, id);
    }
    if (seen.has(id)) throw new SonoError('BAD_INPUT', `study config: extraBackbones: ${id} is listed twice`, id);
    seen.add(id);
  }
}

/**
 * Refuses, before any work, an extra backbone the registry does not know (naming it and the known
 * ones), and extra backbones in a study without a CNN method. The main backbone is checked the same
 * way when a CNN method needs it. Call after user backbones are registered.
 */
export function checkStudyBackbones(config: StudyConfig): void {
  const cnnMethods = config.methods.filter((m) => m !== 'haar');
  if (config.extraBackbones.length > 0 && cnnMethods.length === 0) {
    throw new SonoError('BAD_INPUT', `study config: extraBackbones (${config.extraBackbones.join(', ')}) needs a CNN method in methods (${METHODS.filter((m) => m !== 'haar').join(', ')}); haar uses no backbone`);
  }
  const ids = [...(cnnMethods.length > 0 ? [['backbone', config.backbone]] : []), ...config.extraBackbones.map((id) => ['extraBackbones', id])];
  for (const [field, id] of ids) {
    try {
      getBackbone(id);
    } catch (e) {
      throw new SonoError('BAD_INPUT', `study config: ${field}: ${errorMessage(e)}`, id);
    }
  }
}

/** One backbone's share of a study: the methods it runs and those it cannot run, with the reason. */
export interface BackboneVariant {
  backbone: string;
  /** False for an extra backbone. */
  main: boolean;
  methods: AvailableMethod[];
  unavailable: Array<{ method: Method; reason: string; backbone: string }>;
}

/**
 * The main backbone with every method (Haar included), then each extra backbone with the CNN methods
 * only; a method a backbone cannot run (PA / FA on one that cannot be fine-tuned) is left out of that
 * backbone's share exactly as it is for the main backbone.
 */
export function studyVariants(config: StudyConfig): BackboneVariant[] {
  const variant = (backbone: string, main: boolean): BackboneVariant => {
    const { run, unavailable } = splitMethods(main ? config.methods : config.methods.filter((m) => m !== 'haar'), backbone);
    return { backbone, main, methods: run, unavailable: unavailable.map((u) => ({ ...u, backbone })) };
  };
  return [variant(config.backbone, true), ...config.extraBackbones.map((id) => variant(id, false))];
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/** Why `backbone` cannot be fine-tuned for 'pa' / 'fa', or null when it can (or is unknown: reported later). */
function finetuneLimit(backbone: string | undefined): string | null {
  if (!backbone) return null;
  try {
    checkFinetunable(getBackbone(backbone));
    return null;
  } catch (e) {
    return e instanceof SonoError && e.code === 'UNSUPPORTED' ? `not available: ${e.message}` : null;
  }
}

/** Methods to run, and those accepted but not available (for this backbone, when given), each with its reason. */
export function splitMethods(methods: readonly Method[], backbone?: string): { run: AvailableMethod[]; unavailable: Array<{ method: Method; reason: string }> } {
  const run: AvailableMethod[] = [];
  const unavailable: Array<{ method: Method; reason: string }> = [];
  const limit = finetuneLimit(backbone);
  for (const m of methods) {
    const reason = UNAVAILABLE[m] ?? ((m === 'pa' || m === 'fa') && limit ? limit : undefined);
    if (reason) unavailable.push({ method: m, reason });
    else run.push(m as AvailableMethod);
  }
  return { run, unavailable };
}

/** The backbone a method's features come from (Haar features use none). */
export function backboneOf(method: AvailableMethod, backbone: string): string | null {
  return method === 'haar' ? null : backbone;
}

/** A reported (method, backbone) pair with the adaptation level of its CNN features (null for Haar). */
export interface StudyEntry {
  method: AvailableMethod;
  backbone: string | null;
  level: 'na' | 'pa' | 'fa' | null;
}

/**
 * The name of a (method, backbone) pair in a study's run ids, report and charts: the method alone for
 * Haar and the main backbone, '<method>@<backbone>' for an extra backbone (backbone ids hold no '@').
 */
export function entryName(method: string, backbone: string | null, mainBackbone: string): string {
  return backbone === null || backbone === mainBackbone ? method : `${method}@${backbone}`;
}

/** Adaptation level of a method's CNN features; 'fusion' takes FA's when FA is in the study. */
export function levelOf(method: AvailableMethod, fusionWith: 'na' | 'fa'): StudyEntry['level'] {
  if (method === 'haar') return null;
  if (method === 'pa' || method === 'fa') return method;
  if (method === 'fusion') return fusionWith;
  return 'na';
}

/** The CNN features 'fusion' joins to Haar's: FA's when FA is in the study, NA's otherwise. */
export function fusionFeatures(methods: readonly Method[]): 'fa' | 'na' {
  return methods.includes('fa') ? 'fa' : 'na';
}

/** Feature families a set of methods needs ('cnn' is the frozen backbone; 'pa' / 'fa' the fine-tuned ones). */
export function familiesFor(methods: readonly AvailableMethod[]): { haar: boolean; cnn: boolean; pa: boolean; fa: boolean } {
  const fusionFa = fusionFeatures(methods) === 'fa';
  return {
    haar: methods.some((m) => m === 'haar' || m === 'fusion' || m === 'fusion-score'),
    cnn: methods.some((m) => m === 'na' || m === 'fusion-score' || (m === 'fusion' && !fusionFa)),
    pa: methods.includes('pa'),
    fa: methods.includes('fa'),
  };
}
