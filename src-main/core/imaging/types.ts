/**
 * What the imaging layer hands to the rest of SonoTL. Decoders never touch the project: they turn bytes
 * into these records, so a bad file is reported before anything is written.
 */

/** One frame of an imported file, ready for the project store. */
export interface DecodedImage {
  /** 0 for single-frame files; the frame index within a multi-frame DICOM otherwise. */
  frame: number;
  width: number;
  height: number;
  /** Grayscale or RGB; alpha is never carried. */
  channels: 1 | 3;
  bitDepth: 8 | 16;
  /**
   * The bytes the project stores: the original file for PNG and JPEG (never re-encoded), and a lossless
   * PNG for each DICOM frame (16-bit gray when the DICOM stores more than 8 bits).
   */
  stored: { bytes: Buffer; ext: 'png' | 'jpg' };
  /** 'US' unless a DICOM file names another modality. */
  modality: string;
  /**
   * Non-identifying technical facts only (transfer syntax, pixel layout, rescale, window, spacing,
   * device model). Built from an allow-list, so no patient, staff or institution tag can leak in.
   */
  metadata: Record<string, string | number>;
  /** Raw DICOM PatientID (0010,0020), only for the caller to hash; never copied into `metadata`. */
  patientId?: string;
}

/** 8-bit luminance, row-major, for ML and image analysis. */
export interface GrayImage {
  width: number;
  height: number;
  data: Uint8Array;
}

/** Decoded samples, row-major and channel-interleaved; `data` is Uint16Array exactly when bitDepth is 16. */
export interface Pixels {
  width: number;
  height: number;
  channels: 1 | 3;
  bitDepth: 8 | 16;
  data: Uint8Array | Uint16Array;
}
