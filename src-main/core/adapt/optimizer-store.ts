/**
 * The optimizer state of a fine-tuning checkpoint on disk: its moments as one float32 file beside the
 * checkpoint's weights (`models/<run>/checkpoint/optimizer-<hash>.bin`), described in the checkpoint's
 * metadata (kind, step count, shapes, file name, sha256). The file is written before the checkpoint row
 * that names it, under a name of its own, and older ones are removed only after that row is stored, so
 * a crash at any moment leaves the row naming a complete file.
 */
import { lstatSync, readdirSync, readFileSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { SonoError } from '../errors.js';
import type { Project } from '../project/index.js';
import { joinInside, writeFileAtomic } from '../util/atomic-write.js';
import { sha256Hex } from '../util/hash.js';
import type { OptimizerKind, OptimizerState } from './optimizer.js';

/** What the checkpoint's metadata says about the optimizer file. */
export interface OptimizerRef {
  kind: OptimizerKind;
  step: number;
  shapes: number[][];
  file: string;
  sha256: string;
}

const FILE = /^optimizer-[0-9a-f]{16}\.bin$/;

function folder(project: Project, runId: string, name: string): string {
  return joinInside(project.dir, join('models', runId, name));
}

/** Writes the state's moments into the folder of run model `name`; store the returned ref in its metadata. */
export function writeOptimizerState(project: Project, runId: string, name: string, s: OptimizerState): OptimizerRef {
  const bytes = new Uint8Array(s.slots);
  const sha256 = sha256Hex(bytes);
  const file = `optimizer-${sha256.slice(0, 16)}.bin`;
  writeFileAtomic(join(folder(project, runId, name), file), bytes);
  return { kind: s.kind, step: s.step, shapes: s.shapes, file, sha256 };
}

/** Removes the optimizer files of run model `name` other than the one `keep` names. */
export function pruneOptimizerStates(project: Project, runId: string, name: string, keep: OptimizerRef): void {
  const dir = folder(project, runId, name);
  for (const f of readdirSync(dir)) if (FILE.test(f) && f !== keep.file) unlinkSync(join(dir, f));
}

/** Reads back what `ref` names; a missing, linked, changed or malformed file is a CORRUPT error naming it. */
export function readOptimizerState(project: Project, runId: string, name: string, ref: OptimizerRef): OptimizerState {
  if (typeof ref.file !== 'string' || !FILE.test(ref.file)) throw new SonoError('CORRUPT', `checkpoint of run ${runId} names an optimizer file "${String(ref.file).slice(0, 80)}" of no valid form`, runId);
  const path = join(folder(project, runId, name), ref.file);
  let bytes: Buffer;
  try {
    if (!lstatSync(path).isFile()) throw new Error('not a regular file');
    bytes = readFileSync(path);
  } catch (e) {
    throw new SonoError('CORRUPT', `optimizer state ${path} of run ${runId} cannot be read: ${e instanceof Error ? e.message : String(e)}`, path);
  }
  if (sha256Hex(bytes) !== ref.sha256) throw new SonoError('CORRUPT', `${path} does not match the hash stored with run ${runId}'s checkpoint; the file was changed or partly copied`, path);
  const slots = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  return { kind: ref.kind, step: ref.step, shapes: ref.shapes, slots };
}
