import { ComponentStatus } from '@ultra/contracts/health';
import { describe, expect, it } from 'vitest';
import { createReplicaCensus } from './replica-census.ts';

const id = 'provider-agent@dns:ultra-agent:50061';

describe('replica census', () => {
  it('one replica: its own status and detail, as a lone service always had', () => {
    const c = createReplicaCensus({ id, min: 1 });
    expect(c.set('10.0.0.1:50061', { status: 'starting', detail: 'starting: not listening yet (connect ECONNREFUSED)' })).toMatchObject({ status: ComponentStatus.STARTING });
    expect(c.set('10.0.0.1:50061', { status: 'serving' })).toEqual({ name: id, kind: 'service', status: ComponentStatus.SERVING, detail: '' });
    expect(c.set('10.0.0.1:50061', { status: 'not-serving', detail: 'unreachable: stream ended' })).toEqual({ name: id, kind: 'service', status: ComponentStatus.NOT_SERVING, detail: 'unreachable: stream ended' });
  });

  it('two replicas, one restarting or draining: still serving, and it says how many', () => {
    const c = createReplicaCensus({ id, min: 1 });
    c.set('10.0.0.1:50061', { status: 'serving' });
    c.set('10.0.0.2:50061', { status: 'serving' });
    expect(c.set('10.0.0.2:50061', { status: 'not-serving', detail: 'NOT_SERVING' })).toMatchObject({ status: ComponentStatus.SERVING, detail: '1 of 2 replicas serving' });
    expect(c.set('10.0.0.1:50061', { status: 'not-serving', detail: 'unreachable: connect ECONNREFUSED' })).toEqual({
      name: id,
      kind: 'service',
      status: ComponentStatus.NOT_SERVING,
      detail: '0 of 2 replicas serving: 10.0.0.1:50061 unreachable: connect ECONNREFUSED; 10.0.0.2:50061 NOT_SERVING',
    });
  });

  it('down when fewer than min_serving replicas serve, naming the need', () => {
    const c = createReplicaCensus({ id, min: 2 });
    c.set('10.0.0.1:50061', { status: 'serving' });
    expect(c.set('10.0.0.2:50061', { status: 'not-serving', detail: 'NOT_SERVING' })).toMatchObject({ status: ComponentStatus.NOT_SERVING, detail: '1 of 2 replicas serving (needs 2): NOT_SERVING' });
    expect(c.set('10.0.0.2:50061', { status: 'serving' })).toMatchObject({ status: ComponentStatus.SERVING, detail: '' });
  });

  it('a replica gone from the dial list no longer counts; none left is down', () => {
    const c = createReplicaCensus({ id, min: 1 });
    c.set('10.0.0.1:50061', { status: 'not-serving', detail: 'NOT_SERVING' });
    c.set('10.0.0.2:50061', { status: 'serving' });
    expect(c.remove('10.0.0.2:50061')).toMatchObject({ status: ComponentStatus.NOT_SERVING, detail: 'NOT_SERVING' });
    c.remove('10.0.0.1:50061');
    expect(c.view()).toMatchObject({ status: ComponentStatus.NOT_SERVING, detail: 'no replica found at its dial addresses' });
  });
});
