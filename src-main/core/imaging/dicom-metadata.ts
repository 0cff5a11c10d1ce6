import type { DataSet } from 'dicom-parser';

/**
 * The technical DICOM facts SonoTL keeps. This is an allow-list on purpose: a deny-list of patient tags
 * misses private tags, free-text comments and burned-in device names, while an allow-list can only
 * leak what someone deliberately adds here. Never add PN-VR tags, dates, times, UIDs of studies, series
 * or instances, institution, station, operator or device serial numbers.
 */
const STRING_TAGS: ReadonlyArray<[key: string, tag: string]> = [
  ['sopClassUid', 'x00080016'],
  ['manufacturer', 'x00080070'],
  ['manufacturerModelName', 'x00081090'],
  ['softwareVersions', 'x00181020'],
  ['lossyImageCompression', 'x00282110'],
  ['rescaleType', 'x00281054'],
];

/** Decimal strings (DS/IS): the first value, as a number. */
const NUMBER_STRING_TAGS: ReadonlyArray<[key: string, tag: string]> = [
  ['rescaleSlope', 'x00281053'],
  ['rescaleIntercept', 'x00281052'],
  ['windowCenter', 'x00281050'],
  ['windowWidth', 'x00281051'],
  ['frameTime', 'x00181063'],
  ['cineRate', 'x00180040'],
];

/** Fields of the first Ultrasound Region (0018,6011): the calibration ultrasound machines actually fill in. */
const REGION_TAGS: ReadonlyArray<[key: string, tag: string, kind: 'double' | 'uint16']> = [
  ['physicalDeltaX', 'x0018602c', 'double'],
  ['physicalDeltaY', 'x0018602e', 'double'],
  ['physicalUnitsX', 'x00186024', 'uint16'],
  ['physicalUnitsY', 'x00186026', 'uint16'],
];

function finite(v: number | undefined): v is number {
  return v !== undefined && Number.isFinite(v);
}

export function technicalMetadata(ds: DataSet): Record<string, string | number> {
  const out: Record<string, string | number> = {};
  for (const [key, tag] of STRING_TAGS) {
    const v = ds.string(tag);
    if (v) out[key] = v;
  }
  for (const [key, tag] of NUMBER_STRING_TAGS) {
    const v = ds.floatString(tag, 0);
    if (finite(v)) out[key] = v;
  }
  // Pixel Spacing is "row\column" in mm; kept as two numbers so nobody has to parse DICOM multi-values.
  const row = ds.floatString('x00280030', 0);
  const col = ds.floatString('x00280030', 1);
  if (finite(row) && finite(col)) {
    out.pixelSpacingRow = row;
    out.pixelSpacingColumn = col;
  }
  const region = ds.elements.x00186011?.items?.[0]?.dataSet;
  if (region) {
    for (const [key, tag, kind] of REGION_TAGS) {
      if (!region.elements[tag]) continue;
      const v = kind === 'double' ? region.double(tag) : region.uint16(tag);
      if (finite(v)) out[key] = v;
    }
  }
  return out;
}
