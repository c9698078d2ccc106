import { runService } from '@ultra/runtime';
import { startCache } from './start.ts';

runService('cache', startCache);
