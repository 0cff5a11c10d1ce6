import { existsSync, mkdirSync, readFileSync, realpathSync } from 'node:fs';
import { join, resolve, sep } from 'node:path';
import sharp from 'sharp';
import { SonoError } from '../errors.js';
import { writeFileAtomic } from '../util/atomic-write.js';
import { getImage } from './images.js';
import { IMAGES_DIR, type Project } from './open.js';

const STORED = /^images\/[0-9a-f]{2}\/[0-9a-f]{64}\.(png|jpg)$/;

/**
 * Resolves a stored image's relative path for serving (bridge route, Electron protocol). Only names of
 * the stored-image form are accepted, and the real path must still lie inside the project's images
 * folder, so neither `..` nor a planted symbolic link can reach another file.
 */
export function resolveStoredFile(project: Project, relPath: string): string {
  if (!STORED.test(relPath)) throw new SonoError('NOT_FOUND', `no stored image "${relPath.slice(0, 200)}" in this project`);
  const abs = resolve(project.dir, relPath);
  if (!existsSync(abs)) throw new SonoError('NOT_FOUND', `stored image ${relPath} is missing from the project folder`);
  const root = realpathSync(join(project.dir, IMAGES_DIR));
  const real = realpathSync(abs);
  if (!real.startsWith(root + sep)) {
    throw new SonoError('NOT_FOUND', `stored image ${relPath} points outside the project`);
  }
  return real;
}

export const THUMB_SIZES = { min: 32, max: 512 };

/** A JPEG thumbnail of an image (fit inside size x size), cached in the project under cache/thumbs. */
export async function thumbnail(project: Project, imageId: number, size: number): Promise<Buffer> {
  const s = Math.round(size);
  if (!(s >= THUMB_SIZES.min && s <= THUMB_SIZES.max)) {
    throw new SonoError('BAD_INPUT', `thumbnail size ${size} is outside ${THUMB_SIZES.min}..${THUMB_SIZES.max} px`);
  }
  const image = getImage(project, imageId);
  const cached = join(project.dir, 'cache', 'thumbs', `${image.fileSha256}-${s}.jpg`);
  if (existsSync(cached)) return readFileSync(cached);
  const jpeg = await sharp(resolveStoredFile(project, image.relPath))
    .resize(s, s, { fit: 'inside', withoutEnlargement: true })
    .jpeg({ quality: 80 })
    .toBuffer();
  try {
    mkdirSync(join(project.dir, 'cache', 'thumbs'), { recursive: true });
    writeFileAtomic(cached, jpeg);
  } catch {
    // A read-only project still shows thumbnails; they are just not cached.
  }
  return jpeg;
}
