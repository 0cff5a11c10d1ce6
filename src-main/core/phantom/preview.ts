/**
 * PNG output for looking at phantom images (and for writing them out as files).
 * sharp is loaded lazily so the generator itself stays dependency-free.
 */
import type { PhantomImage } from './generate.js';

export interface PreviewOptions {
  /** Draw the ground-truth boxes in red (the PNG becomes RGB). Default false: 8-bit gray. */
  boxes?: boolean;
}

function withBoxes(img: PhantomImage): Buffer {
  const rgb = Buffer.alloc(img.width * img.height * 3);
  for (let i = 0; i < img.pixels.length; i++) rgb[3 * i] = rgb[3 * i + 1] = rgb[3 * i + 2] = img.pixels[i];
  const mark = (x: number, y: number) => {
    const i = 3 * (y * img.width + x);
    rgb[i] = 255;
    rgb[i + 1] = 40;
    rgb[i + 2] = 40;
  };
  for (const b of img.boxes) {
    for (let x = b.x; x < b.x + b.w; x++) {
      mark(x, b.y);
      mark(x, b.y + b.h - 1);
    }
    for (let y = b.y; y < b.y + b.h; y++) {
      mark(b.x, y);
      mark(b.x + b.w - 1, y);
    }
  }
  return rgb;
}

/** Encode a phantom image as PNG. */
export async function phantomToPng(img: PhantomImage, options: PreviewOptions = {}): Promise<Buffer> {
  const { default: sharp } = await import('sharp');
  const data = options.boxes ? withBoxes(img) : Buffer.from(img.pixels.buffer, img.pixels.byteOffset, img.pixels.byteLength);
  const channels = options.boxes ? 3 : 1;
  const image = sharp(data, { raw: { width: img.width, height: img.height, channels } });
  // Without an explicit colour space sharp widens single-channel input to sRGB on output.
  return (options.boxes ? image : image.toColourspace('b-w')).png().toBuffer();
}
