// The verb registry: one line a verb, each module imported only when its verb runs.
import type { Command } from '../command.js';

type Loader = () => Promise<{ default: Command }>;

export const verbs: Readonly<Record<string, Loader>> = {
  serve: () => import('./serve.js'),
  version: () => import('./version.js'),
};
