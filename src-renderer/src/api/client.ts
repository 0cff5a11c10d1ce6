import type { ApiInput, ApiMethod, ProgressEvent } from '../../../src-main/api/contract';
import type { ApiOutput } from '../../../src-main/api/service';
import { platform } from '../platform';

/** A refused or failed call. `message` names the file or object and the problem, and is shown as is. */
export class ApiError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly subject?: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

/** The renderer's one way to the backend; which platform carries it is decided in platform/. */
export const api = {
  async call<M extends ApiMethod>(method: M, input: ApiInput<M>): Promise<ApiOutput<M>> {
    const result = await platform().call(method, input);
    if (!result.ok) throw new ApiError(result.error.code, result.error.message, result.error.subject);
    return result.value as ApiOutput<M>;
  },
  onEvent(cb: (e: ProgressEvent) => void): () => void {
    return platform().onEvent(cb);
  },
  fileUrl(relPath: string): string {
    return platform().fileUrl(relPath);
  },
  thumbUrl(imageId: number, size: number): string {
    return platform().thumbUrl(imageId, size);
  },
};

/** The message of anything thrown, for display: ApiErrors already name their subject. */
export function messageOf(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
