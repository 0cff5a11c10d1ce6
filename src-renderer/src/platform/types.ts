import type { ProgressEvent } from '../../../src-main/api/contract';
import type { DispatchResult } from '../../../src-main/api/dispatch';

export type { DispatchResult, ProgressEvent };

/**
 * What the renderer needs from its host: the Electron preload exposes exactly this as `window.sonotl`,
 * and the browser bridge client implements it over HTTP and a WebSocket.
 */
export interface Platform {
  call(method: string, input: unknown): Promise<DispatchResult>;
  /** Subscribes to progress events; returns the unsubscribe function. */
  onEvent(cb: (e: ProgressEvent) => void): () => void;
  /** URL of a stored image (`ImageRecord.relPath`). */
  fileUrl(relPath: string): string;
  /** URL of a JPEG thumbnail that fits in size x size pixels. */
  thumbUrl(imageId: number, size: number): string;
}

declare global {
  interface Window {
    sonotl?: Platform;
  }
}
