import { chromium, type Browser } from 'playwright-core';

/** Debian's Chromium (apt-get install chromium): Playwright's own browser download cannot run here. */
export const CHROMIUM = '/usr/bin/chromium';

/**
 * Headless Chromium as the UI tests and the UI benchmark use it. The network flags keep it from reaching
 * for Google's services, which this machine's closed network refuses many times a second. `extraArgs`
 * adds flags for one use (the UI bench's frame-time figure unlocks the frame rate).
 */
export function launchChromium(extraArgs: readonly string[] = []): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', ...extraArgs],
  });
}
