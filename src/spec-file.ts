/**
 * Reading a ModelCanary from a YAML or JSON file: the file's problems (missing,
 * too large, not YAML, an alias bomb) and the spec's (each bad field) all end
 * as a ValidationError or UsageError, never as a crash.
 */
import { existsSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { UsageError, ValidationError, type FieldIssue } from './errors.js';
import { KIND, type ModelCanary } from './core/spec.js';
import { parseModelCanary } from './core/validate.js';
import { resolveModelFile } from './modelserver/storage-uri.js';

/** A spec is a page of YAML; anything this large is a mistake or an attack. */
export const MAX_SPEC_BYTES = 1024 * 1024;
/**
 * Aliases a spec may resolve. yaml's own bound also counts how far each alias
 * expands, so nested "billion laughs" aliases stop long before memory runs out.
 */
export const MAX_ALIAS_COUNT = 100;

export interface LoadedSpec {
  readonly canary: ModelCanary;
  readonly warnings: readonly FieldIssue[];
  readonly path: string;
}

export async function loadSpecFile(path: string): Promise<LoadedSpec> {
  return { ...parseSpecText(await readSpecText(path), path), path };
}

/** The text of a spec file, refused (not read) when it is larger than any spec. */
export async function readSpecText(path: string): Promise<string> {
  try {
    const { size } = await stat(path);
    if (size > MAX_SPEC_BYTES) throw new ValidationError([{ path: '(document)', message: tooLarge(size) }], { source: path });
    return await readFile(path, 'utf8');
  } catch (error) {
    if (error instanceof ValidationError) throw error;
    throw new UsageError(`cannot read ${path}: ${(error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (error as Error).message}`, { cause: error });
  }
}

/** Every non-empty document of a spec file, decoded within the bounds above. */
export async function readSpecDocuments(path: string): Promise<unknown[]> {
  return decodeYamlDocuments(await readSpecText(path), path);
}

/** The parser's first line, except that running out of stack is the document's depth, not a JavaScript error. */
function yamlProblem(message: string): string {
  const first = message.split('\n')[0] ?? message;
  const deep = /^Maximum call stack size exceeded(?: at (line \d+, column \d+))?/.exec(first);
  if (!deep) return first;
  return deep[1] ? `nested too deeply (${deep[1]})` : 'nested too deeply';
}

function tooLarge(bytes: number): string {
  return `the file is ${bytes} bytes; a spec may be at most ${MAX_SPEC_BYTES} bytes`;
}

/** The ModelCanary document of a (possibly multi-document) YAML text. */
export function parseSpecText(text: string, source: string): { canary: ModelCanary; warnings: readonly FieldIssue[] } {
  const values = decodeYamlDocuments(text, source);
  if (values.length === 0) throw new ValidationError([{ path: '(document)', message: 'the file is empty' }], { source });
  const found = values.find((v) => (v as { kind?: unknown }).kind === KIND) ?? values[0];
  return parseModelCanary(found, source);
}

/** The non-empty documents of a YAML text; syntax errors and alias bombs are ValidationErrors. */
export function decodeYamlDocuments(text: string, source: string): unknown[] {
  const bytes = Buffer.byteLength(text);
  if (bytes > MAX_SPEC_BYTES) throw new ValidationError([{ path: '(document)', message: tooLarge(bytes) }], { source });
  const documents = parseAllDocuments(text, { prettyErrors: true });
  const list = Array.isArray(documents) ? documents : [documents];
  for (const doc of list) {
    if (doc.errors.length) {
      throw new ValidationError(doc.errors.map((e) => ({ path: '(document)', message: `not valid YAML: ${yamlProblem(e.message)}` })), { source });
    }
  }
  return list.map((doc) => {
    try {
      return doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT }) as unknown;
    } catch (error) {
      // yaml throws a ReferenceError when aliases expand past the bound.
      const message = /alias/i.test((error as Error).message)
        ? `too many YAML aliases: they expand past ${MAX_ALIAS_COUNT} nodes (a spec needs few, if any)`
        : `not valid YAML: ${yamlProblem((error as Error).message)}`;
      throw new ValidationError([{ path: '(document)', message }], { source, cause: error });
    }
  }).filter((v) => v !== null && v !== undefined);
}

/**
 * The model files a local rollout will load, checked on disk: with the built-in
 * model server a `file://` URI (or plain path) that does not resolve to an .onnx
 * model is an error naming the resolved path, which is relative to the spec's
 * directory as `up` resolves it. A command of one's own gets a warning instead,
 * since what its {storageUri} means is the command's business.
 */
export function checkLocalModelFiles(canary: ModelCanary, specPath: string): { errors: FieldIssue[]; warnings: FieldIssue[] } {
  const errors: FieldIssue[] = [];
  const warnings: FieldIssue[] = [];
  const local = canary.spec.local;
  if (canary.spec.router !== 'local' || !local || local.primary || local.canary) return { errors, warnings };
  const cwd = dirname(resolve(specPath));
  const uris: [string, string][] = [
    ['spec.predictor.model.storageUri', canary.spec.predictor.model.storageUri],
    ['spec.canary.storageUri', canary.spec.canary.storageUri],
  ];
  for (const [field, uri] of uris) {
    if (local.command) {
      if (!uri.startsWith('file://')) continue;
      const path = resolve(cwd, decodeURIComponent(uri.slice('file://'.length)));
      if (!existsSync(path)) warnings.push({ path: field, message: `"${uri}": no such file or directory (${path})` });
      continue;
    }
    try {
      resolveModelFile(uri, { cwd });
    } catch (error) {
      errors.push({ path: field, message: (error as Error).message.replace(/^storageUri: /, '') });
    }
  }
  return { errors, warnings };
}
