import type { DataSet, Element, Fragment } from 'dicom-parser';
import { SonoError } from '../errors.js';

function corrupt(name: string, why: string): SonoError {
  return new SonoError('BAD_INPUT', `${name}: truncated or corrupt DICOM encapsulated pixel data (${why})`, name);
}

function startsJpeg(bytes: Uint8Array, f: Fragment): boolean {
  return f.length >= 2 && bytes[f.position] === 0xff && bytes[f.position + 1] === 0xd8;
}

/**
 * Groups the fragments of encapsulated Pixel Data into frames. The basic offset table says where each
 * frame starts when the writer filled it in; it is optional, so without it a single frame takes every
 * fragment, one fragment per frame is taken as is (RLE requires exactly that), and JPEG frames are
 * found by their start-of-image marker.
 */
export function frameFragments(ds: DataSet, el: Element, frames: number, name: string, jpeg: boolean): Uint8Array[] {
  const bytes = ds.byteArray;
  const fragments = el.fragments ?? [];
  if (fragments.length === 0) throw corrupt(name, 'no fragments');
  for (const f of fragments) {
    if (f.position + f.length > bytes.length) throw corrupt(name, `fragment at byte ${f.position} runs past the end of the file`);
  }
  if (ds.warnings.some((w) => w.includes('missing sequence delimiter'))) throw corrupt(name, 'no sequence delimiter');

  let groups: Fragment[][];
  const table = el.basicOffsetTable ?? [];
  if (table.length > 0) {
    if (table.length !== frames) throw corrupt(name, `offset table lists ${table.length} frames, the header says ${frames}`);
    groups = table.map((start, i) => {
      const end = i + 1 < table.length ? table[i + 1] : Infinity;
      const group = fragments.filter((f) => f.offset >= start && f.offset < end);
      if (group.length === 0 || group[0].offset !== start) throw corrupt(name, `frame ${i} does not start at a fragment`);
      return group;
    });
  } else if (frames === 1) {
    groups = [fragments];
  } else if (fragments.length === frames) {
    groups = fragments.map((f) => [f]);
  } else if (jpeg) {
    groups = [];
    for (const f of fragments) {
      if (startsJpeg(bytes, f) || groups.length === 0) groups.push([f]);
      else groups[groups.length - 1].push(f);
    }
  } else {
    throw corrupt(name, `${fragments.length} fragments for ${frames} frames and no offset table`);
  }
  if (groups.length !== frames) throw corrupt(name, `found ${groups.length} frames, the header says ${frames}`);

  return groups.map((group) => {
    const parts = group.map((f) => bytes.subarray(f.position, f.position + f.length));
    return parts.length === 1 ? parts[0] : Buffer.concat(parts);
  });
}
