import { errorMessage, isSonoError } from '../core/errors.js';
import { translateStorageError } from '../core/project/storage-errors.js';
import { contract, type ApiErrorBody, type ApiMethod } from './contract.js';
import type { Service } from './service.js';

export type DispatchResult = { ok: true; value: unknown } | { ok: false; error: ApiErrorBody };

function isMethod(name: string): name is ApiMethod {
  return Object.prototype.hasOwnProperty.call(contract, name);
}

/**
 * The single entry point for calls from outside the process (IPC and the HTTP bridge): checks the
 * method name and validates the input before any handler runs, and turns every failure into data.
 */
export async function dispatch(service: Service, method: string, rawInput: unknown): Promise<DispatchResult> {
  if (typeof method !== 'string' || !isMethod(method)) {
    return { ok: false, error: { code: 'UNKNOWN_METHOD', message: `unknown API method "${String(method).slice(0, 100)}"` } };
  }
  const parsed = contract[method].input.safeParse(rawInput ?? {});
  if (!parsed.success) {
    const first = parsed.error.issues[0];
    const where = first.path.length ? first.path.join('.') : 'input';
    return { ok: false, error: { code: 'BAD_INPUT', message: bounded(`${method}: ${where}: ${first.message}`) } };
  }
  try {
    const handler = service[method] as (input: unknown) => Promise<unknown>;
    return { ok: true, value: await handler(parsed.data) };
  } catch (e) {
    // A full disk or read-only folder met by any write (annotation edits, splits, categories) is the
    // user's to fix, so it gets the same clear code as in imports rather than INTERNAL.
    const storage = translateStorageError(e, 'the project database');
    if (isSonoError(storage)) return { ok: false, error: { code: storage.code, message: bounded(storage.message), subject: storage.subject?.slice(0, 1000) } };
    const code = String((e as { code?: unknown }).code ?? '');
    if (PATH_ERRORS.has(code)) return { ok: false, error: { code: 'BAD_INPUT', message: bounded(`${method}: ${errorMessage(e)}`) } };
    return { ok: false, error: { code: 'INTERNAL', message: bounded(`${method} failed: ${errorMessage(e)}`) } };
  }
}

/** Node errors that mean a path given in the input cannot be used (not a fault of the program). */
const PATH_ERRORS = new Set(['ENOENT', 'ENOTDIR', 'EEXIST', 'EISDIR', 'ENAMETOOLONG', 'ELOOP', 'ERR_INVALID_ARG_VALUE']);

/** Messages can quote input (zod names unrecognized keys): one line, and short enough to show. */
function bounded(message: string): string {
  const line = message.replace(/[\r\n]+/g, ' ');
  return line.length > 500 ? `${line.slice(0, 497)}...` : line;
}

