import { errorMessage, isSonoError } from '../core/errors.js';
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
    return { ok: false, error: { code: 'BAD_INPUT', message: `${method}: ${where}: ${first.message}` } };
  }
  try {
    const handler = service[method] as (input: unknown) => Promise<unknown>;
    return { ok: true, value: await handler(parsed.data) };
  } catch (e) {
    if (isSonoError(e)) return { ok: false, error: { code: e.code, message: e.message, subject: e.subject } };
    return { ok: false, error: { code: 'INTERNAL', message: `${method} failed: ${errorMessage(e)}` } };
  }
}

