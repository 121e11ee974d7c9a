/**
 * Turns a storageUri into the .onnx file to load: `file://` URIs (absolute, or
 * relative to the working directory as in `file://./models/x`) and plain paths,
 * to a file or to a directory holding one model file, as KServe's storage
 * initializer lays out /mnt/models.
 */
import { readdirSync, statSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { ErrorCode, KcanaryError } from '../errors.js';

const fail = (field: string, message: string, cause?: unknown): KcanaryError =>
  new KcanaryError(ErrorCode.Validation, `${field}: ${message}`, cause === undefined ? undefined : { cause });

function pathOf(storageUri: string, cwd: string, field: string): string {
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(storageUri)?.[1]?.toLowerCase();
  if (scheme === undefined) return resolve(cwd, storageUri);
  if (scheme !== 'file') {
    throw fail(field, `"${storageUri}": the built-in model server reads only file:// URIs and local paths ` +
      `(${scheme}:// needs KServe's storage initializer; download the model and pass its local path)`);
  }
  const rest = decodeURIComponent(storageUri.slice('file://'.length));
  // file:///abs/path is absolute; file://./rel and file://rel are relative to the working directory.
  return isAbsolute(rest) ? rest : resolve(cwd, rest);
}

export function resolveModelFile(storageUri: string, options: { cwd: string; field?: string }): string {
  const field = options.field ?? 'storageUri';
  if (storageUri.trim() === '') throw fail(field, 'is empty');
  const path = pathOf(storageUri, options.cwd, field);
  let stats;
  try {
    stats = statSync(path);
  } catch (error) {
    throw fail(field, `"${storageUri}": no such file or directory (${path})`, error);
  }
  if (stats.isFile()) {
    if (!path.endsWith('.onnx')) throw fail(field, `"${storageUri}": not an .onnx file`);
    return path;
  }
  const candidates = readdirSync(path).filter((name) => name.endsWith('.onnx')).sort();
  const preferred = candidates.includes('model.onnx') ? 'model.onnx' : candidates.length === 1 ? candidates[0] : undefined;
  if (preferred === undefined) {
    throw fail(field, candidates.length === 0
      ? `"${storageUri}": the directory ${path} holds no .onnx file`
      : `"${storageUri}": the directory ${path} holds several .onnx files (${candidates.join(', ')}) and none is model.onnx`);
  }
  return join(path, preferred);
}
