import { Mode } from '@ultra/contracts/chat';
import { ComponentStatus } from '@ultra/contracts/health';
import { createNotifier, ManualClock } from '@ultra/core';
import { createLogger } from '@ultra/runtime';
import { describe, expect, it } from 'vitest';
import { createModeEngine } from './engine/engine.ts';
import { DEFAULT_RULES } from './engine/rules.ts';
import { createModeEvaluation } from './mode-evaluation.ts';
import { createRegistry } from './registry.ts';
import { createStartGate } from './startup.ts';

/** The health service's start as start.ts wires it: registry, gate, the mode evaluation, and the log. */
function start(stopping = new AbortController().signal) {
  const clock = new ManualClock(0);
  const engine = createModeEngine({ rules: DEFAULT_RULES, clock, recoverAfter: 3 });
  const logged: string[] = [];
  const log = createLogger('health', { destination: { write: (line: string) => void logged.push(String(JSON.parse(line).msg)) } });
  const registry = createRegistry(() => evaluation.now('change'));
  const gate = createStartGate({ registry, clock, graceMs: 60_000 });
  const evaluation = createModeEvaluation({ engine, registry, gate, tiers: ['primary'], changes: createNotifier(), log, stopping });
  const evaluate = () => evaluation.now('check');
  for (const name of ['router@127.0.0.1:50051', 'cache@127.0.0.1:50071']) registry.set({ name, kind: 'service', status: ComponentStatus.STARTING, detail: 'starting' });
  registry.set({ name: 'provider:openai', kind: 'provider', tier: 'primary', status: ComponentStatus.STARTING, detail: 'starting' });
  const report = (name: string, status: ComponentStatus, kind: 'service' | 'provider' = 'service') =>
    registry.set({ name, kind, ...(kind === 'provider' ? { tier: 'primary' } : {}), status, detail: '' });
  return { clock, engine, gate, registry, logged, report, evaluate };
}

describe('the health service at start', () => {
  it('computes no mode while a configured component is starting, then NORMAL once all have reported, with no DEGRADED on the way', () => {
    const { engine, gate, report, logged } = start();
    report('cache@127.0.0.1:50071', ComponentStatus.SERVING);
    report('provider:openai', ComponentStatus.SERVING, 'provider');
    // The router is not listening yet: it stays starting, and no mode is computed.
    expect(gate.starting('router@127.0.0.1:50051')).toBe(true);
    expect(engine.current().mode).toBe(Mode.UNSPECIFIED);
    expect(gate.waitingFor()).toEqual(['router@127.0.0.1:50051']);
    report('router@127.0.0.1:50051', ComponentStatus.SERVING);
    expect(engine.current().mode).toBe(Mode.NORMAL);
    expect(engine.history()).toEqual([]);
    expect(logged).toEqual(['mode NORMAL: first evaluation, every component has reported']);
  });

  it('counts a component still silent after the grace as down, and logs modes by name', () => {
    const { clock, engine, gate, report, logged, registry, evaluate } = start();
    report('cache@127.0.0.1:50071', ComponentStatus.SERVING);
    report('provider:openai', ComponentStatus.SERVING, 'provider');
    clock.advance(59_999);
    evaluate();
    expect(engine.current().mode).toBe(Mode.UNSPECIFIED);
    clock.advance(1);
    evaluate();
    expect(gate.starting('router@127.0.0.1:50051')).toBe(false);
    expect(registry.all().find((c) => c.name.startsWith('router'))).toMatchObject({ status: ComponentStatus.NOT_SERVING, detail: 'did not report within 60 s of the start' });
    expect(engine.current()).toMatchObject({ mode: Mode.DEGRADED, reason: 'not serving: router@127.0.0.1:50051' });
    report('provider:openai', ComponentStatus.NOT_SERVING, 'provider');
    expect(logged).toEqual(['mode DEGRADED: first evaluation, every component has reported; not serving: router@127.0.0.1:50051', 'mode DEGRADED → OUTAGE: no provider is healthy']);
    expect(logged.join('\n')).not.toMatch(/mode \d/);
  });
});

describe('the health service at stop', () => {
  it('holds the mode once it is stopping: the services stopping with it log no NORMAL → DEGRADED', () => {
    const stop = new AbortController();
    const { engine, report, logged } = start(stop.signal);
    for (const name of ['router@127.0.0.1:50051', 'cache@127.0.0.1:50071']) report(name, ComponentStatus.SERVING);
    report('provider:openai', ComponentStatus.SERVING, 'provider');
    expect(engine.current().mode).toBe(Mode.NORMAL);
    stop.abort();
    report('cache@127.0.0.1:50071', ComponentStatus.NOT_SERVING);
    expect(engine.current().mode).toBe(Mode.NORMAL);
    expect(logged.filter((l) => l.includes('→'))).toEqual([]);
  });

  it('while running, the same loss of a service steps down at once', () => {
    const { engine, report } = start(new AbortController().signal);
    for (const name of ['router@127.0.0.1:50051', 'cache@127.0.0.1:50071']) report(name, ComponentStatus.SERVING);
    report('provider:openai', ComponentStatus.SERVING, 'provider');
    report('cache@127.0.0.1:50071', ComponentStatus.NOT_SERVING);
    expect(engine.current().mode).toBe(Mode.DEGRADED);
  });
});
