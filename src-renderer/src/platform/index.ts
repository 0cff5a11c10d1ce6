import { createBridgePlatform } from './bridge';
import { takeToken } from './token';
import type { Platform } from './types';

let current: Platform | null = null;

/** Electron's preload when present, else the local bridge this page was served from. */
export function platform(): Platform {
  if (!current) current = window.sonotl ?? createBridgePlatform(window.location.origin, takeToken());
  return current;
}

/** Tests install an in-memory platform here. */
export function setPlatform(p: Platform | null): void {
  current = p;
}

export type { Platform } from './types';
