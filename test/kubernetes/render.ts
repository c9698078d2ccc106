import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { repoPath } from '@ultra/testkit';

/** A rendered Kubernetes object, as loosely typed as YAML gives it. */
export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  spec?: any;
  data?: Record<string, string>;
}

/** Why kubectl cannot render here, or undefined when it can. */
export function kubectlMissing(): string | undefined {
  const r = spawnSync('kubectl', ['version', '--client'], { encoding: 'utf8' });
  if (r.error || r.status !== 0) return `kubectl is not on the PATH (${r.error?.message ?? r.stderr.trim()}); install it to render deploy/kubernetes (docs/kubernetes.md)`;
  return undefined;
}

/** `kubectl kustomize DIR`, parsed: every object it renders. */
export function render(dir: string): K8sObject[] {
  const r = spawnSync('kubectl', ['kustomize', dir], { encoding: 'utf8', maxBuffer: 16 * 1024 * 1024 });
  if (r.status !== 0) throw new Error(`kubectl kustomize ${dir} failed: ${r.stderr}`);
  const objects = parseAllDocuments(r.stdout).map((d) => d.toJS() as K8sObject).filter((o) => o && o.kind);
  // kustomize wraps a Secret's base64 at 70 columns; the API server's decoder skips the line breaks.
  for (const o of objects) if (o.kind === 'Secret') for (const k of Object.keys(o.data ?? {})) o.data![k] = o.data![k]!.replace(/\s+/g, '');
  return objects;
}

/** An overlay with `components` added, written to a temporary directory (kustomize takes only relative paths). */
export function renderWith(overlay: string, components: string[]): K8sObject[] {
  const dir = mkdtempSync(join(tmpdir(), 'ultra-kustomize-'));
  const rel = (p: string) => relative(dir, repoPath(p));
  writeFileSync(join(dir, 'kustomization.yaml'), `resources:\n  - ${rel(overlay)}\ncomponents:\n${components.map((c) => `  - ${rel(c)}\n`).join('')}`);
  return render(dir);
}

/** The schema class of a kind, from kubernetes-models (and its Prometheus Operator models for ServiceMonitor). */
async function modelOf(o: K8sObject): Promise<new (data: unknown) => { validate(): void }> {
  const [group, version] = o.apiVersion.includes('/') ? o.apiVersion.split('/') : ['', o.apiVersion];
  const path =
    group === 'monitoring.coreos.com'
      ? `@kubernetes-models/prometheus-operator/${group}/${version}/${o.kind}`
      : `kubernetes-models/${group ? `${group}/` : ''}${version}/${o.kind}`;
  const mod = (await import(path)) as Record<string, new (data: unknown) => { validate(): void }>;
  const model = mod[o.kind];
  if (!model) throw new Error(`no schema for ${o.apiVersion} ${o.kind}`);
  return model;
}

/** Every problem the Kubernetes API schema finds in `o`, as `Kind/name: path message`. */
export async function schemaProblems(o: K8sObject): Promise<string[]> {
  const Model = await modelOf(o);
  try {
    new Model(o).validate();
    return [];
  } catch (e) {
    const errors = (e as { errors?: { instancePath: string; message?: string }[] }).errors;
    return (errors ?? [{ instancePath: '', message: (e as Error).message }]).map((x) => `${o.kind}/${o.metadata.name}: ${x.instancePath || '/'} ${x.message ?? ''}`);
  }
}

/** The pod template's containers of a workload. */
export const containersOf = (o: K8sObject): any[] => o.spec?.template?.spec?.containers ?? [];

/** True when every label of `selector` is on `labels`. */
export const selects = (selector: Record<string, string> | undefined, labels: Record<string, string> | undefined): boolean =>
  Boolean(selector) && Object.entries(selector!).every(([k, v]) => labels?.[k] === v);
