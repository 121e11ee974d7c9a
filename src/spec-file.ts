/**
 * Reading a ModelCanary from a YAML or JSON file: the file's problems (missing,
 * not YAML) and the spec's (each bad field) both end as a ValidationError.
 */
import { readFile } from 'node:fs/promises';
import { parseAllDocuments } from 'yaml';
import { UsageError, ValidationError, type FieldIssue } from './errors.js';
import { KIND, type ModelCanary } from './core/spec.js';
import { parseModelCanary } from './core/validate.js';

export interface LoadedSpec {
  readonly canary: ModelCanary;
  readonly warnings: readonly FieldIssue[];
  readonly path: string;
}

export async function loadSpecFile(path: string): Promise<LoadedSpec> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new UsageError(`cannot read ${path}: ${(error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (error as Error).message}`, { cause: error });
  }
  return { ...parseSpecText(text, path), path };
}

/** The ModelCanary document of a (possibly multi-document) YAML text. */
export function parseSpecText(text: string, source: string): { canary: ModelCanary; warnings: readonly FieldIssue[] } {
  const documents = parseAllDocuments(text, { prettyErrors: true });
  const list = Array.isArray(documents) ? documents : [documents];
  for (const doc of list) {
    if (doc.errors.length) {
      throw new ValidationError(doc.errors.map((e) => ({ path: '(document)', message: `not valid YAML: ${e.message.split('\n')[0]}` })), { source });
    }
  }
  const values = list.map((d) => d.toJS() as unknown).filter((v) => v !== null && v !== undefined);
  if (values.length === 0) throw new ValidationError([{ path: '(document)', message: 'the file is empty' }], { source });
  const found = values.find((v) => (v as { kind?: unknown }).kind === KIND) ?? values[0];
  return parseModelCanary(found, source);
}
