/** Enumerating and rewriting the fields of a JSON document, for "wrong type in every field" fuzzing. */

export type JsonPath = Array<string | number>;

/**
 * Every field of a document: object members and the first two elements of each array, recursively.
 * (Further elements repeat the first ones' shapes.)
 */
export function jsonPaths(doc: unknown, prefix: JsonPath = []): JsonPath[] {
  const out: JsonPath[] = [];
  if (Array.isArray(doc)) {
    doc.slice(0, 2).forEach((v, i) => {
      out.push([...prefix, i], ...jsonPaths(v, [...prefix, i]));
    });
  } else if (doc !== null && typeof doc === 'object') {
    for (const [k, v] of Object.entries(doc)) out.push([...prefix, k], ...jsonPaths(v, [...prefix, k]));
  }
  return out;
}

function clone<T>(doc: T): T {
  return JSON.parse(JSON.stringify(doc)) as T;
}

/** A copy of `doc` with the field at `path` set to `value` (undefined deletes it). */
export function withField(doc: unknown, path: JsonPath, value: unknown): unknown {
  const copy = clone(doc);
  let node = copy as Record<string | number, unknown>;
  for (const key of path.slice(0, -1)) node = node[key] as Record<string | number, unknown>;
  const last = path[path.length - 1];
  if (value === undefined) {
    if (Array.isArray(node)) node.splice(last as number, 1);
    else delete node[last];
  } else {
    // defineProperty, so that a key named "__proto__" becomes a real member as JSON.parse would make it.
    Object.defineProperty(node, last, { value, enumerable: true, writable: true, configurable: true });
  }
  return copy;
}

export const describePath = (path: JsonPath): string => path.map((k) => (typeof k === 'number' ? `[${k}]` : `.${k}`)).join('') || '(root)';

/** `depth` levels of arrays (or objects) around `inner`, as JSON text; built without recursion. */
export function nestedJson(depth: number, inner = '1', kind: 'array' | 'object' = 'array'): string {
  return kind === 'array' ? '['.repeat(depth) + inner + ']'.repeat(depth) : '{"a":'.repeat(depth) + inner + '}'.repeat(depth);
}
