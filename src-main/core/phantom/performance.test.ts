import { describe, expect, it } from 'vitest';
import { generatePhantom } from './generate.js';

describe('phantom performance', () => {
  it('generates 60 images of 400x300 well under 3 s, under 50 ms per image', () => {
    // CPU time of this process rather than wall time: the test machine is shared, and other
    // processes' load says nothing about the generator. A few images first let the JIT
    // compile the hot loops, as it will have in any real use (sets are generated in bulk).
    for (let seed = 0; seed < 5; seed++) generatePhantom({ seed: 5000 + seed });
    const perImage: number[] = [];
    const start = process.cpuUsage();
    const wallStart = performance.now();
    for (let seed = 0; seed < 60; seed++) {
      const before = process.cpuUsage();
      const img = generatePhantom({ seed: 1000 + seed });
      const used = process.cpuUsage(before);
      perImage.push((used.user + used.system) / 1000);
      expect(img.pixels.length).toBe(400 * 300);
    }
    const used = process.cpuUsage(start);
    const cpuMs = (used.user + used.system) / 1000;
    const wallMs = performance.now() - wallStart;
    const median = [...perImage].sort((a, b) => a - b)[30];
    const note = `60 images: cpu ${cpuMs.toFixed(0)} ms, wall ${wallMs.toFixed(0)} ms, median ${median.toFixed(1)} ms/image`;
    console.info(note);
    expect(cpuMs, note).toBeLessThan(3000);
    expect(median, note).toBeLessThan(50);
  });
});
