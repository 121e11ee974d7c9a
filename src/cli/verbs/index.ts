// The verb registry: one line a verb, each module imported only when its verb runs.
import type { Command } from '../command.js';

type Loader = () => Promise<{ default: Command }>;

export const verbs: Readonly<Record<string, Loader>> = {
  demo: () => import('./demo.js'),
  up: () => import('./up.js'),
  status: () => import('./status.js'),
  pause: () => import('./pause.js'),
  resume: () => import('./resume.js'),
  promote: () => import('./promote.js'),
  rollback: () => import('./rollback.js'),
  'set-weight': () => import('./set-weight.js'),
  validate: () => import('./validate.js'),
  render: () => import('./render.js'),
  apply: () => import('./apply.js'),
  verify: () => import('./verify.js'),
  serve: () => import('./serve.js'),
  version: () => import('./version.js'),
  dashboard: () => import('./dashboard.js'),
  crd: () => import('./crd.js'),
  install: () => import('./install.js'),
  operator: () => import('./operator.js'),
  run: () => import('./run.js'),
};
