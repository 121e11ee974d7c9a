/** Shapes the cluster dashboard's API returns, shared with the page (no imports: the page bundles it). */

export interface CanarySummary {
  readonly namespace: string;
  readonly name: string;
  readonly router: string;
  readonly phase: string;
  readonly canaryWeight: number;
}

/** GET /api/v1/info: which server the page talks to. */
export type ServerInfo =
  | { readonly kind: 'local' }
  | { readonly kind: 'cluster'; readonly context: string; readonly namespace: string };

/** GET /api/v1/canaries */
export interface CanaryList {
  readonly context: string;
  readonly namespace: string;
  readonly items: readonly CanarySummary[];
}
