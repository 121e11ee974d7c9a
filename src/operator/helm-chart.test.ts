import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { parse } from 'yaml';
import { modelCanaryCrd } from '../crd/model-canary-crd.js';
import { REPO_ROOT, runCli } from '../testing/cli.js';
import { helmChartFiles } from './helm-chart.js';
import { installManifests } from './install-manifests.js';

const CHART = join(REPO_ROOT, 'charts', 'kcanary');

/** Helm's part, for the only expressions the chart uses; anything else left over fails the test. */
function render(template: string, values: { namespace: string; image: string; replicas: number; logLevel: string }): string {
  const out = template
    .replaceAll('{{ .Release.Namespace }}', values.namespace)
    .replaceAll('{{ .Values.image }}', values.image)
    .replaceAll('{{ .Values.replicas }}', String(values.replicas))
    .replaceAll('{{ .Values.logLevel | quote }}', JSON.stringify(values.logLevel));
  assert.doesNotMatch(out, /\{\{/, 'the chart uses only the four documented values');
  return out;
}

describe('Helm chart', () => {
  it('is committed exactly as scripts/gen-chart.mjs generates it', () => {
    const files = helmChartFiles();
    const walk = (dir: string): string[] => readdirSync(join(CHART, dir), { withFileTypes: true })
      .flatMap((e) => (e.isDirectory() ? walk(join(dir, e.name)) : [join(dir, e.name)]));
    assert.deepEqual(walk('').sort(), Object.keys(files).sort());
    for (const [path, text] of Object.entries(files)) assert.equal(readFileSync(join(CHART, path), 'utf8'), text, `${path} is stale: run npm run gen-chart`);
  });

  it('renders to the same objects kcanary install applies', () => {
    const values = { namespace: 'ops', image: 'registry.example/kcanary:9', replicas: 3, logLevel: 'debug' };
    const files = helmChartFiles();
    const rendered = Object.entries(files).filter(([p]) => p.startsWith('templates/')).map(([, t]) => parse(render(t, values)) as { kind: string; metadata: { name: string } });
    const expected = installManifests(values).filter((o) => o.kind !== 'Namespace' && o.kind !== 'CustomResourceDefinition');
    const byKey = (o: { kind: string; metadata: { name: string } }) => `${o.kind}/${o.metadata.name}`;
    assert.deepEqual([...rendered].sort((a, b) => byKey(a).localeCompare(byKey(b))), [...expected].sort((a, b) => byKey(a).localeCompare(byKey(b))));
    assert.deepEqual(parse(files['crds/modelcanaries.kcanary.io.yaml']!), modelCanaryCrd());
    const defaults = parse(files['values.yaml']!) as { image: string; replicas: number };
    assert.equal(defaults.replicas, 2);
  });

  it('kcanary install --dry-run prints the same objects, CRD first after the namespace', async () => {
    const result = await runCli(['install', '--dry-run', '-o', 'yaml', '--install-namespace', 'ops', '--image', 'img:1']);
    assert.equal(result.code, 0, result.stderr);
    const documents = result.stdout.split(/^---$/m).map((d) => parse(d) as { kind: string });
    assert.deepEqual(documents, installManifests({ namespace: 'ops', image: 'img:1' }));
    assert.deepEqual(documents.map((d) => d.kind).slice(0, 2), ['Namespace', 'CustomResourceDefinition']);
    assert.doesNotMatch(result.stdout, /[&*]a1/, 'no YAML anchors: GitOps tools diff plain objects');
  });
});
