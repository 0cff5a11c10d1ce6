import type { NewImage } from './images.js';

/** An image row for store tests: unique hashes from the name, no file behind it. */
export function newImage(name: string, extra: Partial<NewImage> = {}): NewImage {
  return {
    sourceSha256: name.padEnd(64, '0'),
    sourceName: name,
    frame: 0,
    fileSha256: name.padEnd(64, '0'),
    fileExt: 'png',
    originalName: name,
    width: 100,
    height: 80,
    channels: 1,
    bitDepth: 8,
    subject: null,
    split: null,
    modality: 'US',
    metadata: {},
    ...extra,
  };
}
