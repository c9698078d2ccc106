import { runService } from '@ultra/runtime';
import { startProviderAgent } from './start.ts';

runService('provider-agent', startProviderAgent);
