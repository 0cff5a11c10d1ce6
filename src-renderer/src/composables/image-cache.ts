/**
 * Decoded images kept in memory by URL, so that going back and forth between neighbouring images (and
 * the one preloaded ahead) does not fetch and decode them again. Small on purpose: ultrasound frames
 * are a few MB decoded each.
 */
const LIMIT = 6;
const cache = new Map<string, Promise<HTMLImageElement>>();

export function loadImage(url: string): Promise<HTMLImageElement> {
  const hit = cache.get(url);
  if (hit) {
    cache.delete(url);
    cache.set(url, hit);
    return hit;
  }
  const p = new Promise<HTMLImageElement>((resolve, reject) => {
    const img = new Image();
    img.decoding = 'async';
    img.onload = () => {
      // decode() finishes the work off the main thread before the first draw needs the pixels.
      img.decode().then(
        () => resolve(img),
        () => resolve(img),
      );
    };
    img.onerror = () => reject(new Error('the image file could not be loaded or decoded'));
    img.src = url;
  });
  p.catch(() => cache.delete(url));
  cache.set(url, p);
  while (cache.size > LIMIT) cache.delete(cache.keys().next().value as string);
  return p;
}
