import { runService } from '@ultra/runtime';
import { startHealth } from './start.ts';

runService('health', startHealth);
